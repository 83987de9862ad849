// @vitest-environment jsdom
/**
 * The bell against a fake API (the `api` client replaced, the rest real): the unread count
 * in its accessible name and badge, the list it opens, "Mark read" and "Mark all read"
 * lowering the count. The real server round trip is test/web/insights-journey.test.ts.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OrgProvider, orgContextFor } from '../session';
import { NotificationsBell } from './notifications-bell';
import { bellLabel, notificationKind, unreadBadge } from './notifications-data';

const server = vi.hoisted(() => {
  const notes = [
    {
      id: 'ntf_2',
      type: 'credits.low_balance',
      title: 'Your credit balance is low',
      body: '3 credits are available.',
    },
    {
      id: 'ntf_1',
      type: 'budget.threshold',
      title: 'A budget reached 80%',
      body: 'The member budget used 8 of 10.',
    },
  ].map((n) => ({ ...n, data: {}, created_at: '2026-12-04T10:00:00.000Z', read_at: null as string | null }));
  const ok = (data: unknown) => Promise.resolve({ data, response: new Response(null, { status: 200 }) });
  const unread = () => notes.filter((n) => n.read_at === null).length;
  return {
    notes,
    api: {
      get: (path: string) =>
        path.endsWith('/unread_count')
          ? ok({ unread: unread(), more: false })
          : ok({ data: notes.map((n) => ({ ...n })), has_more: false, next_cursor: null }),
      post: (path: string, o: { params: { path: { id?: string } } }) => {
        if (path.endsWith('/read_all')) {
          const marked = unread();
          for (const n of notes) n.read_at ??= '2026-12-04T11:00:00.000Z';
          return ok({ marked });
        }
        const n = notes.find((x) => x.id === o.params.path.id);
        if (n) n.read_at = '2026-12-04T11:00:00.000Z';
        return ok({ id: o.params.path.id, read: true });
      },
    },
  };
});

vi.mock('../api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api/client')>()),
  // GET and POST, as openapi-fetch names them (lower case in the fake for the linter).
  api: { GET: server.api.get, POST: server.api.post },
}));

afterEach(cleanup);

/** A shared machine can be slow: wait for what a person would see, generously. */
const slow = { timeout: 10_000 };

function mount() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const org = orgContextFor('org_1', {
    org_id: 'org_1',
    role: 'member',
    scopes: ['read', 'usage'],
  } as Parameters<typeof orgContextFor>[1]);
  return render(
    <QueryClientProvider client={qc}>
      <OrgProvider value={org}>
        <NotificationsBell />
      </OrgProvider>
    </QueryClientProvider>,
  );
}

describe('NotificationsBell', () => {
  it('shows the unread count, opens the list, and mark read / mark all read lower it', async () => {
    mount();
    const bell = await screen.findByRole('button', { name: 'Notifications, 2 unread' }, slow);
    expect(bell.getAttribute('aria-expanded')).toBe('false');
    expect(bell.textContent).toContain('2');

    fireEvent.click(bell);
    expect(bell.getAttribute('aria-expanded')).toBe('true');
    const panel = await screen.findByRole('region', { name: 'Notifications' }, slow);
    const items = await within(panel).findAllByTestId('notification', {}, slow);
    expect(items.map((i) => i.querySelector('.notif-kind')?.textContent)).toEqual(['Low balance', 'Budget']);

    fireEvent.click(within(panel).getByRole('button', { name: 'Mark read: Your credit balance is low' }));
    await screen.findByRole('button', { name: 'Notifications, 1 unread' }, slow);
    await waitFor(
      () => expect(within(panel).getAllByRole('button', { name: /^Mark read/ })).toHaveLength(1),
      slow,
    );

    fireEvent.click(within(panel).getByRole('button', { name: 'Mark all read' }));
    await screen.findByRole('button', { name: 'Notifications, none unread' }, slow);
    expect(within(panel).queryAllByRole('button', { name: /^Mark read/ })).toHaveLength(0);

    // Escape closes the list and gives the focus back to the bell.
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.queryByRole('region', { name: 'Notifications' })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Notifications, none unread' }));
  });
});

describe('notification wording', () => {
  it('names the bell and its badge from the count', () => {
    expect(bellLabel(undefined)).toBe('Notifications');
    expect(bellLabel({ unread: 0, more: false })).toBe('Notifications, none unread');
    expect(bellLabel({ unread: 3, more: false })).toBe('Notifications, 3 unread');
    expect(unreadBadge({ unread: 100, more: true })).toBe('99+');
    expect(bellLabel({ unread: 100, more: true })).toBe('Notifications, 99+ unread');
  });

  it('tags each alert the issue names by its kind', () => {
    expect(notificationKind('credits.low_balance').label).toBe('Low balance');
    expect(notificationKind('budget.threshold').label).toBe('Budget');
    expect(notificationKind('credits.forfeit_soon').label).toBe('Forfeit at renewal');
    expect(notificationKind('purchase.failed')).toEqual({ label: 'Payment failed', tone: 'danger' });
    expect(notificationKind('auto_topup.failed').tone).toBe('danger');
    expect(notificationKind('subscription.renewed').label).toBe('Plan');
    expect(notificationKind('something.new').label).toBe('Notice');
  });
});
