// @vitest-environment jsdom
/**
 * Settings shows an org's lists whole: every API key (the oldest, past the API's first
 * page, can still be revoked), every webhook endpoint, and every member as a possible new
 * owner, read page by page to the end.
 */
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderInOrg } from '../test-support/render-in-org';
import { SettingsPage } from './settings';

const { server, answer, cursorList, problem } = await vi.hoisted(() => import('../test-support/fake-api'));

/** A shared machine can be slow: wait for what a person would see, generously. */
const slow = { timeout: 10_000 };

const ORG = 'org_test';

// Newest first, as the API lists them.
const keys = Array.from({ length: 150 }, (_, i) => ({
  id: `key_${150 - i}`,
  name: `server ${150 - i}`,
  scopes: ['read'],
  prefix: `amisi_${150 - i}`,
  created_at: '2026-11-02T00:00:00Z',
  revoked_at: null,
}));
const endpoints = Array.from({ length: 101 }, (_, i) => ({
  id: `we_${101 - i}`,
  url: `https://hooks.example.com/${101 - i}`,
  events: ['*'],
  description: null,
  status: 'enabled',
  disabled_reason: null,
  created_at: '2026-11-02T00:00:00Z',
}));
const members = [
  ...Array.from({ length: 149 }, (_, i) => ({
    id: `mem_${150 - i}`,
    email: `m${150 - i}@example.com`,
    role: 'member',
    created_at: '2026-11-02T00:00:00Z',
  })),
  { id: 'mem_1', email: 'owner@example.com', role: 'owner', created_at: '2026-11-01T00:00:00Z' },
];

function serve() {
  const asked: string[] = [];
  server.handle = async (r: Request) => {
    const url = new URL(r.url);
    const path = url.pathname;
    asked.push(`${path.split('/').at(-1)} ${url.searchParams.get('starting_after') ?? '-'}`);
    if (path === `/v1/orgs/${ORG}`)
      return answer({
        id: ORG,
        name: 'Studio',
        tier: 'pro',
        created_at: '2026-11-01T00:00:00Z',
        closed_at: null,
      });
    if (path.endsWith('/api_keys')) return cursorList(keys, url);
    if (path.endsWith('/webhook_endpoints')) return cursorList(endpoints, url);
    if (path.endsWith('/members')) return cursorList(members, url);
    if (path.endsWith('/alerts'))
      return answer({ low_balance_threshold: null, effective_threshold: 10, armed: true });
    if (path === '/v1/catalog') return answer({ tiers: [], packs: [], tools: [] });
    return problem(404, 'not_found', 'Not found', path);
  };
  return asked;
}

function show() {
  renderInOrg(<SettingsPage />, { org: ORG });
}

afterEach(cleanup);

describe('Settings: lists longer than one page', () => {
  it('lists every API key, the oldest with its Revoke button', async () => {
    const asked = serve();
    show();
    await screen.findByRole('button', { name: 'Revoke server 1' }, slow);
    const table = screen.getByRole('table', { name: 'API keys' });
    expect(within(table).getAllByRole('row')).toHaveLength(1 + 150);
    expect(asked.filter((a) => a.startsWith('api_keys'))).toEqual(['api_keys -', 'api_keys key_51']);
  });

  it('lists every webhook endpoint', async () => {
    serve();
    show();
    await screen.findByRole('button', { name: 'Delete https://hooks.example.com/1' }, slow);
    expect(screen.getAllByRole('button', { name: /^Delete https:/ })).toHaveLength(101);
  });

  it('offers every other member as the new owner', async () => {
    serve();
    show();
    const transfer = await screen.findByRole('form', { name: 'Transfer ownership' }, slow);
    await waitFor(
      () => expect(within(transfer).getByRole('option', { name: 'm2@example.com (member)' })).toBeTruthy(),
      slow,
    );
    // The 149 others and "Choose a member".
    expect(within(transfer).getAllByRole('option')).toHaveLength(150);
  });
});
