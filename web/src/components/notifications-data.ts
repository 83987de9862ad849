/**
 * The org's in-app notifications (the API's alerts: low balance, budget thresholds, credits
 * to be forfeited, failed payments …): the unread count for the badge, the list, mark read.
 * The count is polled; any change made here refreshes both.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, idempotencyKey, type Ok } from '../api/client';

export type Notification = Ok<'/v1/orgs/{org}/notifications', 'get'>['data'][number];

export const notificationsKey = (org: string) => ['notifications', org] as const;
/** How often the badge asks for the unread count (ms). */
export const UNREAD_POLL_MS = 15_000;

export function useUnreadCount(org: string) {
  return useQuery({
    queryKey: [...notificationsKey(org), 'unread'],
    queryFn: () => call(api.GET('/v1/orgs/{org}/notifications/unread_count', { params: { path: { org } } })),
    refetchInterval: UNREAD_POLL_MS,
  });
}

export function useNotificationList(org: string, pageSize: number) {
  return useInfiniteQuery({
    queryKey: [...notificationsKey(org), 'list', pageSize],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      call(
        api.GET('/v1/orgs/{org}/notifications', {
          params: {
            path: { org },
            query: { limit: pageSize, ...(pageParam ? { starting_after: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => (last.has_more && last.next_cursor ? last.next_cursor : undefined),
  });
}

export function useMarkRead(org: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      call(
        api.POST('/v1/orgs/{org}/notifications/{id}/read', {
          params: { path: { org, id } },
          body: {},
        }),
      ),
    onSettled: () => qc.invalidateQueries({ queryKey: notificationsKey(org) }),
  });
}

export function useMarkAllRead(org: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () =>
      call(
        api.POST('/v1/orgs/{org}/notifications/read_all', {
          params: { path: { org }, header: { 'idempotency-key': idempotencyKey() } },
          body: {},
        }),
      ),
    onSettled: () => qc.invalidateQueries({ queryKey: notificationsKey(org) }),
  });
}

/** The badge's text: "3", or "99+" when the API counted to its bound. */
export function unreadBadge(c: { unread: number; more: boolean } | undefined): string {
  if (!c) return '';
  return c.more ? `${c.unread - 1}+` : String(c.unread);
}

/** The bell's accessible name: "Notifications, 3 unread" / "Notifications, none unread". */
export function bellLabel(c: { unread: number; more: boolean } | undefined): string {
  if (!c) return 'Notifications';
  if (c.unread === 0) return 'Notifications, none unread';
  return `Notifications, ${unreadBadge(c)} unread`;
}

export type Kind = { label: string; tone: 'warn' | 'danger' | 'ok' | 'info' };

/** What sort of alert a notification is, from its event type: a tag a person can scan. */
export function notificationKind(type: string): Kind {
  switch (type) {
    case 'credits.low_balance':
      return { label: 'Low balance', tone: 'warn' };
    case 'budget.threshold':
      return { label: 'Budget', tone: 'warn' };
    case 'credits.forfeit_soon':
      return { label: 'Forfeit at renewal', tone: 'warn' };
    case 'credits.expired':
      return { label: 'Expired', tone: 'info' };
    case 'purchase.failed':
    case 'auto_topup.failed':
    case 'subscription.past_due':
      return { label: 'Payment failed', tone: 'danger' };
    case 'purchase.completed':
    case 'auto_topup.succeeded':
    case 'subscription.paid':
      return { label: 'Payment', tone: 'ok' };
    case 'purchase.refunded':
      return { label: 'Refund', tone: 'info' };
    default:
      if (type.startsWith('subscription.')) return { label: 'Plan', tone: 'info' };
      if (type.startsWith('credits.')) return { label: 'Credits', tone: 'info' };
      return { label: 'Notice', tone: 'info' };
  }
}
