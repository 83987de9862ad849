// @vitest-environment jsdom
/**
 * The Team page's invitations: listed through the typed API client with their failures shown
 * like every other list, and the invite form keeping what was typed until the API accepts it.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OrgProvider, orgContextFor } from '../session';
import { TeamPage } from './team';

// The API client binds `fetch` when its module loads, and Node's Request refuses the
// app's relative URLs: both are replaced before any import, the answers set per test.
const server = vi.hoisted(() => {
  const NodeRequest = globalThis.Request;
  globalThis.Request = class extends NodeRequest {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(typeof input === 'string' ? new URL(input, 'http://localhost:3000/') : input, init);
    }
  } as typeof Request;
  const s = { handle: async (_r: Request): Promise<Response> => new Response(null, { status: 500 }) };
  globalThis.fetch = ((input: Request) => s.handle(input)) as typeof fetch;
  return s;
});

const ORG = 'org_test';
const page = (data: unknown[]) => ({ data, has_more: false, next_cursor: null });

function answer(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' },
  });
}

const problem = (status: number, code: string, title: string, detail: string) =>
  answer({ type: 'about:blank', status, code, title, detail }, status);

function invitation(id: string, email: string, status: string) {
  return {
    id,
    org_id: ORG,
    email,
    role: 'member',
    status,
    invited_by: 'usr_1',
    created_at: '2026-12-01T00:00:00Z',
    expires_at: '2026-12-08T00:00:00Z',
    accepted_at: null,
    revoked_at: null,
    member_id: null,
  };
}

/** A Pro org with its owner; `invitations` and `invite` answer as each test says. */
function serve(routes: {
  invitations: () => Response;
  invite?: (body: unknown) => Response | Promise<Response>;
}) {
  const invites: unknown[] = [];
  server.handle = async (r: Request) => {
    const path = new URL(r.url).pathname;
    if (path === '/v1/catalog')
      return answer({
        tiers: [
          { id: 'free', name: 'Free', team: false, allocation: 50, custom: false, price: null },
          { id: 'pro', name: 'Pro', team: true, allocation: 2000, custom: false, price: null },
        ],
        packs: [],
        tools: [],
      });
    if (path.endsWith('/balance')) return answer({ tier: 'pro', available: 10, balance: 10, held: 0 });
    if (path.endsWith('/members') && r.method === 'POST') {
      const body = await r.json();
      invites.push(body);
      return routes.invite
        ? routes.invite(body)
        : answer(invitation('inv_9', 'x@example.com', 'pending'), 202);
    }
    if (path.endsWith('/members'))
      return answer(
        page([
          { id: 'mem_1', email: 'owner@example.com', role: 'owner', created_at: '2026-11-01T00:00:00Z' },
        ]),
      );
    if (path.endsWith('/projects') || path.endsWith('/budgets')) return answer(page([]));
    if (path.endsWith('/invitations')) return routes.invitations();
    return problem(404, 'not_found', 'Not found', path);
  };
  return invites;
}

function show() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const ctx = orgContextFor(ORG, {
    org_id: ORG,
    member_id: 'mem_1',
    role: 'owner',
    scopes: ['read', 'usage', 'billing', 'admin'],
  } as never);
  render(
    <QueryClientProvider client={qc}>
      <OrgProvider value={ctx}>
        <TeamPage />
      </OrgProvider>
    </QueryClientProvider>,
  );
}

async function invite(email: string) {
  const form = await screen.findByRole('form', { name: 'Invite a member' });
  const input = within(form).getByLabelText('Email') as HTMLInputElement;
  fireEvent.change(input, { target: { value: email } });
  fireEvent.submit(form);
  return input;
}

describe('Team: invitations', () => {
  afterEach(cleanup);

  it('lists the pending invitations the API returns, with role and expiry', async () => {
    serve({
      invitations: () =>
        answer(
          page([
            invitation('inv_1', 'ana@example.com', 'pending'),
            invitation('inv_2', 'old@example.com', 'accepted'),
          ]),
        ),
    });
    show();
    const list = await screen.findByRole('list', { name: 'Pending invitations' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([expect.stringMatching(/^ana@example\.com · member · expires /)]);
  });

  it('shows a failure to list invitations, with a retry, instead of hiding it', async () => {
    let calls = 0;
    serve({
      invitations: () => {
        calls++;
        return calls === 1
          ? problem(500, 'internal', 'Internal error', 'The store did not answer.')
          : answer(page([invitation('inv_1', 'ana@example.com', 'pending')]));
      },
    });
    show();
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The store did not answer.');
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('list', { name: 'Pending invitations' })).toBeTruthy();
  });
});

describe('Team: the invite form', () => {
  afterEach(cleanup);

  it('keeps what was typed while the answer is awaited, and empties the field once the API accepts', async () => {
    let accept: (r: Response) => void = () => {};
    const answered = new Promise<Response>((resolve) => {
      accept = resolve;
    });
    const invites = serve({ invitations: () => answer(page([])), invite: () => answered });
    show();
    const input = await invite('ana@example.com');
    await waitFor(() => expect(invites).toEqual([{ email: 'ana@example.com', role: 'member' }]));
    expect(input.value).toBe('ana@example.com');
    accept(answer(invitation('inv_1', 'ana@example.com', 'pending'), 202));
    expect(
      (await screen.findByText(/Invitation sent to ana@example.com as member/)).textContent,
    ).toBeTruthy();
    await waitFor(() => expect(input.value).toBe(''));
  });

  it('keeps what was typed and shows the problem when the API refuses the invitation', async () => {
    serve({
      invitations: () => answer(page([])),
      invite: () =>
        problem(409, 'already_member', 'Already a member', 'ana@example.com is already a member.'),
    });
    show();
    const input = await invite('ana@example.com');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('ana@example.com is already a member.');
    expect(input.value).toBe('ana@example.com');
    expect(screen.queryByText(/Invitation sent/)).toBeNull();
  });
});
