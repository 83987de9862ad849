/**
 * Buying a pack. The ledger records a pending purchase; the payment provider confirms it.
 * The development provider (the default outside production) confirms at once with a
 * payment id derived from the purchase, so a retried request can never pay twice: the
 * core ignores a second confirmation with the same payment id. Stripe answers with a
 * Checkout URL, and its webhook completes the purchase (see stripe-webhooks.ts).
 */
import { DomainError, type Purchase } from '../core/index.ts';
import { developmentProvider } from '../payments/development.ts';
import type { PaymentProvider } from '../payments/provider.ts';
import { outboxOf } from '../store/outbox.ts';
import type { AppDeps } from './deps.ts';
import { findPurchase, loadOrg, runCommand, type Written } from './ledger.ts';
import { recordPackPayment, recordRefund } from './receipts.ts';

export class PaymentsUnavailable extends Error {
  constructor() {
    super('no payment provider is configured on this server');
    this.name = 'PaymentsUnavailable';
  }
}

/** The provider payments go through, or PaymentsUnavailable. */
export function providerOf(deps: AppDeps): PaymentProvider {
  if (deps.payments === 'disabled') throw new PaymentsUnavailable();
  if (deps.provider) return deps.provider;
  if (deps.payments === 'development') return developmentProvider;
  throw new PaymentsUnavailable();
}

/**
 * What a pack payment's receipt line needs of its purchase; only its id when the provider
 * names a purchase the ledger does not have (the money is recorded all the same, for
 * reconciliation, and the ledger refuses the credit).
 */
export type PaidPurchase = Pick<Purchase, 'id'> & Partial<Pick<Purchase, 'pack' | 'credits' | 'auto_topup'>>;

export async function buyPack(
  deps: AppDeps,
  orgId: string,
  pack: string,
  idempotencyKey?: string,
): Promise<Written<Purchase & { checkout_url?: string }>> {
  const provider = providerOf(deps);
  const created = await runCommand<Purchase>(deps, orgId, { type: 'purchase_create', pack }, idempotencyKey);
  if (created.value.status !== 'pending') return created;
  const paid = await provider.checkoutPack(orgId, created.value);
  if (paid.kind === 'redirect')
    return { value: { ...created.value, checkout_url: paid.checkout_url }, replayed: created.replayed };
  const done = await completePayment(deps, orgId, created.value, paid.payment_id, {
    provider: provider.name,
    amount: created.value.price.amount,
    currency: created.value.price.currency,
  });
  return { value: done, replayed: created.replayed };
}

/**
 * A payment the provider confirmed: recorded (so reconciliation can find it if crediting
 * fails, and so it is a line of the org's billing history with its receipt), then credited
 * once, then marked credited. `idempotencyKey` ties the grant to the provider's notice
 * (Stripe's event id) in the ledger's own transaction. `purchase` is the caller's (it
 * describes the receipt's line): nothing is read here to learn what was bought.
 */
export async function completePayment(
  deps: AppDeps,
  orgId: string,
  purchase: PaidPurchase,
  paymentId: string,
  money: { provider: string; amount: number; currency: string },
  idempotencyKey?: string,
  receipt?: { receipt_url: string | null; payment_method: string | null },
): Promise<Purchase> {
  const outbox = await outboxOf(deps.store);
  await recordPackPayment(deps, orgId, purchase, paymentId, money, receipt);
  const done = await runCommand<Purchase>(
    deps,
    orgId,
    { type: 'purchase_complete', purchase_id: purchase.id, payment_id: paymentId },
    idempotencyKey,
  );
  await outbox.markPaymentCredited(orgId, paymentId, deps.clock.now());
  return done.value;
}

export async function refund(deps: AppDeps, orgId: string, purchaseId: string, key?: string) {
  if (!/^[A-Za-z0-9_]{1,100}$/.test(purchaseId))
    throw new DomainError('not_found', `purchase ${purchaseId} not found`);
  // Money goes back first: should that fail, the credits stay and the operator can retry.
  const p = await findPurchase(deps, orgId, purchaseId, await loadOrg(deps, orgId));
  if (p?.status === 'completed' && deps.provider && deps.payments !== 'disabled')
    await deps.provider.refund(orgId, p);
  const r = await runCommand<Purchase>(
    deps,
    orgId,
    { type: 'purchase_refund', purchase_id: purchaseId },
    key,
  );
  // The billing history shows the money back as its own line (receipts.ts).
  if (r.value.status === 'refunded' && r.value.payment_id)
    await recordRefund(deps, orgId, r.value.payment_id, r.value.revoked, null);
  return r;
}
