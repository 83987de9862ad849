/**
 * What leaves the org's state: history no rule decides with. The state is rewritten by
 * every write of the org, so it keeps only what is open (grants that can still move
 * credits, open holds, purchases that can still change); the rest is reported in the
 * outcome's `archived` part and the store writes it to its own table (one row each), from
 * which the lists read it. A resolved hold leaves its id and status in a short ring
 * (`recent_holds`) so a late capture still answers `hold_not_open`, not `not_found`.
 */
import { type Grant, type Hold, type OrgState, type Purchase, seqOf } from './state.ts';

export interface Archived {
  grants: Grant[];
  holds: Hold[];
  purchases: Purchase[];
}

/** Resolved hold ids kept in state (≈ 25 bytes each) for `hold_not_open`; older ones are `not_found`. */
export const RECENT_HOLDS_KEPT = 20;

export const noneArchived = (): Archived => ({ grants: [], holds: [], purchases: [] });

/** Shared by every call that archives nothing: callers only read it. */
const NONE: Archived = Object.freeze({
  grants: Object.freeze([]) as unknown as Grant[],
  holds: Object.freeze([]) as unknown as Hold[],
  purchases: Object.freeze([]) as unknown as Purchase[],
});

/**
 * The common case, checked without allocating: every command runs `archive`, and most close
 * nothing. A settled purchase whose grant is still in state stays (its grant leaves first,
 * and the purchase with it in that same call), so only failed or grant-less settled ones are
 * candidates here.
 */
function nothingToArchive(state: OrgState): boolean {
  for (const h of state.holds) if (h.status !== 'open') return false;
  for (const g of state.grants) if (g.closed_at !== null || g.remaining === 0) return false;
  for (const p of state.purchases)
    if (p.status !== 'pending' && (p.status === 'failed' || p.grant_id === null)) return false;
  return true;
}

/** Moves what is closed out of `state` and returns it. */
export function archive(state: OrgState): Archived {
  if (nothingToArchive(state)) return NONE;
  const out = noneArchived();
  const holds: Hold[] = [];
  const drawnOn = new Set<string>();
  for (const h of state.holds) {
    if (h.status === 'open') {
      holds.push(h);
      for (const a of h.allocations) drawnOn.add(a.grant_id);
    } else out.holds.push(h);
  }
  if (out.holds.length > 0) {
    state.holds = holds;
    const recent = state.recent_holds ?? [];
    for (const h of out.holds) recent.push(`${h.id} ${h.status}`);
    state.recent_holds = recent.slice(-RECENT_HOLDS_KEPT);
  }
  // A grant is history once it can move no credit again: closed, or spent to zero with no
  // open hold that may return credits to it.
  const grants: Grant[] = [];
  const kept = new Set<string>();
  for (const g of state.grants) {
    if ((g.closed_at !== null || g.remaining === 0) && !drawnOn.has(g.id)) out.grants.push(g);
    else {
      grants.push(g);
      kept.add(g.id);
    }
  }
  if (out.grants.length > 0) state.grants = grants;
  // A purchase stays while it can change by itself: pending, or its grant still in state (a
  // hold giving back credits of a refunded pack counts them as revoked on the purchase).
  const purchases: Purchase[] = [];
  for (const p of state.purchases) {
    const live =
      p.status === 'pending' || (p.status !== 'failed' && p.grant_id !== null && kept.has(p.grant_id));
    (live ? purchases : out.purchases).push(p);
  }
  if (out.purchases.length > 0) state.purchases = purchases;
  return out;
}

/** The status a recently resolved hold ended in, if it is still in the ring. */
export function recentHoldStatus(state: OrgState, id: string): string | null {
  for (const r of state.recent_holds ?? []) {
    const i = r.indexOf(' ');
    if (r.slice(0, i) === id) return r.slice(i + 1);
  }
  return null;
}

/**
 * Puts archived purchases (and their grants) back into the state for one command: a late
 * confirmation or a refund of a purchase that left the state decides by the same rules as
 * before it left (the caller finds them in history by `purchaseLookups`). The command's
 * `archive` at the end moves them out again.
 */
export function restore(state: OrgState, items: { purchases: Purchase[]; grants: Grant[] }) {
  const bySeq = (a: { id: string }, b: { id: string }) => (seqOf(a.id) ?? 0) - (seqOf(b.id) ?? 0);
  const has = (xs: { id: string }[], id: string) => xs.some((x) => x.id === id);
  const purchases = items.purchases.filter((p) => !has(state.purchases, p.id));
  const grants = items.grants.filter((g) => !has(state.grants, g.id));
  if (purchases.length > 0) state.purchases = [...state.purchases, ...purchases].sort(bySeq);
  if (grants.length > 0) state.grants = [...state.grants, ...grants].sort(bySeq);
}
