// @vitest-environment jsdom
/**
 * Adding a webhook endpoint: the form's own check says the server's rule (http or https,
 * src/notifications/targets.ts), an http URL is sent, and the server's refusal is shown.
 */
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderInOrg } from '../test-support/render-in-org';
import { Webhooks } from './settings';

const { server, answer } = await vi.hoisted(() => import('../test-support/fake-api'));

const ORG = 'org_test';

/** No endpoints yet; a POST answers `created` (or the refusal given). */
function serve(refusal?: { status: number; code: string; title: string; detail: string }) {
  const posted: unknown[] = [];
  server.handle = async (r: Request) => {
    if (r.method === 'GET') return answer({ data: [], has_more: false, next_cursor: null });
    const body = (await r.json()) as { url: string; events: string[] };
    posted.push(body);
    if (refusal) return answer(refusal, refusal.status);
    return answer(
      {
        id: 'we_1',
        url: body.url,
        events: body.events,
        status: 'enabled',
        disabled_reason: null,
        created_at: '2026-12-01T00:00:00Z',
        secret: 'whsec_test',
      },
      201,
    );
  };
  return posted;
}

function show() {
  renderInOrg(<Webhooks />, { org: ORG });
  const form = screen.getByRole('form', { name: 'Add a webhook endpoint' });
  const input = screen.getByLabelText('Endpoint URL') as HTMLInputElement;
  const add = (url: string) => {
    fireEvent.change(input, { target: { value: url } });
    fireEvent.submit(form);
  };
  return { input, add };
}

describe('adding a webhook endpoint', () => {
  afterEach(cleanup);

  it('asks for a URL starting http:// or https://, as the server accepts both', async () => {
    const posted = serve();
    const { add } = show();
    add('hooks.example.com/amisi');
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Enter the full URL, starting http:// or https://',
    );
    expect(posted).toEqual([]);
  });

  it('sends an http URL, which the server accepts', async () => {
    const posted = serve();
    const { add } = show();
    add('http://hooks.example.com/amisi');
    await waitFor(() => expect(posted).toEqual([{ url: 'http://hooks.example.com/amisi', events: ['*'] }]));
    const secret = (await screen.findByLabelText("The endpoint's signing secret.")) as HTMLInputElement;
    expect(secret.value).toBe('whsec_test');
  });

  it("shows the server's refusal of a target it will not reach", async () => {
    serve({
      status: 422,
      code: 'validation_failed',
      title: 'Validation failed',
      detail: 'url: webhook target refused: 10.0.0.5 is a private address',
    });
    const { add } = show();
    add('http://10.0.0.5/hook');
    expect((await screen.findByRole('alert')).textContent).toContain('10.0.0.5 is a private address');
  });
});
