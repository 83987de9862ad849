/**
 * What leaves the org's state: history no rule decides with. The state is rewritten by
 * every write of the org, so it keeps only what is open (grants that can still move
 * credits, open holds, and for now every purchase with its grant); the rest is reported in the
 * outcome's `archived` part and the store writes it to its own table (one row each), from
 * which the lists read it. A resolved hold leaves its id and status in a short ring
 * (`recent_holds`) so a late capture still answers `hold_not_open`, not `not_found`.
 */
import type { Grant, Hold, OrgState, Purchase } from './state.ts';

export interface Archived {
  grants: Grant[];
  holds: Hold[];
  purchases: Purchase[];
}

/** Resolved hold ids kept in state (≈ 25 bytes each) for `hold_not_open`; older ones are `not_found`. */
export const RECENT_HOLDS_KEPT = 20;

export const noneArchived = (): Archived => ({ grants: [], holds: [], purchases: [] });

/** Moves what is closed out of `state` and returns it. */
export function archive(state: OrgState): Archived {
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
  // open hold that may return credits to it. A purchase's grant stays with its purchase:
  // refunds and late confirmations decide from both (purchases stay in state for now).
  const bought = new Set<string>();
  for (const p of state.purchases) if (p.grant_id !== null) bought.add(p.grant_id);
  const grants: Grant[] = [];
  for (const g of state.grants) {
    if ((g.closed_at !== null || g.remaining === 0) && !drawnOn.has(g.id) && !bought.has(g.id))
      out.grants.push(g);
    else grants.push(g);
  }
  if (out.grants.length > 0) state.grants = grants;
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
