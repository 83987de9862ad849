/**
 * The top bar on every org page: the org (and a switch to the others), the available
 * balance with held credits and the tier, a way to buy credits, and the person's menu.
 */
import { useQueries, useQuery } from '@tanstack/react-query';
import { Link, useLocation } from 'wouter';
import { api, call } from '../api/client';
import { credits } from '../lib/format';
import { useMe, useOrg, useSignOut } from '../session';

export const balanceKey = (org: string) => ['balance', org] as const;

export function useBalance(org: string) {
  return useQuery({
    queryKey: balanceKey(org),
    queryFn: () => call(api.GET('/v1/orgs/{org}/balance', { params: { path: { org } } })),
  });
}

export function TopBar() {
  const { orgId, can } = useOrg();
  const balance = useBalance(orgId);
  const me = useMe();
  const signOut = useSignOut();
  const b = balance.data;
  return (
    <header className="top-bar">
      <Link href="/" className="brand">
        Amisi
      </Link>
      <OrgSwitcher />
      <div className="balance-chip" aria-live="polite" data-testid="balance">
        {b ? (
          <>
            <span className="balance-available">{credits(b.available)}</span>
            {b.held > 0 && <span className="balance-held"> · {b.held} held</span>}
            <span className="tier-badge">{b.tier}</span>
          </>
        ) : balance.isError ? (
          <span>Balance unavailable</span>
        ) : (
          <span>…</span>
        )}
      </div>
      {can('billing') && (
        <Link href="/buy" className="button primary small">
          Buy credits
        </Link>
      )}
      <div className="spacer" />
      <span className="who">{me.data?.user.email}</span>
      <button type="button" className="link-button" onClick={signOut}>
        Sign out
      </button>
    </header>
  );
}

function OrgSwitcher() {
  const { orgId } = useOrg();
  const me = useMe();
  const [, navigate] = useLocation();
  const memberships = me.data?.memberships ?? [];
  const orgs = useQueries({
    queries: memberships.map((m) => ({
      queryKey: ['org', m.org_id],
      queryFn: () => call(api.GET('/v1/orgs/{org}', { params: { path: { org: m.org_id } } })),
      staleTime: 60_000,
    })),
  });
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
