/**
 * Buying a pack. The ledger records a pending purchase; the payment provider confirms it.
 * The development provider (the default outside production) confirms at once with a
 * payment id derived from the purchase, so a retried request can never pay twice: the
 * core ignores a second confirmation with the same payment id.
 */
import { DomainError, type Purchase } from '../core/index.ts';
import type { AppDeps } from './deps.ts';
import { runCommand, type Written } from './ledger.ts';

export class PaymentsUnavailable extends Error {
  constructor() {
    super('no payment provider is configured on this server');
    this.name = 'PaymentsUnavailable';
  }
}

export async function buyPack(
  deps: AppDeps,
  orgId: string,
  pack: string,
  idempotencyKey?: string,
): Promise<Written<Purchase>> {
  if (deps.payments === 'disabled') throw new PaymentsUnavailable();
  const created = await runCommand<Purchase>(deps, orgId, { type: 'purchase_create', pack }, idempotencyKey);
  if (created.value.status !== 'pending') return created;
  const done = await runCommand<Purchase>(deps, orgId, {
    type: 'purchase_complete',
    purchase_id: created.value.id,
    payment_id: `devpay_${created.value.id}`,
  });
  return { value: done.value, replayed: created.replayed };
}

export async function refund(deps: AppDeps, orgId: string, purchaseId: string, key?: string) {
  if (!/^[A-Za-z0-9_]{1,100}$/.test(purchaseId))
    throw new DomainError('not_found', `purchase ${purchaseId} not found`);
  return runCommand<Purchase>(deps, orgId, { type: 'purchase_refund', purchase_id: purchaseId }, key);
}
