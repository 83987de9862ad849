/** The balance an org sees: what it holds, what is reserved, and where the credits came from. */
import {
  availableOf,
  balanceOf,
  type Catalog,
  CREDIT_LINE,
  forfeitAtRenewal,
  GRANT_SOURCES,
  type GrantSource,
  heldOf,
  type OrgState,
  termsOf,
} from '../core/index.ts';

export interface BalanceView {
  balance: number;
  available: number;
  held: number;
  /** Unspent credits per grant source, held ones included (so the sources add up to `balance`). */
  by_source: Record<GrantSource, number>;
  tier: string;
  allocation: number;
  rollover_cap: number;
  period_start: number | null;
  period_end: number | null;
  forfeit_at_renewal: number;
  overage_limit: number;
  overage_used: number;
}

export function balanceView(state: OrgState, catalog: Catalog, now: number): BalanceView {
  const by_source = Object.fromEntries(GRANT_SOURCES.map((s) => [s, 0])) as Record<GrantSource, number>;
  const sourceOf = new Map<string, GrantSource>();
  for (const g of state.grants) {
    sourceOf.set(g.id, g.source);
    if (g.closed_at === null) by_source[g.source] += g.remaining;
  }
  for (const h of state.holds) {
    if (h.status !== 'open') continue;
    for (const a of h.allocations) {
      if (a.grant_id === CREDIT_LINE) continue;
      const s = sourceOf.get(a.grant_id);
      if (s) by_source[s] += a.amount;
    }
  }
  const sub = state.subscription;
  const terms = termsOf(catalog, sub, sub.tier);
  return {
    balance: balanceOf(state),
    available: availableOf(state, now),
    held: heldOf(state),
    by_source,
    tier: sub.tier,
    allocation: terms.allocation,
    rollover_cap: terms.rollover_cap,
    period_start: sub.period_start,
    period_end: sub.period_end,
    forfeit_at_renewal: forfeitAtRenewal({ state, catalog }),
    overage_limit: sub.overage_limit,
    overage_used: state.overage_used,
  };
}
