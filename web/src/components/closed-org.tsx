/**
 * A closed org, said once at the top of each of its pages, and in place of each control the
 * API would refuse (410 `org_closed`): its history stays readable and exportable, nothing in
 * it changes again.
 */
import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { date } from '../lib/format';
import { useClosedAt } from '../lib/org-record';

export function ClosedOrgBanner() {
  const closed = useClosedAt();
  const [here] = useLocation();
  if (!closed) return null;
  return (
    <div className="notice warn" role="status" data-testid="org-closed">
      <strong>This org was closed on {date(closed)}.</strong> Its history can be read and exported; nothing in
      it can change. {here !== '/settings' && <Link href="/settings">Export its transactions</Link>}
    </div>
  );
}

/** Where a form was: what can no longer change, because the org is closed. */
export function ClosedNote({ children }: { children: ReactNode }) {
  return <p className="help closed-note">{children}</p>;
}
