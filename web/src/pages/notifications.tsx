/**
 * Notifications: every alert of the org (low balance, budget thresholds, credits to be
 * forfeited at renewal, payments), newest first, paged, with "Mark read" and "Mark all read".
 */
import { useState } from 'react';
import { ErrorView } from '../components/error-view';
import { NotificationItem } from '../components/notification-item';
import { useMarkAllRead, useNotificationList, useUnreadCount } from '../components/notifications-data';
import { useOrg } from '../session';
import '../components/notifications.css';

const PAGE = 25;

export function NotificationsPage() {
  const { orgId } = useOrg();
  const list = useNotificationList(orgId, PAGE);
  const count = useUnreadCount(orgId);
  const markAll = useMarkAllRead(orgId);
  const [unreadOnly, setUnreadOnly] = useState(false);
  const all = list.data?.pages.flatMap((p) => p.data) ?? [];
  const shown = unreadOnly ? all.filter((n) => n.read_at === null) : all;
  const unread = count.data?.unread ?? 0;
  return (
    <div className="notifications-page">
      <h1>Notifications</h1>
      <div className="row notif-toolbar">
        <p className="notif-summary" role="status" data-testid="unread-summary">
          {count.data
            ? unread === 0
              ? 'All read'
              : `${count.data.more ? `${unread - 1}+` : unread} unread`
            : ' '}
        </p>
        <label className="checkbox">
          <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} />
          Unread only
        </label>
        <button type="button" onClick={() => markAll.mutate()} disabled={unread === 0 || markAll.isPending}>
          Mark all read
        </button>
      </div>
      {markAll.isError && <ErrorView error={markAll.error} retry={() => markAll.mutate()} />}
      {list.isError ? (
        <ErrorView error={list.error} retry={() => list.refetch()} orgId={orgId} />
      ) : list.isPending ? (
        <p className="loading" role="status">
          Loading…
        </p>
      ) : shown.length === 0 ? (
        <p className="help">
          {unreadOnly
            ? 'Nothing unread.'
            : 'No notifications yet. Low balance, budget thresholds, credits to be forfeited at renewal and failed payments appear here.'}
        </p>
      ) : (
        <ul className="notif-list page-list">
          {shown.map((n) => (
            <NotificationItem key={n.id} n={n} org={orgId} headingLevel={3} />
          ))}
        </ul>
      )}
      {list.hasNextPage && (
        <button type="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          {list.isFetchingNextPage ? 'Loading…' : 'Load older notifications'}
        </button>
      )}
    </div>
  );
}
