/**
 * The payment provider interface: how a pack purchase gets paid, how an auto top-up is
 * charged without the customer present, and how money goes back on a refund. Two
 * adapters: `development` (completes at once, refused in production) and `stripe`
 * (Checkout, verified webhooks, off-session charges). The ledger never learns which one
 * ran: it only hears `purchase_complete` with a payment id, once per payment.
 */
import type { Purchase, TierId } from '../core/index.ts';

export type PackCheckout =
  /** Paid within the call (development): complete the purchase with this payment id. */
  | { kind: 'paid'; payment_id: string }
  /** The customer pays on the provider's page; a webhook completes the purchase later. */
  | { kind: 'redirect'; checkout_url: string; session_id: string };

export type Charge = { ok: true; payment_id: string } | { ok: false; reason: string };

export interface PaymentProvider {
  readonly name: 'development' | 'stripe';
  checkoutPack(orgId: string, purchase: Purchase): Promise<PackCheckout>;
  /** Charges a saved payment method for an auto top-up. Never throws for a declined card. */
  chargeOffSession(orgId: string, purchase: Purchase): Promise<Charge>;
  /** Returns the money of a completed purchase (the ledger revokes the credits). */
  refund(orgId: string, purchase: Purchase): Promise<void>;
}

/** Plans through a provider that bills them (Stripe); the development provider applies plan changes directly. */
export interface PlanBilling {
  startPlanCheckout(orgId: string, tier: TierId): Promise<{ checkout_url: string; session_id: string }>;
}

export class PaymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentError';
  }
}
