/** One notification in the bell's list or on the Notifications page, with "Mark read". */
import { dateTime } from '../lib/format';
import { type Notification, notificationKind, useMarkRead } from './notifications-data';

export function NotificationItem({
  n,
  org,
  headingLevel = 3,
}: {
  n: Notification;
  org: string;
  headingLevel?: 3 | 4;
}) {
  const markRead = useMarkRead(org);
  const kind = notificationKind(n.type);
  const unread = n.read_at === null;
  const H = `h${headingLevel}` as const;
  return (
    <li className={`notif-item${unread ? ' unread' : ''}`} data-testid="notification">
      <div className="notif-main">
        <span className={`notif-kind tone-${kind.tone}`}>{kind.label}</span>
        <H className="notif-title">
          {unread && <span className="visually-hidden">Unread: </span>}
          {n.title}
        </H>
        <p className="notif-body">{n.body}</p>
        <p className="notif-time">
          <time dateTime={n.created_at}>{dateTime(n.created_at)}</time>
        </p>
      </div>
      {unread && (
        <button
          type="button"
          className="small"
          disabled={markRead.isPending}
          onClick={() => markRead.mutate(n.id)}
          aria-label={`Mark read: ${n.title}`}
        >
          Mark read
        </button>
      )}
    </li>
  );
}
