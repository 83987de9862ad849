/**
 * Reconciliation: payments the provider took whose credits the ledger never granted (a
 * webhook that never arrived, a crash between the payment and the grant). It asks Stripe
 * for the pack Checkout sessions paid since `since` and records any it had not seen, then
 * checks every recorded payment not yet marked credited against the ledger: credited ones
 * are marked, the rest are listed — and with `apply`, credited (once: the core completes a
 * purchase once per payment id, and the write carries a key derived from the payment).
 */
import { isDomainError, type Purchase } from '../core/index.ts';
import type { StripeProvider } from '../payments/stripe.ts';
import { outboxOf, type Payment } from '../store/outbox.ts';
import type { AppDeps } from './deps.ts';
import { findPurchase, runCommand } from './ledger.ts';

export interface Discrepancy {
  payment: Payment;
  /** What the ledger says about the purchase. */
  ledger: string;
  /** With `apply`: what was done. */
  action: 'credited' | 'marked' | 'left' | null;
  detail?: string;
}

export interface ReconcileReport {
  checked: number;
  /** Sessions found at the provider that no webhook had reported. */
  discovered: number;
  unpaid_credits: Discrepancy[];
}

const MAX_PAYMENTS = 100_000;

export async function reconcile(
  deps: AppDeps,
  o: { apply: boolean; sinceMs: number },
): Promise<ReconcileReport> {
  const outbox = await outboxOf(deps.store);
  let discovered = 0;
  if (deps.provider?.name === 'stripe') {
    const stripe = deps.provider as StripeProvider;
    for await (const s of stripe.paidPackSessions(Math.floor(o.sinceMs / 1000))) {
      const org = s.metadata?.org_id ?? s.client_reference_id;
      const pi = typeof s.payment_intent === 'string' ? s.payment_intent : s.payment_intent?.id;
      if (!org || !pi) continue;
      const fresh = await outbox.recordPayment({
        org_id: org,
        payment_id: pi,
        provider: 'stripe',
        purchase_id: s.metadata?.purchase_id ?? null,
        amount: s.amount_total ?? 0,
        currency: s.currency ?? 'usd',
        paid_at: s.created * 1000,
        credited_at: null,
        refunded_at: null,
      });
      if (fresh) discovered++;
    }
  }
  const report: ReconcileReport = { checked: 0, discovered, unpaid_credits: [] };
  const seen = new Set<string>();
  for (;;) {
    const batch = (await outbox.uncreditedPayments(500)).filter((p) => !seen.has(p.payment_id));
    if (batch.length === 0 || report.checked >= MAX_PAYMENTS) break;
    for (const p of batch) {
      seen.add(p.payment_id);
      report.checked++;
      const state = await deps.store.getOrg(p.org_id, deps.clock.now());
      const purchase = p.purchase_id ? await findPurchase(deps, p.org_id, p.purchase_id, state) : null;
      if (purchase && purchase.payment_id === p.payment_id) {
        await outbox.markPaymentCredited(p.org_id, p.payment_id, deps.clock.now());
        continue; // credited; only the mark was missing
      }
      const d: Discrepancy = {
        payment: p,
        ledger: !state ? 'org not found' : !purchase ? 'purchase not found' : `purchase ${purchase.status}`,
        action: null,
      };
      if (o.apply && purchase?.status === 'pending') {
        try {
          await runCommand<Purchase>(
            deps,
            p.org_id,
            { type: 'purchase_complete', purchase_id: purchase.id, payment_id: p.payment_id },
            `reconcile:${p.payment_id}`,
          );
          await outbox.markPaymentCredited(p.org_id, p.payment_id, deps.clock.now());
          d.action = 'credited';
        } catch (e) {
          if (!isDomainError(e)) throw e;
          d.action = 'left';
          d.detail = e.message;
        }
      } else if (o.apply) {
        d.action = 'left';
        d.detail = 'needs a person: refund the payment or grant the credits with an adjustment';
      }
      report.unpaid_credits.push(d);
    }
  }
  return report;
}
