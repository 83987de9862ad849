/**
 * Receipts with Stripe: a pack's billing entry links Stripe's hosted receipt of its charge
 * (and names the card), a paid subscription invoice is a plan charge linking the hosted
 * invoice page, and a refund reported by Stripe is its own entry; repeated notices add no
 * second line. The real `stripe` client against the local stand-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, newKey, newOrg, startApi } from '../http/harness.ts';
import { StripeStandIn, stripeSettings } from './stripe-stand-in.ts';

// biome-ignore lint/suspicious/noExplicitAny: Stripe objects are loose JSON here
type Obj = Record<string, any>;

let stand: StripeStandIn;
let api: Api;

beforeAll(async () => {
  stand = await new StripeStandIn().start();
  api = await startApi('sqlite', stripeSettings(stand));
});
afterAll(async () => {
  await api?.close();
  await stand?.close();
});

async function send(event: Obj) {
  const payload = JSON.stringify(event);
  const r = await fetch(`${api.url}/v1/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': stand.sign(payload) },
    body: payload,
  });
  expect(r.status).toBe(200);
  return (await r.json()) as Obj;
}

const history = async (org: string) =>
  (await api.call('GET', `/v1/orgs/${org}/billing/history`)).body.data as Obj[];

describe('receipts through Stripe', () => {
  it("links Stripe's hosted receipt of a pack's charge, and records Stripe's refund as its own entry once", async () => {
    const org = await newOrg(api);
    const bought = await api.call('POST', `/v1/orgs/${org}/purchases`, { body: { pack: 'pack_50' } });
    expect(bought.status).toBe(201);
    const session = [...stand.sessions.values()].at(-1)!;
    const paid = stand.pay(session.id);
    const completed = stand.event('checkout.session.completed', paid);
    expect((await send(completed)).outcome).toBe('fulfilled');
    await send(completed);
    const pi = paid.payment_intent as string;
    const receipt = stand.chargeOf(pi).receipt_url as string;
    expect(await history(org)).toEqual([
      expect.objectContaining({
        id: pi,
        kind: 'pack_purchase',
        amount: paid.amount_total,
        credits: 50,
        provider: 'stripe',
        status: 'succeeded',
        receipt_url: receipt,
      }),
    ]);
    const r = await api.call('GET', `/v1/orgs/${org}/billing/receipts/${pi}`);
    expect(r.body).toMatchObject({
      payment_method: 'visa •••• 4242',
      provider_receipt_url: receipt,
      total: paid.amount_total,
    });

    const refunded = stand.event('charge.refunded', stand.charge(pi));
    expect((await send(refunded)).outcome).toBe('refunded');
    await send(refunded);
    const after = await history(org);
    expect(after.map((e) => [e.kind, e.status])).toEqual([
      ['refund', 'succeeded'],
      ['pack_purchase', 'refunded'],
    ]);
    expect(after[0]).toMatchObject({ id: `rf_${pi}`, refund_of: pi, credits: 50, receipt_url: receipt });
  });

  it("records a paid subscription invoice as a plan charge linking Stripe's invoice page, once", async () => {
    const org = await newOrg(api);
    const key = await newKey(api, org, ['read', 'billing']);
    await api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'pro' }, key });
    const session = [...stand.sessions.values()].at(-1)!;
    const paid = stand.pay(session.id);
    await send(stand.event('checkout.session.completed', paid));
    const invoice = stand.invoice(paid.subscription as string, { amount: 4900 });
    const notice = stand.event('invoice.paid', invoice);
    expect((await send(notice)).outcome).toBe('synced');
    await send(notice);
    // An invoice for nothing (a trial) is no payment.
    await send(stand.event('invoice.paid', stand.invoice(paid.subscription as string, { amount: 0 })));
    const entries = (await api.call('GET', `/v1/orgs/${org}/billing/history`, { key })).body.data as Obj[];
    expect(entries).toEqual([
      expect.objectContaining({
        id: invoice.id,
        kind: 'plan_charge',
        amount: 4900,
        credits: 50,
        provider: 'stripe',
        receipt_url: invoice.hosted_invoice_url,
      }),
    ]);
    expect(entries[0]!.description).toMatch(/^Pro plan/);
  });
});
