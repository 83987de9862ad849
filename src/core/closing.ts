/**
 * Closing an org: its owner ends it. The plan is cancelled (no renewal charges again), auto
 * top-up is switched off (no pack bought again), and the org is marked closed. The ledger
 * is kept whole, because the law keeps payment records for years and the owner may need
 * them; a closed org refuses every command that would change it, except what the payment
 * provider still settles for money already moving (a purchase completing or failing, a
 * refund, the plan's cancellation and past-due flag) and the passage of time.
 */
import type { Ctx } from './context.ts';
import { DomainError } from './errors.ts';
import type { OrgState } from './state.ts';

/** Commands a closed org still takes: they record money or time, never new use. */
export const CLOSED_ORG_ACCEPTS = new Set([
  'tick',
  'cancel',
  'set_past_due',
  'purchase_complete',
  'purchase_fail',
  'purchase_refund',
  // People still leave a closed org and change their address: that is about people, not use.
  'remove_member',
  'change_member_email',
]);

export const isClosed = (s: OrgState) => s.closed_at != null;

/** The refusal of a change to a closed org, by the ledger and by what lives beside it. */
export function orgClosed(s: OrgState & { closed_at: number }): DomainError {
  const at = new Date(s.closed_at).toISOString();
  return new DomainError(
    'org_closed',
    `org ${s.id} was closed on ${at}; its history can still be read and exported, nothing can change it`,
    { closed_at: at },
  );
}

export function refuseIfClosed(s: OrgState, commandType: string) {
  if (s.closed_at != null && !CLOSED_ORG_ACCEPTS.has(commandType))
    throw orgClosed({ ...s, closed_at: s.closed_at });
}

export function closeOrg(ctx: Ctx): OrgState {
  const s = ctx.state;
  if (isClosed(s)) throw new DomainError('org_closed', `org ${s.id} is already closed`);
  const sub = s.subscription;
  // A paid period already paid for is not refunded by closing; it just never renews.
  if (sub.period_end !== null && !sub.cancel_at_period_end) {
    sub.pending_tier = 'free';
    sub.cancel_at_period_end = true;
  }
  if (s.auto_topup) s.auto_topup.enabled = false;
  s.closed_at = ctx.now;
  return s;
}
