/**
 * The development provider: every payment succeeds at once, with a payment id derived from
 * the purchase, so a retried request can never pay twice. It charges nobody, which is why
 * the configuration refuses it when NODE_ENV=production.
 */
import type { Purchase } from '../core/index.ts';
import type { Charge, PackCheckout, PaymentProvider } from './provider.ts';

export const developmentPaymentId = (purchaseId: string) => `devpay_${purchaseId}`;

/**
 * The id of its charge for the plan period of an org that starts at `periodStart`, whether
 * an upgrade or a renewal started it: the period names the charge, so it is recorded once.
 */
export const developmentPlanChargeId = (orgId: string, periodStart: number) =>
  `devplan_${orgId}_${periodStart}`;

export const developmentProvider: PaymentProvider = {
  name: 'development',
  async checkoutPack(_orgId: string, p: Purchase): Promise<PackCheckout> {
    return { kind: 'paid', payment_id: developmentPaymentId(p.id) };
  },
  async chargeOffSession(_orgId: string, p: Purchase): Promise<Charge> {
    return { ok: true, payment_id: developmentPaymentId(p.id) };
  },
  async refund() {},
};
