/**
 * The Stripe adapter. Packs are sold through Checkout in payment mode (the card is saved
 * for off-session use, which auto top-up charges later); plans through Checkout in
 * subscription mode. Every call that creates something carries an idempotency key derived
 * from our own ids, so a retried request or a second instance never creates a second
 * session, charge or refund. Webhooks are verified here (`Stripe-Signature` over the raw
 * body); what they mean for the ledger is decided in ../app/stripe-webhooks.ts.
 */
import Stripe from 'stripe';
import type { Catalog, Purchase, TierId } from '../core/index.ts';
import type { OutboxStore } from '../store/outbox.ts';
import {
  type Charge,
  type PackCheckout,
  PaymentError,
  type PaymentProvider,
  type PlanBilling,
} from './provider.ts';

export interface StripeOptions {
  secretKey: string;
  webhookSecret: string;
  /** Stripe price ids by tier id and pack id; a pack without one is priced from the catalog. */
  prices: Record<string, string>;
  /** Where Checkout sends the customer back (`…/billing?checkout=success`). */
  publicUrl: string;
  /** Another API host (a local stand-in in tests): `http://127.0.0.1:12111`. */
  apiUrl?: string | null;
  catalog: Catalog;
  outbox: () => Promise<OutboxStore>;
  /** Milliseconds the client waits for Stripe. */
  timeoutMs?: number;
}

export class StripeProvider implements PaymentProvider, PlanBilling {
  readonly name = 'stripe' as const;
  readonly client: Stripe;

  constructor(private readonly o: StripeOptions) {
    const api = o.apiUrl ? new URL(o.apiUrl) : null;
    this.client = new Stripe(o.secretKey, {
      maxNetworkRetries: 2,
      timeout: o.timeoutMs ?? 20_000,
      appInfo: { name: 'amisi-credits' },
      ...(api
        ? {
            host: api.hostname,
            port: Number(api.port || (api.protocol === 'https:' ? 443 : 80)),
            protocol: api.protocol === 'https:' ? ('https' as const) : ('http' as const),
          }
        : {}),
    });
  }

  /** Verifies `Stripe-Signature` over the exact bytes received; throws when it does not match. */
  verify(rawBody: Buffer | string, signature: string): Stripe.Event {
    return this.client.webhooks.constructEvent(rawBody, signature, this.o.webhookSecret);
  }

  tierOfPrice(priceId: string): TierId | null {
    for (const [id, price] of Object.entries(this.o.prices))
      if (price === priceId && this.o.catalog.tiers.some((t) => t.id === id)) return id as TierId;
    return null;
  }

  /** The org's Stripe customer, created once (idempotently) on first need. */
  async customerFor(orgId: string): Promise<string> {
    const outbox = await this.o.outbox();
    const acct = await outbox.getBillingAccount(orgId);
    if (acct?.customer_id) return acct.customer_id;
    const c = await this.client.customers.create(
      { metadata: { org_id: orgId } },
      { idempotencyKey: `amisi_customer_${orgId}` },
    );
    await outbox.upsertBillingAccount({
      org_id: orgId,
      provider: 'stripe',
      customer_id: c.id,
      subscription_id: null,
      updated_at: Date.now(),
    });
    return c.id;
  }

  private urls(kind: string) {
    const base = this.o.publicUrl.replace(/\/$/, '');
    return {
      success_url: `${base}/?checkout=${kind}_success&session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${base}/?checkout=${kind}_cancelled`,
    };
  }

  async checkoutPack(orgId: string, p: Purchase): Promise<PackCheckout> {
    const customer = await this.customerFor(orgId);
    const price = this.o.prices[p.pack];
    const metadata = { org_id: orgId, purchase_id: p.id };
    const s = await this.client.checkout.sessions.create(
      {
        mode: 'payment',
        customer,
        client_reference_id: orgId,
        line_items: [
          price
            ? { price, quantity: 1 }
            : {
                quantity: 1,
                price_data: {
                  currency: p.price.currency,
                  unit_amount: p.price.amount,
                  product_data: { name: `${p.credits} credits (${p.pack})` },
                },
              },
        ],
        metadata,
        payment_intent_data: { metadata, setup_future_usage: 'off_session' },
        // Back to the web app's result page for this purchase (web/src/pages/buy.tsx).
        success_url: `${this.o.publicUrl.replace(/\/$/, '')}/o/${orgId}/buy/result?purchase=${p.id}&session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${this.o.publicUrl.replace(/\/$/, '')}/o/${orgId}/buy/result?purchase=${p.id}&cancelled=1`,
      },
      { idempotencyKey: `amisi_checkout_${orgId}_${p.id}` },
    );
    if (!s.url) throw new PaymentError('Stripe returned a Checkout session without a URL');
    return { kind: 'redirect', checkout_url: s.url, session_id: s.id };
  }

  async startPlanCheckout(orgId: string, tier: TierId) {
    const price = this.o.prices[tier];
    if (!price) throw new PaymentError(`no Stripe price is configured for the ${tier} tier`);
    const customer = await this.customerFor(orgId);
    const s = await this.client.checkout.sessions.create({
      mode: 'subscription',
      customer,
      client_reference_id: orgId,
      line_items: [{ price, quantity: 1 }],
      metadata: { org_id: orgId, tier },
      subscription_data: { metadata: { org_id: orgId } },
      ...this.urls('plan'),
    });
    if (!s.url) throw new PaymentError('Stripe returned a Checkout session without a URL');
    return { checkout_url: s.url, session_id: s.id };
  }

  retrieveSubscription(id: string) {
    return this.client.subscriptions.retrieve(id);
  }

  /** Moves an existing subscription to another tier's price (Stripe prorates). */
  async changeSubscriptionTier(subscriptionId: string, tier: TierId) {
    const price = this.o.prices[tier];
    if (!price) throw new PaymentError(`no Stripe price is configured for the ${tier} tier`);
    const sub = await this.client.subscriptions.retrieve(subscriptionId);
    const item = sub.items.data[0];
    if (!item) throw new PaymentError(`Stripe subscription ${subscriptionId} has no items`);
    return this.client.subscriptions.update(subscriptionId, {
      items: [{ id: item.id, price }],
      cancel_at_period_end: false,
    });
  }

  setCancelAtPeriodEnd(subscriptionId: string, cancel: boolean) {
    return this.client.subscriptions.update(subscriptionId, { cancel_at_period_end: cancel });
  }

  async chargeOffSession(orgId: string, p: Purchase): Promise<Charge> {
    const outbox = await this.o.outbox();
    const acct = await outbox.getBillingAccount(orgId);
    if (!acct?.customer_id) return { ok: false, reason: 'no_payment_method' };
    const customer = await this.client.customers.retrieve(acct.customer_id);
    let pm: string | null = null;
    if (!customer.deleted) {
      const d = customer.invoice_settings?.default_payment_method;
      pm = typeof d === 'string' ? d : (d?.id ?? null);
    }
    if (!pm) {
      const list = await this.client.customers.listPaymentMethods(acct.customer_id, { limit: 1 });
      pm = list.data[0]?.id ?? null;
    }
    if (!pm) return { ok: false, reason: 'no_payment_method' };
    try {
      const pi = await this.client.paymentIntents.create(
        {
          amount: p.price.amount,
          currency: p.price.currency,
          customer: acct.customer_id,
          payment_method: pm,
          off_session: true,
          confirm: true,
          metadata: { org_id: orgId, purchase_id: p.id, auto_topup: 'true' },
        },
        { idempotencyKey: `amisi_autotopup_${orgId}_${p.id}` },
      );
      if (pi.status === 'succeeded') return { ok: true, payment_id: pi.id };
      return { ok: false, reason: `payment_${pi.status}` };
    } catch (e) {
      if (e instanceof Stripe.errors.StripeCardError)
        return { ok: false, reason: e.code ?? e.decline_code ?? 'card_declined' };
      throw e;
    }
  }

  /**
   * Stripe's hosted receipt of a PaymentIntent's charge and the card it was paid with, for
   * the org's billing history. Best effort: when Stripe cannot be asked, the payment is
   * still credited and its receipt link stays empty (null), since the credits matter more.
   */
  async paymentReceipt(
    paymentIntentId: string,
  ): Promise<{ receipt_url: string | null; payment_method: string | null } | null> {
    try {
      const pi = await this.client.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge'] });
      const ch = typeof pi.latest_charge === 'object' ? pi.latest_charge : null;
      if (!ch) return null;
      const d = ch.payment_method_details;
      const method = d?.card ? `${d.card.brand} •••• ${d.card.last4}` : (d?.type ?? null);
      return { receipt_url: ch.receipt_url ?? null, payment_method: method };
    } catch (e) {
      if (e instanceof Stripe.errors.StripeError) return null;
      throw e;
    }
  }

  async refund(orgId: string, p: Purchase) {
    if (!p.payment_id?.startsWith('pi_')) return; // not paid through Stripe (an operator grant or a dev purchase)
    await this.client.refunds.create(
      { payment_intent: p.payment_id, metadata: { org_id: orgId, purchase_id: p.id } },
      { idempotencyKey: `amisi_refund_${orgId}_${p.id}` },
    );
  }

  /** Paid Checkout sessions for packs created since `sinceSeconds` (reconciliation). */
  async *paidPackSessions(sinceSeconds: number) {
    for await (const s of this.client.checkout.sessions.list({
      created: { gte: sinceSeconds },
      limit: 100,
    })) {
      if (s.mode !== 'payment' || s.payment_status !== 'paid' || !s.metadata?.purchase_id) continue;
      yield s;
    }
  }
}
