/**
 * Plan changes through the payment provider. With the development provider (and for the
 * operator, always) a change applies to the ledger at once, as the core's rules say. With
 * Stripe the plan is what Stripe bills: a first paid plan starts with a Checkout session
 * (the org changes tier when Stripe confirms the subscription), later changes update the
 * Stripe subscription, and the ledger follows Stripe's subscription state in
 * `syncSubscription` — from the API call's answer here and again from every webhook, so
 * the order in which Stripe's notices arrive does not matter.
 */
import { type Subscription, type TierId, tierOf } from '../core/index.ts';
import { PaymentError } from '../payments/provider.ts';
import type { StripeProvider } from '../payments/stripe.ts';
import { outboxOf } from '../store/outbox.ts';
import type { AppDeps } from './deps.ts';
import { loadOrg, runCommand, type Written } from './ledger.ts';
import { PaymentsUnavailable, providerOf } from './purchases.ts';
import { developmentBillsPlans, developmentPlanCharge } from './receipts.ts';

export interface PlanChange {
  tier: TierId;
  allocation?: number | undefined;
  rollover_cap?: number | undefined;
  overage_limit?: number | undefined;
}

export type PlanResult = Written<Subscription> & { checkout_url?: string };

const stripeOf = (deps: AppDeps): StripeProvider | null =>
  deps.provider?.name === 'stripe' && deps.payments === 'stripe' ? (deps.provider as StripeProvider) : null;

export async function changePlan(
  deps: AppDeps,
  orgId: string,
  change: PlanChange,
  operator: boolean,
  idempotencyKey?: string,
): Promise<PlanResult> {
  const paid = tierOf(deps.catalog, change.tier).price !== null;
  const stripe = operator ? null : stripeOf(deps);
  if (!operator && paid) providerOf(deps); // refuses when payments are disabled
  if (!stripe) {
    const now = deps.clock.now();
    const r = await runCommand<Subscription>(
      deps,
      orgId,
      { type: 'change_tier', ...change },
      idempotencyKey,
      now,
    );
    if (!operator && !r.replayed) await chargeDevelopmentUpgrade(deps, orgId, r.value, now);
    return r;
  }

  const state = await loadOrg(deps, orgId);
  if (change.tier === 'free') return cancelPlan(deps, orgId, idempotencyKey);
  const acct = await (await outboxOf(deps.store)).getBillingAccount(orgId);
  if (acct?.subscription_id) {
    const sub = await stripe.changeSubscriptionTier(acct.subscription_id, change.tier);
    await syncSubscription(deps, stripe, sub);
    return { value: (await loadOrg(deps, orgId)).subscription, replayed: false };
  }
  if (state.subscription.tier === change.tier) return { value: state.subscription, replayed: false };
  const { checkout_url } = await stripe.startPlanCheckout(orgId, change.tier);
  return { value: state.subscription, replayed: false, checkout_url };
}

/**
 * The development provider's charge for an upgrade: a change that started a paid period at
 * this write (only an upgrade restarts the period, core/plan-changes.ts) is billed the
 * tier's price, as Stripe would invoice it, so the billing history and its receipts read
 * the same with either provider. Read from the command's answer, not from the org before
 * it; made and keyed as a renewal's charge is (receipts.ts `developmentPlanCharge`), so a
 * downgrade is billed at its renewal and a replayed change records nothing twice.
 */
async function chargeDevelopmentUpgrade(deps: AppDeps, orgId: string, after: Subscription, now: number) {
  if (!developmentBillsPlans(deps) || after.period_start !== now) return;
  const charge = developmentPlanCharge(deps, orgId, after.tier, after.period_start, after.period_end);
  if (charge) await (await outboxOf(deps.store)).recordPayment(charge);
}

export async function cancelPlan(deps: AppDeps, orgId: string, idempotencyKey?: string): Promise<PlanResult> {
  const stripe = stripeOf(deps);
  const acct = stripe ? await (await outboxOf(deps.store)).getBillingAccount(orgId) : null;
  if (stripe && acct?.subscription_id) {
    const sub = await stripe.setCancelAtPeriodEnd(acct.subscription_id, true);
    await syncSubscription(deps, stripe, sub);
    return { value: (await loadOrg(deps, orgId)).subscription, replayed: false };
  }
  return runCommand<Subscription>(deps, orgId, { type: 'cancel' }, idempotencyKey);
}

/** The part of a Stripe subscription the ledger follows. */
export interface StripeSubscriptionView {
  id: string;
  status: string;
  customer: string | { id: string };
  cancel_at_period_end: boolean;
  metadata: Record<string, string> | null;
  items: { data: { price: { id: string } }[] };
}

/** One sync per org at a time in this process, so two notices cannot interleave their reads and writes. */
const syncing = new Map<string, Promise<unknown>>();

/**
 * Brings the ledger in line with a Stripe subscription's current state: its price decides
 * the tier (upgrade now, downgrade at the period end, as the core's rules say), a
 * scheduled cancel cancels at the period end, `past_due`/`unpaid` mark the org past due
 * and `active` clears it. Each step changes nothing when the ledger already agrees.
 */
export async function syncSubscription(
  deps: AppDeps,
  stripe: StripeProvider,
  sub: StripeSubscriptionView,
): Promise<string | null> {
  const outbox = await outboxOf(deps.store);
  const customer = typeof sub.customer === 'string' ? sub.customer : sub.customer.id;
  const orgId =
    sub.metadata?.org_id ?? (await outbox.findBillingAccountByCustomer('stripe', customer))?.org_id ?? null;
  if (!orgId) return null;
  const prev = syncing.get(orgId) ?? Promise.resolve();
  const run = prev.catch(() => {}).then(() => applySubscription(deps, stripe, orgId, customer, sub));
  syncing.set(orgId, run);
  try {
    await run;
  } finally {
    if (syncing.get(orgId) === run) syncing.delete(orgId);
  }
  return orgId;
}

async function applySubscription(
  deps: AppDeps,
  stripe: StripeProvider,
  orgId: string,
  customer: string,
  sub: StripeSubscriptionView,
) {
  const outbox = await outboxOf(deps.store);
  const acct = await outbox.getBillingAccount(orgId);
  const ended = sub.status === 'canceled' || sub.status === 'incomplete_expired';
  // A notice about an older subscription the org has since replaced changes nothing.
  if (acct?.subscription_id && acct.subscription_id !== sub.id && ended) return;
  if (sub.status === 'incomplete') return; // its first payment has not gone through yet
  await outbox.upsertBillingAccount({
    org_id: orgId,
    provider: 'stripe',
    customer_id: customer,
    subscription_id: sub.id,
    updated_at: Date.now(),
  });
  const state = await loadOrg(deps, orgId);
  const cur = state.subscription;
  if (ended) {
    if (cur.period_end !== null && !cur.cancel_at_period_end)
      await runCommand(deps, orgId, { type: 'cancel' });
    return;
  }
  const priceId = sub.items.data[0]?.price.id;
  const tier = priceId ? stripe.tierOfPrice(priceId) : null;
  if (!tier) throw new PaymentError(`Stripe price ${priceId ?? '(none)'} is not mapped to a tier`);
  if (sub.cancel_at_period_end) {
    if (cur.tier !== tier && cur.period_end === null)
      await runCommand(deps, orgId, { type: 'change_tier', tier });
    const now = (await loadOrg(deps, orgId)).subscription;
    if (!now.cancel_at_period_end && now.period_end !== null)
      await runCommand(deps, orgId, { type: 'cancel' });
  } else {
    const settled =
      (cur.tier === tier && cur.pending_tier === null && !cur.cancel_at_period_end) ||
      (cur.tier !== tier && cur.pending_tier === tier && !cur.cancel_at_period_end);
    if (!settled) await runCommand(deps, orgId, { type: 'change_tier', tier });
  }
  const pastDue = sub.status === 'past_due' || sub.status === 'unpaid';
  const after = (await loadOrg(deps, orgId)).subscription;
  if (after.period_end !== null && (after.past_due === true) !== pastDue)
    await runCommand(deps, orgId, { type: 'set_past_due', past_due: pastDue });
}

export { PaymentsUnavailable };
