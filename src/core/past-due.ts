/**
 * Past due: the payment provider says a subscription's invoice is unpaid. While an org is
 * past due, a renewal still closes the period (rollover and expiry as always) but issues no
 * new allocation; when the invoice is paid, the withheld allocation of the current period
 * arrives then, expiring with that period. Marking an org past due (or paid) twice changes
 * nothing more, so a provider's duplicate or reordered notices are harmless.
 */
import { tierOf } from './catalog.ts';
import { type Ctx, emit } from './context.ts';
import { issueGrant } from './grants.ts';
import { termsOf } from './renewal.ts';
import type { Subscription } from './state.ts';

export function setPastDue(ctx: Ctx, pastDue: boolean): Subscription {
  const sub = ctx.state.subscription;
  // Free has nothing to be past due on: a late notice about an ended subscription is ignored.
  if (sub.period_end === null) return sub;
  if (pastDue) {
    if (sub.past_due === true) return sub;
    sub.past_due = true;
    emit(ctx, 'subscription.past_due', { tier: sub.tier, period_end: sub.period_end });
    return sub;
  }
  if (sub.past_due !== true) return sub;
  sub.past_due = false;
  let granted = 0;
  if (sub.allocation_withheld === true) {
    sub.allocation_withheld = false;
    const terms = termsOf(ctx.catalog, sub, sub.tier);
    if (terms.recurring && terms.allocation > 0 && sub.period_end > ctx.now) {
      granted = terms.allocation;
      issueGrant(ctx, {
        source: 'subscription',
        amount: terms.allocation,
        expires_at: sub.period_end,
        type: 'allocation',
        description: `${tierOf(ctx.catalog, sub.tier).name} allocation of ${terms.allocation} credits (paid after being past due)`,
      });
    }
  }
  emit(ctx, 'subscription.paid', { tier: sub.tier, allocation_granted: granted, period_end: sub.period_end });
  return sub;
}
