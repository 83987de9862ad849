/**
 * The top bar on every org page: the org (and a switch to the others), the available
 * balance with held credits and the tier, a way to buy credits, and the person's menu
 * (./user-menu.tsx: their account pages and signing out).
 * The balance is live: the org's event stream updates it (lib/live.ts), polling when the
 * stream is down. Hovering or opening it shows where the credits come from and what the
 * next renewal takes away.
 */

import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api, call, type Ok } from '../api/client';
import { useTierName } from '../lib/catalog';
import { credits, date } from '../lib/format';
import { balanceKey, creditsChanged, invalidateOrg, POLL_MS, useOrgEvents } from '../lib/live';
import { orgQuery, useClosedAt } from '../lib/org-record';
import { useMe, useOrg } from '../session';
import { BySourceTable } from './by-source-table';
import { NotificationsBell } from './notifications-bell';
import { UserMenu } from './user-menu';
import './top-bar.css';

export { balanceKey };
export type Balance = Ok<'/v1/orgs/{org}/balance', 'get'>;

export function useBalance(org: string, pollMs: number | false = false) {
  return useQuery({
    queryKey: balanceKey(org),
    queryFn: () => call(api.GET('/v1/orgs/{org}/balance', { params: { path: { org } } })),
    refetchInterval: pollMs,
  });
}

export function TopBar() {
  const { orgId, can } = useOrg();
  const closed = useClosedAt();
  const { live } = useOrgEvents(orgId);
  const balance = useBalance(orgId, live ? false : POLL_MS);
  const qc = useQueryClient();
  const b = balance.data;
  // Polling: a change of the balance makes the rest of the org's pages stale too.
  const previous = useRef<Balance | undefined>(undefined);
  useEffect(() => {
    if (!live && creditsChanged(previous.current, b)) void invalidateOrg(qc, orgId);
    previous.current = b;
  }, [b, live, qc, orgId]);
  return (
    <header className="top-bar" data-live={live ? 'stream' : 'polling'}>
      <Link href="/" className="brand">
        Amisi
      </Link>
      <OrgSwitcher />
      <div className="balance-chip" data-testid="balance">
        {b ? <BalanceButton b={b} /> : balance.isError ? <span>Balance unavailable</span> : <span>…</span>}
      </div>
      {can('billing') && !closed && (
        <Link href="/buy" className="button primary small">
          Buy credits
        </Link>
      )}
      <div className="spacer" />
      <NotificationsBell />
      <UserMenu />
    </header>
  );
}

/**
 * The balance as a disclosure button: a click (or Enter/Space) toggles the breakdown,
 * hovering shows it, Escape or a click elsewhere hides it.
 */
function BalanceButton({ b }: { b: Balance }) {
  const [open, setOpen] = useState(false);
  const [hover, setHover] = useState(false);
  const id = useId();
  const wrap = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const tierOf = useTierName();
  useEffect(() => {
    if (!open) return;
    const onDoc = (e: MouseEvent) => {
      if (wrap.current && !wrap.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, [open]);
  const shown = open || hover;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: hover only mirrors the button's disclosure
    <div
      className="balance-wrap"
      ref={wrap}
      onMouseEnter={() => setHover(true)}
      onMouseLeave={() => setHover(false)}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && shown) {
          setOpen(false);
          setHover(false);
          button.current?.focus();
        }
      }}
    >
      <button
        type="button"
        ref={button}
        className="balance-button"
        aria-expanded={shown}
        aria-controls={id}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="balance-available" aria-live="polite">
          {credits(b.available)}
        </span>
        {b.held > 0 && <span className="balance-held"> · {b.held} held</span>}
        <span className="tier-badge">{tierOf(b.tier)}</span>
        <span className="visually-hidden"> (show breakdown)</span>
      </button>
      <div id={id} className="balance-popover" hidden={!shown}>
        <BalanceBreakdown b={b} />
      </div>
    </div>
  );
}

export function BalanceBreakdown({ b }: { b: Balance }) {
  return (
    <>
      <p className="popover-title">
        <strong>{credits(b.balance)}</strong> in all
        {b.held > 0 ? `, ${b.held} held for work in progress, ${b.available} available` : ''}
      </p>
      <BySourceTable bySource={b.by_source} caption="Credits by source" className="breakdown" />
      <p className="popover-note">{renewalSentence(b)}</p>
    </>
  );
}

/** What the next renewal does to the balance, in one sentence. */
export function renewalSentence(
  b: Pick<Balance, 'period_end' | 'forfeit_at_renewal' | 'allocation' | 'rollover_cap' | 'tier'>,
): string {
  if (!b.period_end) return 'No renewal on this plan: free and purchased credits never expire.';
  const when = date(b.period_end);
  const adds = b.allocation > 0 ? ` ${credits(b.allocation)} arrive then.` : '';
  if (b.forfeit_at_renewal > 0)
    return `${credits(b.forfeit_at_renewal)} expire at the renewal on ${when} (over the rollover cap of ${b.rollover_cap}).${adds}`;
  return `Nothing expires at the renewal on ${when}.${adds}`;
}

function OrgSwitcher() {
  const { orgId } = useOrg();
  const me = useMe();
  const [, navigate] = useLocation();
  const memberships = me.data?.memberships ?? [];
  const orgs = useQueries({ queries: memberships.map((m) => orgQuery(m.org_id)) });
  const name = (i: number) => orgs[i]?.data?.name ?? memberships[i]?.org_id ?? '';
  if (memberships.length <= 1) return <span className="org-name">{name(0)}</span>;
  return (
    <label className="org-switcher">
      <span className="visually-hidden">Org</span>
      <select value={orgId} onChange={(e) => navigate(`~/o/${e.target.value}`)}>
        {memberships.map((m, i) => (
          <option key={m.org_id} value={m.org_id}>
            {name(i)}
          </option>
        ))}
      </select>
    </label>
  );
}
