/**
 * A local stand-in for the parts of the Stripe API the adapter uses, on 127.0.0.1: the
 * real `stripe` client talks to it over HTTP (options host, port, protocol 'http'), with
 * form-encoded bodies and Idempotency-Key honoured as Stripe does (same key → same answer).
 * Tests play the customer (`pay`, `fail`) and build the events Stripe would send; they
 * sign them with the Stripe library's `generateTestHeaderString`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

// biome-ignore lint/suspicious/noExplicitAny: Stripe objects are loose JSON here
type Obj = Record<string, any>;

/** `a[b][0][c]=1` → {a: {b: [{c: '1'}]}} (the encoding stripe-node sends). */
export function parseForm(body: string): Obj {
  const root: Obj = {};
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const [k, v = ''] = pair.split('=').map((x) => decodeURIComponent(x.replace(/\+/g, ' ')));
    const path = k!.replace(/\]/g, '').split('[');
    let cur: Obj = root;
    path.forEach((p, i) => {
      if (i === path.length - 1) cur[p] = v;
      else cur = cur[p] ??= {};
    });
  }
  const arrays = (o: unknown): unknown => {
    if (typeof o !== 'object' || o === null) return o;
    const entries = Object.entries(o as Obj).map(([k, v]) => [k, arrays(v)] as const);
    if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k)))
      return entries.sort((a, b) => Number(a[0]) - Number(b[0])).map(([, v]) => v);
    return Object.fromEntries(entries);
  };
  return arrays(root) as Obj;
}

export const WEBHOOK_SECRET = 'whsec_test_standin_secret';

export class StripeStandIn {
  private server!: Server;
  port = 0;
  private n = 0;
  readonly customers = new Map<string, Obj>();
  readonly sessions = new Map<string, Obj>();
  readonly subscriptions = new Map<string, Obj>();
  readonly paymentIntents = new Map<string, Obj>();
  readonly refunds: Obj[] = [];
  readonly requests: { method: string; path: string; body: Obj }[] = [];
  private readonly idem = new Map<string, { status: number; body: Obj }>();
  /** Payment methods that decline off-session charges. */
  readonly declining = new Set<string>();
  private readonly signer = new Stripe('sk_test_signer');

  private id(prefix: string) {
    this.n += 1;
    return `${prefix}_${String(this.n).padStart(6, '0')}`;
  }

  async start() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const r = this.handle(req, body);
        res.writeHead(r.status, { 'content-type': 'application/json', 'request-id': this.id('req') });
        res.end(JSON.stringify(r.body));
      });
    });
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  close() {
    return new Promise<void>((ok) => this.server.close(() => ok()));
  }

  private handle(req: IncomingMessage, raw: string): { status: number; body: Obj } {
    const u = new URL(req.url ?? '/', 'http://x');
    const params = req.method === 'GET' ? parseForm(u.search.slice(1)) : parseForm(raw);
    this.requests.push({ method: req.method ?? '', path: u.pathname, body: params });
    const key = req.headers['idempotency-key'];
    if (req.method === 'POST' && typeof key === 'string') {
      const prev = this.idem.get(key);
      if (prev) return prev;
      const r = this.route(req.method, u.pathname, params);
      this.idem.set(key, r);
      return r;
    }
    return this.route(req.method ?? 'GET', u.pathname, params);
  }

  private route(method: string, path: string, p: Obj): { status: number; body: Obj } {
    const ok = (body: Obj) => ({ status: 200, body });
    const missing = () => ({
      status: 404,
      body: { error: { type: 'invalid_request_error', message: `No such object: ${path}` } },
    });
    const customer = /^\/v1\/customers\/([^/]+)$/.exec(path)?.[1];
    const methods = /^\/v1\/customers\/([^/]+)\/payment_methods$/.exec(path)?.[1];
    const subscription = /^\/v1\/subscriptions\/([^/]+)$/.exec(path)?.[1];
    const paymentIntent = /^\/v1\/payment_intents\/([^/]+)$/.exec(path)?.[1];
    if (method === 'POST' && path === '/v1/customers') {
      const c = {
        id: this.id('cus'),
        object: 'customer',
        metadata: p.metadata ?? {},
        invoice_settings: { default_payment_method: null },
      };
      this.customers.set(c.id, c);
      return ok(c);
    }
    if (method === 'GET' && customer !== undefined) {
      const c = this.customers.get(customer);
      return c ? ok(c) : missing();
    }
    if (methods !== undefined) {
      const c = this.customers.get(methods);
      const pm = c?.invoice_settings.default_payment_method;
      return ok({ object: 'list', data: pm ? [{ id: pm, object: 'payment_method' }] : [], has_more: false });
    }
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      const id = this.id('cs_test');
      const price = p.line_items?.[0]?.price_data?.unit_amount;
      const s = {
        id,
        object: 'checkout.session',
        url: `https://checkout.stripe.test/c/pay/${id}`,
        mode: p.mode,
        customer: p.customer ?? null,
        client_reference_id: p.client_reference_id ?? null,
        metadata: p.metadata ?? {},
        line_items_requested: p.line_items,
        subscription_data: p.subscription_data ?? null,
        payment_status: 'unpaid',
        status: 'open',
        amount_total: price ? Number(price) : 1999,
        currency: p.line_items?.[0]?.price_data?.currency ?? 'usd',
        payment_intent: null,
        subscription: null,
        created: Math.floor(Date.now() / 1000),
      };
      this.sessions.set(id, s);
      return ok(s);
    }
    if (method === 'GET' && path === '/v1/checkout/sessions') {
      const all = [...this.sessions.values()]
        .reverse()
        .filter((s) => s.created >= Number(p.created?.gte ?? 0));
      const start = p.starting_after ? all.findIndex((s) => s.id === p.starting_after) + 1 : 0;
      const limit = Number(p.limit ?? 10);
      return ok({
        object: 'list',
        url: '/v1/checkout/sessions',
        data: all.slice(start, start + limit),
        has_more: start + limit < all.length,
      });
    }
    if (subscription !== undefined) {
      const s = this.subscriptions.get(subscription);
      if (!s) return missing();
      if (method === 'POST') {
        if (p.cancel_at_period_end !== undefined) s.cancel_at_period_end = p.cancel_at_period_end === 'true';
        if (p.items?.[0]?.price) s.items.data[0].price = { id: p.items[0].price, object: 'price' };
      }
      return ok(s);
    }
    if (method === 'POST' && path === '/v1/payment_intents') {
      const pmId = p.payment_method as string;
      if (this.declining.has(pmId))
        return {
          status: 402,
          body: {
            error: {
              type: 'card_error',
              code: 'card_declined',
              decline_code: 'insufficient_funds',
              message: 'Your card was declined.',
            },
          },
        };
      const pi = {
        id: this.id('pi'),
        object: 'payment_intent',
        amount: Number(p.amount),
        currency: p.currency,
        customer: p.customer,
        payment_method: pmId,
        status: 'succeeded',
        metadata: p.metadata ?? {},
      };
      this.paymentIntents.set(pi.id, pi);
      return ok(pi);
    }
    if (method === 'GET' && paymentIntent !== undefined) {
      const pi = this.paymentIntents.get(paymentIntent);
      if (!pi) return missing();
      const expand = ([] as string[]).concat(p.expand ?? []);
      const charge = this.chargeOf(paymentIntent);
      return ok({ ...pi, latest_charge: expand.includes('latest_charge') ? charge : charge.id });
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const r = {
        id: this.id('re'),
        object: 'refund',
        payment_intent: p.payment_intent,
        status: 'succeeded',
      };
      this.refunds.push(r);
      return ok(r);
    }
    return missing();
  }

  // --- the customer's side -------------------------------------------------------------

  /** The customer pays a Checkout session (card saved); returns the updated session. */
  pay(sessionId: string, o: { async?: boolean; paymentMethod?: string } = {}): Obj {
    const s = this.sessions.get(sessionId);
    if (!s) throw new Error(`no session ${sessionId}`);
    const pm = o.paymentMethod ?? this.id('pm');
    const c = this.customers.get(s.customer);
    if (c) c.invoice_settings.default_payment_method = pm;
    s.status = 'complete';
    s.payment_status = o.async ? 'unpaid' : 'paid';
    if (s.mode === 'payment') {
      const pi = { id: this.id('pi'), object: 'payment_intent', amount: s.amount_total, status: 'succeeded' };
      this.paymentIntents.set(pi.id, pi);
      s.payment_intent = pi.id;
    } else {
      const sub = {
        id: this.id('sub'),
        object: 'subscription',
        status: 'active',
        customer: s.customer,
        cancel_at_period_end: false,
        metadata: s.subscription_data?.metadata ?? {},
        items: {
          object: 'list',
          data: [
            {
              id: this.id('si'),
              object: 'subscription_item',
              price: { id: s.line_items_requested[0].price, object: 'price' },
            },
          ],
        },
      };
      this.subscriptions.set(sub.id, sub);
      s.subscription = sub.id;
    }
    return structuredClone(s);
  }

  /** An asynchronous payment method settles. */
  settle(sessionId: string): Obj {
    const s = this.sessions.get(sessionId)!;
    s.payment_status = 'paid';
    return structuredClone(s);
  }

  /** A Stripe event around a copy of `object`. */
  event(type: string, object: Obj): Obj {
    return {
      id: this.id('evt'),
      object: 'event',
      api_version: '2026-10-28.endive',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: { object: structuredClone(object) },
    };
  }

  /** The one charge of a PaymentIntent, with its hosted receipt (as Stripe shows it) and card. */
  private readonly charges = new Map<string, Obj>();
  chargeOf(paymentIntent: string): Obj {
    let ch = this.charges.get(paymentIntent);
    if (!ch) {
      const id = this.id('ch');
      ch = {
        id,
        object: 'charge',
        receipt_url: `https://pay.stripe.test/receipts/payment/${id}`,
        payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242' } },
      };
      this.charges.set(paymentIntent, ch);
    }
    return ch;
  }

  charge(paymentIntent: string, refunded = true): Obj {
    const pi = this.paymentIntents.get(paymentIntent)!;
    return {
      ...this.chargeOf(paymentIntent),
      amount: pi.amount,
      amount_refunded: refunded ? pi.amount : 1,
      refunded,
      payment_intent: paymentIntent,
      metadata: {},
    };
  }

  /** An invoice of the subscription; `paid` gives it an amount paid and a hosted page. */
  invoice(subscriptionId: string, paid?: { amount: number; currency?: string }): Obj {
    const id = this.id('in');
    return {
      id,
      object: 'invoice',
      parent: { type: 'subscription_details', subscription_details: { subscription: subscriptionId } },
      ...(paid
        ? {
            amount_paid: paid.amount,
            currency: paid.currency ?? 'usd',
            hosted_invoice_url: `https://invoice.stripe.test/i/${id}`,
          }
        : {}),
    };
  }

  /** The `Stripe-Signature` header for a payload, signed with the library as Stripe would. */
  sign(payload: string, secret = WEBHOOK_SECRET): string {
    return this.signer.webhooks.generateTestHeaderString({ payload, secret });
  }
}

/** Overrides for `startApi` that put the server on Stripe against this stand-in. */
export function stripeSettings(s: StripeStandIn, prices: Record<string, string> = DEFAULT_PRICES) {
  return {
    payments: 'stripe',
    stripe_secret_key: 'sk_test_standin',
    stripe_webhook_secret: WEBHOOK_SECRET,
    stripe_api_url: s.url,
    stripe_prices: prices,
  };
}

export const DEFAULT_PRICES = {
  basic: 'price_basic',
  pro: 'price_pro',
  business: 'price_business',
  pack_50: 'price_pack_50',
};
