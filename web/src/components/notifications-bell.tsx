/**
 * The bell in the top bar: the unread count as a badge, and a list of the latest
 * notifications with "Mark read" and "Mark all read". The lead places it in the top bar;
 * it takes no props and reads the org from useOrg().
 */
import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'wouter';
import { useOrg } from '../session';
import { NotificationItem } from './notification-item';
import {
  bellLabel,
  unreadBadge,
  useMarkAllRead,
  useNotificationList,
  useUnreadCount,
} from './notifications-data';
import './notifications.css';

/** How many notifications the bell's list shows; the page shows all. */
const BELL_LIST = 8;

export function NotificationsBell() {
  const { orgId } = useOrg();
  const count = useUnreadCount(orgId);
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  const c = count.data;

  useEffect(() => {
    if (!open) return;
    const outside = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener('mousedown', outside);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', outside);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="notif-bell" ref={root}>
      <button
        ref={button}
        type="button"
        className="notif-button"
        aria-label={bellLabel(c)}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
        data-testid="notifications-bell"
      >
        <BellIcon />
        {c && c.unread > 0 && (
          <span className="notif-badge" aria-hidden="true">
            {unreadBadge(c)}
          </span>
        )}
      </button>
      {open && <BellPanel id={panelId} org={orgId} unread={c?.unread ?? 0} close={() => setOpen(false)} />}
    </div>
  );
}

function BellPanel({
  id,
  org,
  unread,
  close,
}: {
  id: string;
  org: string;
  unread: number;
  close: () => void;
}) {
  const list = useNotificationList(org, BELL_LIST);
  const markAll = useMarkAllRead(org);
  const items = list.data?.pages[0]?.data ?? [];
  return (
    <section id={id} className="notif-panel" aria-labelledby={`${id}-h`}>
      <div className="notif-panel-head">
        <h2 id={`${id}-h`}>Notifications</h2>
        <button
          type="button"
          className="small"
          disabled={unread === 0 || markAll.isPending}
          onClick={() => markAll.mutate()}
        >
          Mark all read
        </button>
      </div>
      {list.isError ? (
        <p role="alert">The notifications could not be loaded. </p>
      ) : list.isPending ? (
        <p className="help">Loading…</p>
      ) : items.length === 0 ? (
        <p className="help">
          No notifications yet. Alerts about your balance, budgets and payments appear here.
        </p>
      ) : (
        <ul className="notif-list">
          {items.map((n) => (
            <NotificationItem key={n.id} n={n} org={org} />
          ))}
        </ul>
      )}
      <Link href="/notifications" className="notif-all" onClick={close}>
        See all notifications
      </Link>
    </section>
  );
}

function BellIcon() {
  return (
    <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
      />
    </svg>
  );
}
