/**
 * What Stripe's notices mean for the ledger. Each is applied at most once in effect:
 *  - `checkout.session.completed` (paid) and `checkout.session.async_payment_succeeded`
 *    complete the pack purchase with the PaymentIntent id as the payment id. The ledger
 *    write carries the Stripe event id as its idempotency key, so the event id is recorded
 *    in the same transaction as the grant; and the core completes a purchase once per
 *    payment id, so the two notices of one payment (or a duplicate) grant once.
 *  - `checkout.session.async_payment_failed` ends the purchase as failed.
 *  - `customer.subscription.*`, `invoice.paid` and `invoice.payment_failed` re-read the
 *    subscription from Stripe and sync the ledger to it (billing.ts): reordered or late
 *    notices cannot roll the plan back, because the current state is what is applied.
 *  - `invoice.paid` also records a plan charge (receipts.ts) with Stripe's invoice page.
 *  - `charge.refunded` (fully refunded) revokes the unspent remainder of the purchase.
 * Anything else is acknowledged and ignored.
 */
import type Stripe from 'stripe';
import { isDomainError, type Purchase } from '../core/index.ts';
import { PaymentError } from '../payments/provider.ts';
import type { StripeProvider } from '../payments/stripe.ts';
import { outboxOf } from '../store/outbox.ts';
import { syncSubscription } from './billing.ts';
import type { AppDeps } from './deps.ts';
import { findPurchase, loadOrg, runCommand } from './ledger.ts';
import { completePayment } from './purchases.ts';
import { recordPlanCharge, recordRefund } from './receipts.ts';

export interface HandledEvent {
  /** What was done: `fulfilled`, `synced`, `refunded`, `failed`, or `ignored` (with why). */
  outcome: string;
  org_id?: string;
  detail?: string;
}

const idOf = (v: string | { id: string } | null | undefined) =>
  v == null ? null : typeof v === 'string' ? v : v.id;

export async function handleStripeEvent(
  deps: AppDeps,
  stripe: StripeProvider,
  event: Stripe.Event,
): Promise<HandledEvent> {
  const key = `stripe:${event.id}`;
  try {
    switch (event.type) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded':
        return await sessionPaid(deps, stripe, event.data.object, event.type, key);
      case 'checkout.session.async_payment_failed': {
        const s = event.data.object;
        const org = s.metadata?.org_id;
        const purchase = s.metadata?.purchase_id;
        if (s.mode !== 'payment' || !org || !purchase)
          return { outcome: 'ignored', detail: 'not a pack purchase' };
        await runCommand<Purchase>(
          deps,
          org,
          { type: 'purchase_fail', purchase_id: purchase, reason: 'async_payment_failed' },
          key,
        );
        return { outcome: 'failed', org_id: org };
      }
      case 'customer.subscription.created':
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted':
      case 'customer.subscription.paused':
      case 'customer.subscription.resumed':
        return await resync(deps, stripe, event.data.object.id);
      case 'invoice.paid':
      case 'invoice.payment_failed': {
        const inv = event.data.object as Stripe.Invoice & { subscription?: string | { id: string } | null };
        const sub = idOf(inv.parent?.subscription_details?.subscription) ?? idOf(inv.subscription);
        if (!sub) return { outcome: 'ignored', detail: 'invoice without a subscription' };
        const synced = await resync(deps, stripe, sub);
        if (event.type === 'invoice.paid' && synced.org_id) await invoicePaid(deps, synced.org_id, inv);
        return synced;
      }
      case 'charge.refunded':
        return await chargeRefunded(deps, event.data.object, key);
      default:
        return { outcome: 'ignored', detail: `event type ${event.type} is not used` };
    }
  } catch (e) {
    // A refusal of the ledger (unknown org or purchase, a purchase paid by another payment)
    // will not change on a retry: acknowledge it, and leave the payment for reconciliation.
    if (isDomainError(e)) return { outcome: 'ignored', detail: `${e.code}: ${e.message}` };
    if (e instanceof PaymentError) return { outcome: 'ignored', detail: e.message };
    throw e;
  }
}

async function resync(deps: AppDeps, stripe: StripeProvider, subscriptionId: string): Promise<HandledEvent> {
  const sub = await stripe.retrieveSubscription(subscriptionId);
  const org = await syncSubscription(deps, stripe, sub);
  return org
    ? { outcome: 'synced', org_id: org }
    : { outcome: 'ignored', detail: 'subscription of no known org' };
}

async function sessionPaid(
  deps: AppDeps,
  stripe: StripeProvider,
  s: Stripe.Checkout.Session,
  type: string,
  key: string,
): Promise<HandledEvent> {
  const org = s.metadata?.org_id ?? s.client_reference_id;
  if (!org) return { outcome: 'ignored', detail: 'session without an org' };
  const customer = idOf(s.customer);
  const outbox = await outboxOf(deps.store);
  if (customer)
    await outbox.upsertBillingAccount({
      org_id: org,
      provider: 'stripe',
      customer_id: customer,
      subscription_id: null,
      updated_at: Date.now(),
    });
  if (s.mode === 'subscription') {
    const sub = idOf(s.subscription);
    if (!sub) return { outcome: 'ignored', detail: 'subscription session without a subscription' };
    return resync(deps, stripe, sub);
  }
  if (s.mode !== 'payment') return { outcome: 'ignored', detail: `session mode ${s.mode}` };
  // An asynchronous method (a bank debit) completes the session unpaid: wait for its success notice.
  if (type === 'checkout.session.completed' && s.payment_status !== 'paid')
    return { outcome: 'ignored', detail: `payment ${s.payment_status}; waiting for async_payment_succeeded` };
  const purchase = s.metadata?.purchase_id;
  const pi = idOf(s.payment_intent);
  if (!purchase || !pi) return { outcome: 'ignored', detail: 'session without a purchase or payment' };
  // The notice names the purchase only: its pack and credits, for the receipt, are the ledger's.
  const bought = (await findPurchase(deps, org, purchase, await loadOrg(deps, org))) ?? { id: purchase };
  await completePayment(
    deps,
    org,
    bought,
    pi,
    { provider: 'stripe', amount: s.amount_total ?? 0, currency: s.currency ?? 'usd' },
    key,
    (await stripe.paymentReceipt(pi)) ?? undefined,
  );
  return { outcome: 'fulfilled', org_id: org };
}

async function chargeRefunded(deps: AppDeps, ch: Stripe.Charge, key: string): Promise<HandledEvent> {
  // A partial refund leaves the credits: the operator decides with an adjustment (docs/payments.md).
  if (!ch.refunded) return { outcome: 'ignored', detail: 'partial refund' };
  const pi = idOf(ch.payment_intent);
  const outbox = await outboxOf(deps.store);
  const payment = pi ? await outbox.findPayment(pi) : null;
  const org = payment?.org_id ?? ch.metadata?.org_id;
  const purchase = payment?.purchase_id ?? ch.metadata?.purchase_id;
  if (!org || !purchase || !pi) return { outcome: 'ignored', detail: 'charge of no known purchase' };
  const r = await runCommand<Purchase>(deps, org, { type: 'purchase_refund', purchase_id: purchase }, key);
  await outbox.markPaymentRefunded(org, pi, deps.clock.now());
  // Stripe's receipt of the charge shows the refund too.
  await recordRefund(deps, org, pi, r.value.revoked, ch.receipt_url ?? null);
  return { outcome: 'refunded', org_id: org };
}

/**
 * A paid invoice of the org's subscription is a plan charge in its billing history, with
 * Stripe's hosted invoice page as the receipt; the invoice id makes a repeated notice one
 * line. An invoice for nothing (a trial, a fully credited proration) is no payment.
 */
async function invoicePaid(deps: AppDeps, orgId: string, inv: Stripe.Invoice) {
  if (!inv.id || !(inv.amount_paid > 0)) return;
  const sub = (await loadOrg(deps, orgId)).subscription;
  await recordPlanCharge(deps, orgId, {
    payment_id: inv.id,
    provider: 'stripe',
    tier: sub.tier,
    amount: inv.amount_paid,
    currency: inv.currency ?? 'usd',
    period_start: sub.period_start,
    period_end: sub.period_end,
    receipt_url: inv.hosted_invoice_url ?? null,
  });
}
