/**
 * Which grant a charge takes credits from first: the one expiring soonest (never-expiring
 * last), then by source rollover → subscription → free → adjustment → purchase, then the
 * oldest. Spending what would expire first is what the user would do by hand.
 */
import { insufficientCredits } from './errors.ts';
import { CREDIT_LINE, type Grant, type HoldAllocation, isLive, type OrgState } from './state.ts';

const SOURCE_RANK: Record<Grant['source'], number> = {
  rollover: 0,
  subscription: 1,
  free: 2,
  adjustment: 3,
  purchase: 4,
};

export function drawOrder(a: Grant, b: Grant): number {
  const ea = a.expires_at ?? Number.POSITIVE_INFINITY;
  const eb = b.expires_at ?? Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? -1 : 1;
  const s = SOURCE_RANK[a.source] - SOURCE_RANK[b.source];
  if (s !== 0) return s;
  if (a.granted_at !== b.granted_at) return a.granted_at - b.granted_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Credits that can be spent now: live grants plus unused Enterprise credit line. */
export function spendable(state: OrgState, now: number): number {
  let sum = 0;
  for (const g of state.grants) if (g.remaining > 0 && isLive(g, now)) sum += g.remaining;
  return sum - state.overage_used + state.subscription.overage_limit;
}

/**
 * Takes `amount` credits out of the org's grants in draw order (then the credit line) and
 * says where they came from. Refuses, changing nothing, when the org cannot afford it.
 */
export function draw(state: OrgState, amount: number, now: number): HoldAllocation[] {
  const available = spendable(state, now);
  if (amount > available) throw insufficientCredits(Math.max(0, available), amount);
  const candidates = state.grants.filter((g) => g.remaining > 0 && isLive(g, now)).sort(drawOrder);
  const taken: HoldAllocation[] = [];
  let left = amount;
  for (const g of candidates) {
    if (left === 0) break;
    const n = Math.min(left, g.remaining);
    g.remaining -= n;
    left -= n;
    taken.push({ grant_id: g.id, amount: n });
  }
  if (left > 0) {
    state.overage_used += left;
    taken.push({ grant_id: CREDIT_LINE, amount: left });
  }
  return taken;
}
