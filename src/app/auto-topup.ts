/**
 * Auto top-up, the app's half: the settings an org chooses (the core keeps them in the
 * org's state and decides when a top-up is due), and paying a requested top-up through
 * the provider. The core requests a top-up in the step whose charge crossed the threshold
 * (event `auto_topup.requested`); the dispatcher turns that into one job; the scheduler
 * runs the job here. The provider call carries the purchase id as its idempotency key and
 * the core completes a purchase once per payment, so a job run twice pays once.
 */
import type { AutoTopup, Purchase } from '../core/index.ts';
import type { AppDeps } from './deps.ts';
import { findPurchase, loadOrg, runCommand, type Written } from './ledger.ts';
import { completePayment, PaymentsUnavailable, providerOf } from './purchases.ts';

export interface AutoTopupSettings {
  enabled: boolean;
  threshold: number;
  pack: string;
  monthly_max: number;
}

export function setAutoTopup(
  deps: AppDeps,
  orgId: string,
  s: AutoTopupSettings,
  idempotencyKey?: string,
): Promise<Written<AutoTopup>> {
  if (s.enabled) providerOf(deps); // refuses when payments are disabled
  return runCommand<AutoTopup>(deps, orgId, { type: 'set_auto_topup', ...s }, idempotencyKey);
}

export async function getAutoTopup(deps: AppDeps, orgId: string): Promise<AutoTopup | null> {
  return (await loadOrg(deps, orgId)).auto_topup ?? null;
}

/** Pays one requested top-up. Returns what happened, for the job's record. */
export async function payAutoTopup(deps: AppDeps, orgId: string, purchaseId: string): Promise<string> {
  const p = await findPurchase(deps, orgId, purchaseId, await loadOrg(deps, orgId));
  if (!p) return 'purchase not found';
  if (p.status !== 'pending') return `already ${p.status}`;
  let provider: ReturnType<typeof providerOf>;
  try {
    provider = providerOf(deps);
  } catch (e) {
    if (!(e instanceof PaymentsUnavailable)) throw e;
    await runCommand<Purchase>(deps, orgId, {
      type: 'purchase_fail',
      purchase_id: p.id,
      reason: 'payments_unavailable',
    });
    return 'failed: payments_unavailable';
  }
  const charge = await provider.chargeOffSession(orgId, p);
  if (!charge.ok) {
    await runCommand<Purchase>(deps, orgId, {
      type: 'purchase_fail',
      purchase_id: p.id,
      reason: charge.reason,
    });
    return `failed: ${charge.reason}`;
  }
  await completePayment(
    deps,
    orgId,
    p,
    charge.payment_id,
    { provider: provider.name, amount: p.price.amount, currency: p.price.currency },
    `autotopup:${p.id}`,
  );
  return `paid: ${charge.payment_id}`;
}

/** Gives up on a top-up whose provider could not be reached after every retry. */
export async function abandonAutoTopup(deps: AppDeps, orgId: string, purchaseId: string, reason: string) {
  const state = await loadOrg(deps, orgId);
  const p = state.purchases.find((x) => x.id === purchaseId);
  if (p?.status === 'pending')
    await runCommand<Purchase>(deps, orgId, { type: 'purchase_fail', purchase_id: p.id, reason });
}
