/**
 * Brings an org up to `now`: every time-driven event that fell due since the org was last
 * touched runs in time order, each at its own moment: holds past their expiry are
 * released, renewals run period by period (a server that was down for three periods
 * catches up three times, with the caps of each), and dated grants expire. At equal times
 * holds go first (credits a hold returns to a grant expiring at that same moment expire with
 * it), then the renewal (which closes subscription and rollover grants itself), then other
 * dated grants.
 */
import type { Ctx } from './context.ts';
import { expireGrant } from './grants.ts';
import { releaseHold } from './holds.ts';
import { renew } from './renewal.ts';
import type { OrgState } from './state.ts';

/** Bounds the catch-up so a corrupt anchor cannot loop forever (100 years of periods). */
const MAX_EVENTS = 100 * 12 * 4;

export function advance(ctx: Ctx): void {
  const state = ctx.state;
  // Each open hold and each dated grant falls due at most once, however many an org has;
  // only renewals (which close the grants they create themselves) need the fixed bound.
  const limit = MAX_EVENTS + state.holds.length + state.grants.length;
  for (let i = 0; i < limit; i++) {
    let holdAt = Number.POSITIVE_INFINITY;
    let holdIdx = -1;
    state.holds.forEach((h, idx) => {
      if (h.status === 'open' && h.expires_at <= ctx.now && h.expires_at < holdAt) {
        holdAt = h.expires_at;
        holdIdx = idx;
      }
    });
    const renewAt =
      state.subscription.period_end !== null && state.subscription.period_end <= ctx.now
        ? state.subscription.period_end
        : Number.POSITIVE_INFINITY;
    let grantAt = Number.POSITIVE_INFINITY;
    let grantIdx = -1;
    state.grants.forEach((g, idx) => {
      if (
        g.closed_at === null &&
        g.expires_at !== null &&
        g.expires_at <= ctx.now &&
        g.expires_at < grantAt
      ) {
        grantAt = g.expires_at;
        grantIdx = idx;
      }
    });
    const at = Math.min(holdAt, renewAt, grantAt);
    if (at === Number.POSITIVE_INFINITY) return;
    if (holdAt === at) {
      releaseHold(ctx, state.holds[holdIdx]!.id, 'expired', at);
    } else if (renewAt === at) {
      const sub = state.subscription;
      const next = sub.cancel_at_period_end ? 'free' : (sub.pending_tier ?? sub.tier);
      renew(ctx, at, next, false);
    } else {
      expireGrant(ctx, state.grants[grantIdx]!, at);
    }
  }
  throw new Error('invariant violated: too many due events; is the clock or an anchor corrupt?');
}

/** When the next time-driven event of this org falls due (null: nothing scheduled). */
export function nextDueAt(state: OrgState): number | null {
  let at = state.subscription.period_end ?? Number.POSITIVE_INFINITY;
  for (const h of state.holds) if (h.status === 'open' && h.expires_at < at) at = h.expires_at;
  for (const g of state.grants)
    if (g.closed_at === null && g.expires_at !== null && g.expires_at < at) at = g.expires_at;
  return at === Number.POSITIVE_INFINITY ? null : at;
}
