// @vitest-environment jsdom
/** The Credits log's filters offer every member and every project, past the API's first page. */
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderInOrg } from '../test-support/render-in-org';
import { CreditsPage } from './credits';

const { server, answer, cursorList, page, problem } = await vi.hoisted(
  () => import('../test-support/fake-api'),
);

/** A shared machine can be slow: wait for what a person would see, generously. */
const slow = { timeout: 10_000 };

const ORG = 'org_test';
// Newest first, as the API lists them.
const members = Array.from({ length: 150 }, (_, i) => ({
  id: `mem_${150 - i}`,
  email: `m${150 - i}@example.com`,
  role: 'member',
  created_at: '2026-11-02T00:00:00Z',
}));
const projects = Array.from({ length: 120 }, (_, i) => ({
  id: `prj_${120 - i}`,
  name: `Project ${120 - i}`,
  created_at: '2026-11-02T00:00:00Z',
}));

function serve() {
  server.handle = async (r: Request) => {
    const url = new URL(r.url);
    const path = url.pathname;
    if (path.endsWith('/members')) return cursorList(members, url);
    if (path.endsWith('/projects')) return cursorList(projects, url);
    if (path.endsWith('/holds') || path.endsWith('/transactions')) return answer(page([]));
    return problem(404, 'not_found', 'Not found', path);
  };
}

afterEach(cleanup);

describe('Credits: the log filters', () => {
  it('offer every member and every project, the oldest included', async () => {
    serve();
    renderInOrg(<CreditsPage />, { org: ORG });
    const member = (await screen.findByLabelText('Member', {}, slow)) as HTMLSelectElement;
    const project = screen.getByLabelText('Project') as HTMLSelectElement;
    await waitFor(
      () => expect(within(member).getByRole('option', { name: 'm1@example.com' })).toBeTruthy(),
      slow,
    );
    await waitFor(
      () => expect(within(project).getByRole('option', { name: 'Project 1' })).toBeTruthy(),
      slow,
    );
    expect(member.options).toHaveLength(1 + 150);
    expect(project.options).toHaveLength(1 + 120);
  });
});
