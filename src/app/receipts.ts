/**
 * Receipts: an org's billing history (the money it paid for packs and plan periods, and the
 * money it got back) with a receipt for each line. Every line is a row of `payments`,
 * written where the money moves: a confirmed pack payment (purchases.ts), a plan charge
 * (Stripe's `invoice.paid`; with the development provider a customer's upgrade in
 * billing.ts and each later period from the scheduler's fan-out of renewal events), a
 * refund (the operator's, or Stripe's `charge.refunded`). Each line is keyed by a payment
 * id, so a repeated notice or retried request records it once. Nothing here decides a
 * credit rule, and a receipt never changes the ledger.
 *
 * The receipt link is Stripe's own hosted receipt or invoice page when Stripe took the
 * money; the development provider takes none, so its receipts are the web app's printable
 * page (`/o/{org}/billing/receipts/{id}`).
 */
import { createHash } from 'node:crypto';
import { notFound, type Purchase, TIER_IDS, type TierId, tierOf } from '../core/index.ts';
import { developmentPlanChargeId } from '../payments/development.ts';
import { outboxOf, type Payment, type PaymentKind } from '../store/outbox.ts';
import type { Page, StoreEvent } from '../store/types.ts';
import type { AppDeps } from './deps.ts';
import { loadOrg } from './ledger.ts';

/** Who sold: one name for every receipt of this server (not yet configurable; see docs/payments.md). */
export const SELLER_NAME = 'Amisi Credits';

export type PaymentStatus = 'succeeded' | 'refunded';

export interface BillingEntry {
  id: string;
  kind: PaymentKind;
  amount: number;
  currency: string;
  credits: number | null;
  /** `refunded`: the money was paid, then given back in full (the refund is its own line). */
  status: PaymentStatus;
  created_at: number;
  description: string;
  provider: string;
  receipt_url: string | null;
  refund_of: string | null;
}

export interface Receipt {
  receipt_number: string;
  payment: BillingEntry;
  seller: { name: string; url: string | null };
  buyer: { org_id: string; name: string };
  line_items: {
    description: string;
    quantity: number;
    unit_amount: number;
    amount: number;
    credits: number | null;
  }[];
  subtotal: number;
  tax: { amount: number; note: string };
  total: number;
  currency: string;
  payment_method: string | null;
  /** The provider's receipt (Stripe's page), when there is one. */
  provider_receipt_url: string | null;
}

/** The web app's printable receipt: where the development provider's receipts live. */
export function receiptPagePath(orgId: string, paymentId: string) {
  return `/o/${encodeURIComponent(orgId)}/billing/receipts/${encodeURIComponent(paymentId)}`;
}

function receiptUrlOf(deps: AppDeps, p: Payment): string | null {
  if (p.receipt_url) return p.receipt_url;
  if (p.provider !== 'development') return null;
  return `${(deps.publicUrl ?? '').replace(/\/$/, '')}${receiptPagePath(p.org_id, p.payment_id)}`;
}

function describe(p: Payment): string {
  if (p.description) return p.description;
  const kind = p.kind ?? 'pack_purchase';
  if (kind === 'refund') return `Refund of ${p.refund_of ?? 'a payment'}`;
  if (kind === 'plan_charge') return 'Plan charge';
  return p.credits ? `${p.credits} credits` : `Credit pack (purchase ${p.purchase_id ?? 'unknown'})`;
}

export function entryOf(deps: AppDeps, p: Payment): BillingEntry {
  const kind = p.kind ?? 'pack_purchase';
  return {
    id: p.payment_id,
    kind,
    amount: p.amount,
    currency: p.currency,
    credits: p.credits ?? null,
    status: kind !== 'refund' && p.refunded_at !== null ? 'refunded' : 'succeeded',
    created_at: p.paid_at,
    description: describe(p),
    provider: p.provider,
    receipt_url: receiptUrlOf(deps, p),
    refund_of: p.refund_of ?? null,
  };
}

/**
 * A receipt number a person can quote: the day paid and the first 8 hex digits of the
 * SHA-256 of the payment id. Derived, not counted, so two servers never hand out one
 * number twice and nothing extra is stored; 32 bits per day keep collisions out of reach
 * for any one org's payments.
 */
export function receiptNumber(p: Pick<Payment, 'payment_id' | 'paid_at'>) {
  const day = new Date(p.paid_at).toISOString().slice(0, 10).replaceAll('-', '');
  const digest = createHash('sha256').update(p.payment_id).digest('hex').slice(0, 8).toUpperCase();
  return `AC-${day}-${digest}`;
}

export async function billingHistory(
  deps: AppDeps,
  orgId: string,
  limit: number,
  startingAfter?: string,
): Promise<Page<BillingEntry>> {
  await loadOrg(deps, orgId);
  const page = await (await outboxOf(deps.store)).listPayments(orgId, limit, startingAfter);
  return { ...page, data: page.data.map((p) => entryOf(deps, p)) };
}

/** The receipt of one payment of the org; another org's payment is as unknown as none. */
export async function receiptFor(deps: AppDeps, orgId: string, paymentId: string): Promise<Receipt> {
  const org = await loadOrg(deps, orgId);
  const p = await (await outboxOf(deps.store)).getPayment(orgId, paymentId);
  if (!p) throw notFound('payment', paymentId);
  const entry = entryOf(deps, p);
  const development = p.provider === 'development';
  return {
    receipt_number: receiptNumber(p),
    payment: entry,
    seller: { name: SELLER_NAME, url: deps.publicUrl ?? null },
    buyer: { org_id: org.id, name: org.name },
    line_items: [
      {
        description: entry.description,
        quantity: 1,
        unit_amount: p.amount,
        amount: p.amount,
        credits: entry.credits,
      },
    ],
    subtotal: p.amount,
    tax: {
      amount: 0,
      note: development
        ? 'No tax: the development provider takes no money.'
        : 'No tax is itemized by this server; any tax the provider collected is on its receipt.',
    },
    total: p.amount,
    currency: p.currency,
    payment_method: p.payment_method ?? (development ? 'Development provider (no money taken)' : null),
    provider_receipt_url: p.receipt_url ?? null,
  };
}

/**
 * Records the money of a pack purchase the provider confirmed (before the credits are
 * granted, so reconciliation finds a payment whose crediting failed).
 */
export async function recordPackPayment(
  deps: AppDeps,
  orgId: string,
  purchase: Pick<Purchase, 'id'> & Partial<Pick<Purchase, 'pack' | 'credits' | 'auto_topup'>>,
  paymentId: string,
  money: { provider: string; amount: number; currency: string },
  receipt?: { receipt_url: string | null; payment_method: string | null },
) {
  const outbox = await outboxOf(deps.store);
  const fresh = await outbox.recordPayment({
    org_id: orgId,
    payment_id: paymentId,
    provider: money.provider,
    purchase_id: purchase.id,
    amount: money.amount,
    currency: money.currency,
    paid_at: deps.clock.now(),
    credited_at: null,
    refunded_at: null,
    kind: 'pack_purchase',
    credits: purchase.credits ?? null,
    description:
      purchase.pack === undefined || purchase.credits === undefined
        ? null
        : `${purchase.credits} credits (${purchase.pack})${purchase.auto_topup ? ', automatic top-up' : ''}`,
    receipt_url: receipt?.receipt_url ?? null,
    payment_method: receipt?.payment_method ?? null,
  });
  // A payment found first by reconciliation (no receipt then) gets it from the notice.
  if (!fresh && receipt)
    await outbox.setPaymentReceipt(orgId, paymentId, receipt.receipt_url, receipt.payment_method);
}

/**
 * Records a plan charge Stripe invoiced: one per paid invoice (the invoice id). The
 * development provider's charges are `developmentPlanCharge`'s, below.
 */
export async function recordPlanCharge(
  deps: AppDeps,
  orgId: string,
  charge: {
    payment_id: string;
    provider: string;
    tier: TierId;
    amount: number;
    currency: string;
    period_start: number | null;
    period_end: number | null;
    receipt_url?: string | null;
  },
) {
  const tier = tierOf(deps.catalog, charge.tier);
  const period =
    charge.period_start !== null && charge.period_end !== null
      ? `, ${day(charge.period_start)} to ${day(charge.period_end)}`
      : '';
  const now = deps.clock.now();
  await (await outboxOf(deps.store)).recordPayment({
    org_id: orgId,
    payment_id: charge.payment_id,
    provider: charge.provider,
    purchase_id: null,
    amount: charge.amount,
    currency: charge.currency,
    paid_at: now,
    credited_at: now,
    refunded_at: null,
    kind: 'plan_charge',
    credits: tier.recurring ? tier.allocation : null,
    description: `${tier.name} plan${period}`,
    receipt_url: charge.receipt_url ?? null,
  });
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Whether plan periods are charged by this server, as the development provider (which takes no money). */
export const developmentBillsPlans = (deps: AppDeps) =>
  deps.payments === 'development' && (!deps.provider || deps.provider.name === 'development');

/**
 * The development provider's charge for a paid period of `tier` that starts at
 * `periodStart`: the one way its plan charges are made, for an upgrade (billing.ts, at the
 * change) and for a renewal or a scheduled downgrade (the scheduler's fan-out, below), so
 * both read alike and share one id per period. Null for a tier without a recurring price.
 */
export function developmentPlanCharge(
  deps: AppDeps,
  orgId: string,
  tierId: TierId,
  periodStart: number,
  periodEnd: number | null,
): Payment | null {
  const tier = tierOf(deps.catalog, tierId);
  if (!tier.price || !tier.recurring) return null;
  return {
    org_id: orgId,
    payment_id: developmentPlanChargeId(orgId, periodStart),
    provider: 'development',
    purchase_id: null,
    amount: tier.price.amount,
    currency: tier.price.currency,
    paid_at: periodStart,
    credited_at: periodStart,
    refunded_at: null,
    kind: 'plan_charge',
    credits: tier.allocation,
    description: `${tier.name} plan${periodEnd !== null ? `, ${day(periodStart)} to ${day(periodEnd)}` : ''}`,
  };
}

/**
 * The development provider's charges read from the ledger's `subscription.renewed` /
 * `subscription.changed` events as the scheduler fans them out, so every renewal counts
 * once, whichever write made it durable. An upgrade (a change to a higher tier) is charged
 * by the change itself, and only when a customer made it (billing.ts): the operator's
 * changes bypass billing. Undefined when this server does not bill plans.
 */
export function developmentRenewalCharges(deps: AppDeps): ((e: StoreEvent) => Payment | null) | undefined {
  if (!developmentBillsPlans(deps)) return undefined;
  return (e) => {
    if (e.type !== 'subscription.renewed' && e.type !== 'subscription.changed') return null;
    const to = TIER_IDS.indexOf(e.data.tier as TierId);
    const from = TIER_IDS.indexOf(e.data.from as TierId);
    if (to < 0 || (e.type === 'subscription.changed' && from >= 0 && to > from)) return null;
    const end = typeof e.data.period_end === 'number' ? e.data.period_end : null;
    return developmentPlanCharge(deps, e.org_id, e.data.tier as TierId, e.at, end);
  };
}

/**
 * Records that a payment's money went back (a full refund): the payment is marked
 * refunded and the refund becomes its own line, `rf_<payment id>`, so the operator's
 * refund and Stripe's notice of the same refund record it once.
 */
export async function recordRefund(
  deps: AppDeps,
  orgId: string,
  paymentId: string,
  revoked: number,
  receiptUrl: string | null,
) {
  const outbox = await outboxOf(deps.store);
  const paid = await outbox.getPayment(orgId, paymentId);
  if (!paid) return; // a payment from before receipts, or an operator's grant: nothing to mirror
  const now = deps.clock.now();
  await outbox.markPaymentRefunded(orgId, paymentId, now);
  await outbox.recordPayment({
    org_id: orgId,
    payment_id: refundIdOf(paymentId),
    provider: paid.provider,
    purchase_id: paid.purchase_id,
    amount: paid.amount,
    currency: paid.currency,
    paid_at: now,
    credited_at: now,
    refunded_at: null,
    kind: 'refund',
    credits: revoked,
    description: `Refund of ${describe(paid)}${revoked > 0 ? `; ${revoked} unspent credits revoked` : ''}`,
    receipt_url: receiptUrl ?? paid.receipt_url ?? null,
    payment_method: paid.payment_method ?? null,
    refund_of: paymentId,
  });
}

export const refundIdOf = (paymentId: string) => `rf_${paymentId}`;
