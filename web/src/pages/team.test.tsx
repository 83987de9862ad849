// @vitest-environment jsdom
/**
 * The Team page's invitations: listed through the typed API client with their failures shown
 * like every other list, and the invite form keeping what was typed until the API accepts it.
 */
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderInOrg } from '../test-support/render-in-org';
import { TeamPage } from './team';

const { server, answer, cursorList, page, problem } = await vi.hoisted(
  () => import('../test-support/fake-api'),
);

/** A shared machine can be slow: wait for what a person would see, generously. */
const slow = { timeout: 10_000 };

const ORG = 'org_test';
const OWNER = { id: 'mem_1', email: 'owner@example.com', role: 'owner', created_at: '2026-11-01T00:00:00Z' };

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

/**
 * A Pro org with its owner (or the `members` given) and the `budgets` given; `invitations`
 * and `invite` answer as each test says.
 */
function serve(routes: {
  invitations: (url: URL) => Response;
  invite?: (body: unknown) => Response | Promise<Response>;
  members?: { id: string; [field: string]: unknown }[];
  budgets?: { id: string; [field: string]: unknown }[];
}) {
  const invites: unknown[] = [];
  server.handle = async (r: Request) => {
    const url = new URL(r.url);
    const path = url.pathname;
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
        : answer({ invitation: invitation('inv_9', 'x@example.com', 'pending') }, 202);
    }
    if (path.endsWith('/members')) return cursorList(routes.members ?? [OWNER], url);
    if (path.endsWith('/budgets')) return cursorList(routes.budgets ?? [], url);
    if (path.endsWith('/projects')) return answer(page([]));
    if (path.endsWith('/invitations')) return routes.invitations(url);
    return problem(404, 'not_found', 'Not found', path);
  };
  return invites;
}

function show() {
  renderInOrg(<TeamPage />, { org: ORG });
}

async function invite(email: string) {
  const form = await screen.findByRole('form', { name: 'Invite a member' }, slow);
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
    const list = await screen.findByRole('list', { name: 'Pending invitations' }, slow);
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
    const alert = await screen.findByRole('alert', {}, slow);
    expect(alert.textContent).toContain('The store did not answer.');
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('list', { name: 'Pending invitations' }, slow)).toBeTruthy();
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
    await waitFor(() => expect(invites).toEqual([{ email: 'ana@example.com', role: 'member' }]), slow);
    expect(input.value).toBe('ana@example.com');
    accept(answer({ invitation: invitation('inv_1', 'ana@example.com', 'pending') }, 202));
    expect(
      (await screen.findByText(/Invitation sent to ana@example.com as member/, {}, slow)).textContent,
    ).toBeTruthy();
    await waitFor(() => expect(input.value).toBe(''), slow);
  });

  it('keeps what was typed and shows the problem when the API refuses the invitation', async () => {
    serve({
      invitations: () => answer(page([])),
      invite: () =>
        problem(409, 'already_member', 'Already a member', 'ana@example.com is already a member.'),
    });
    show();
    const input = await invite('ana@example.com');
    const alert = await screen.findByRole('alert', {}, slow);
    expect(alert.textContent).toContain('ana@example.com is already a member.');
    expect(input.value).toBe('ana@example.com');
    expect(screen.queryByText(/Invitation sent/)).toBeNull();
  });
});

describe('Team: lists longer than one page', () => {
  afterEach(cleanup);

  // 250 members, newest first as the API lists them: three pages of at most 100.
  const members = [
    ...Array.from({ length: 249 }, (_, i) => ({
      id: `mem_${250 - i}`,
      email: `m${250 - i}@example.com`,
      role: 'member',
      created_at: '2026-11-02T00:00:00Z',
    })),
    OWNER,
  ];

  it('lists every member, past the first page of the API', async () => {
    serve({ invitations: () => answer(page([])), members });
    show();
    const table = await screen.findByRole('table', { name: 'Members of this org' }, slow);
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(1 + 250), slow);
    expect(within(table).getByText('m2@example.com')).toBeTruthy();
    expect(within(table).getByText('owner@example.com')).toBeTruthy();
  });

  it("names a budget's member from a later page by email, and offers every member a budget", async () => {
    serve({
      invitations: () => answer(page([])),
      members,
      budgets: [
        {
          id: 'bud_1',
          scope: 'member',
          scope_id: 'mem_2',
          limit: 10,
          enforcement: 'hard',
          spent: 0,
          held: 0,
          remaining: 10,
          period_start: '2026-12-01T00:00:00Z',
        },
      ],
    });
    show();
    const budgets = await screen.findByRole('list', { name: 'Budgets' }, slow);
    await waitFor(() => expect(within(budgets).getByText('m2@example.com')).toBeTruthy(), slow);
    const form = screen.getByRole('form', { name: 'Set a budget' });
    await waitFor(
      () => expect(within(form).getByRole('option', { name: 'm2@example.com (member)' })).toBeTruthy(),
      slow,
    );
  });

  it('lists every pending invitation, past the first page of all invitations', async () => {
    const all = Array.from({ length: 130 }, (_, i) =>
      invitation(`inv_${130 - i}`, `i${130 - i}@example.com`, i % 2 === 0 ? 'pending' : 'expired'),
    );
    serve({ invitations: (url) => cursorList(all, url) });
    show();
    const list = await screen.findByRole('list', { name: 'Pending invitations' }, slow);
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(65), slow);
    expect(within(list).getByText(/^i2@example\.com/)).toBeTruthy();
  });
});
