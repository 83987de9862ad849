/**
 * Stripe end to end: the real `stripe` client against a local stand-in of the Stripe API,
 * and webhooks signed with the Stripe library. Duplicate, reordered and late notices
 * change nothing twice; the Stripe event id is written with the grant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../src/app/reconcile.ts';
import { loadConfig } from '../../src/config/config.ts';
import { type Api, expectProblem, newKey, newOrg, startApi } from '../http/harness.ts';
import { StripeStandIn, stripeSettings } from './stripe-stand-in.ts';

const DAY = 86_400;
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

async function send(event: Obj, signature?: string) {
  const payload = JSON.stringify(event);
  const r = await fetch(`${api.url}/v1/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature ?? stand.sign(payload) },
    body: payload,
  });
  return { status: r.status, body: (await r.json()) as Obj };
}

const balance = async (org: string) => (await api.call('GET', `/v1/orgs/${org}/balance`)).body;
const run = async () => (await api.call('POST', '/v1/admin/renewals/run')).body;

async function buyThroughCheckout(org: string, pack = 'pack_50') {
  const r = await api.call('POST', `/v1/orgs/${org}/purchases`, { body: { pack } });
  expect(r.status).toBe(201);
  expect(r.body).toMatchObject({ status: 'pending', pack });
  const session = [...stand.sessions.values()].at(-1)!;
  expect(r.body.checkout_url).toBe(session.url);
  return { purchase: r.body, session };
}

describe('packs through Stripe Checkout', () => {
  it('grants a paid session once, however often and in whatever form Stripe repeats it', async () => {
    const org = await newOrg(api);
    const { purchase, session } = await buyThroughCheckout(org);
    expect(session).toMatchObject({ mode: 'payment', metadata: { org_id: org, purchase_id: purchase.id } });
    expect((await balance(org)).available).toBe(5);

    const paid = stand.pay(session.id);
    const completed = stand.event('checkout.session.completed', paid);
    expect(await send(completed)).toMatchObject({ status: 200, body: { outcome: 'fulfilled' } });
    expect((await balance(org)).available).toBe(55);
    // The same event again, then a different event about the same payment: nothing more.
    expect((await send(completed)).status).toBe(200);
    expect((await send(stand.event('checkout.session.async_payment_succeeded', paid))).status).toBe(200);
    expect((await balance(org)).available).toBe(55);
    const log = await api.call('GET', `/v1/orgs/${org}/transactions?type=purchase`);
    expect(log.body.data).toHaveLength(1);
    const p = await api.call('GET', `/v1/orgs/${org}/purchases`);
    expect(p.body.data[0]).toMatchObject({ id: purchase.id, status: 'completed' });
    expect(await api.store.verify()).toEqual([]);
  });

  it('refuses a notice whose signature does not match its bytes', async () => {
    const org = await newOrg(api);
    const { session } = await buyThroughCheckout(org);
    const event = stand.event('checkout.session.completed', stand.pay(session.id));
    const payload = JSON.stringify(event);
    const forged = { ...event, data: { object: { ...event.data.object, amount_total: 1 } } };
    const r = await fetch(`${api.url}/v1/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': stand.sign(payload) },
      body: JSON.stringify(forged),
    });
    expect(r.status).toBe(400);
    expect((await send(event, stand.sign(payload, 'whsec_someone_else'))).status).toBe(400);
    const unsigned = await fetch(`${api.url}/v1/webhooks/stripe`, { method: 'POST', body: payload });
    expect(unsigned.status).toBe(400);
    expect((await balance(org)).available).toBe(5);
  });

  it('waits for an asynchronous payment to succeed, and fails the purchase when it does not', async () => {
    const org = await newOrg(api);
    const a = await buyThroughCheckout(org);
    const unpaid = stand.pay(a.session.id, { async: true });
    expect((await send(stand.event('checkout.session.completed', unpaid))).body.outcome).toBe('ignored');
    expect((await balance(org)).available).toBe(5);
    // Late and out of order: the success notice arrives, then the completion again.
    const settled = stand.settle(a.session.id);
    await send(stand.event('checkout.session.async_payment_succeeded', settled));
    await send(stand.event('checkout.session.completed', unpaid));
    expect((await balance(org)).available).toBe(55);

    const b = await buyThroughCheckout(org, 'pack_20');
    const bUnpaid = stand.pay(b.session.id, { async: true });
    await send(stand.event('checkout.session.async_payment_failed', bUnpaid));
    const list = await api.call('GET', `/v1/orgs/${org}/purchases`);
    expect(list.body.data[0]).toMatchObject({ id: b.purchase.id, status: 'failed' });
    expect((await balance(org)).available).toBe(55);
  });

  it('revokes the unspent remainder when Stripe reports the charge refunded, once', async () => {
    const org = await newOrg(api);
    const { purchase, session } = await buyThroughCheckout(org);
    const paid = stand.pay(session.id);
    await send(stand.event('checkout.session.completed', paid));
    await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '8k', quantity: 3 },
    });
    // 5 free spent first (draw order: free before purchase), then 7 of the pack: 43 left of it.
    const refunded = stand.event('charge.refunded', stand.charge(paid.payment_intent));
    expect((await send(refunded)).body.outcome).toBe('refunded');
    await send(refunded);
    await send(stand.event('charge.refunded', stand.charge(paid.payment_intent)));
    const p = (await api.call('GET', `/v1/orgs/${org}/purchases`)).body.data[0];
    expect(p).toMatchObject({ id: purchase.id, status: 'refunded', revoked: 43 });
    expect((await balance(org)).available).toBe(0);
    expect((await api.call('GET', `/v1/orgs/${org}/transactions?type=refund`)).body.data).toHaveLength(1);
    expect(await api.store.verify()).toEqual([]);
  });

  it('refunds through Stripe when the operator refunds a purchase', async () => {
    const org = await newOrg(api);
    const { purchase, session } = await buyThroughCheckout(org);
    const paid = stand.pay(session.id);
    await send(stand.event('checkout.session.completed', paid));
    const r = await api.call('POST', `/v1/orgs/${org}/purchases/${purchase.id}/refund`);
    expect(r.body).toMatchObject({ status: 'refunded', revoked: 50 });
    expect(stand.refunds.at(-1)).toMatchObject({ payment_intent: paid.payment_intent });
    // Stripe then reports the refund: already done.
    await send(stand.event('charge.refunded', stand.charge(paid.payment_intent)));
    expect((await api.call('GET', `/v1/orgs/${org}/transactions?type=refund`)).body.data).toHaveLength(1);
  });
});

describe('plans through Stripe subscriptions', () => {
  it('starts a plan at Checkout, follows the subscription, and withholds the allocation while past due', async () => {
    const org = await newOrg(api);
    // A customer's own key: the operator's changes bypass billing.
    const key = await newKey(api, org, ['read', 'billing']);
    const start = await api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'pro' }, key });
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ tier: 'free' });
    const session = [...stand.sessions.values()].at(-1)!;
    expect(start.body.checkout_url).toBe(session.url);
    const paid = stand.pay(session.id);
    const subId = paid.subscription as string;
    const created = stand.event('customer.subscription.created', stand.subscriptions.get(subId)!);
    const completed = stand.event('checkout.session.completed', paid);
    expect((await send(completed)).body.outcome).toBe('synced');
    await send(created);
    await send(completed);
    let b = await balance(org);
    expect(b).toMatchObject({ tier: 'pro', available: 55 });

    // Downgrade scheduled through the API: Stripe's price changes, the ledger waits for the period end.
    const down = await api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'basic' }, key });
    expect(down.body).toMatchObject({ tier: 'pro', pending_tier: 'basic' });
    const updated = stand.event('customer.subscription.updated', stand.subscriptions.get(subId)!);
    // A late "created" (still pro in its payload) arrives after the update: state is re-read, nothing rolls back.
    await send(created);
    await send(updated);
    expect((await api.call('GET', `/v1/orgs/${org}/subscription`)).body).toMatchObject({
      tier: 'pro',
      pending_tier: 'basic',
    });

    // The renewal invoice fails: past due, and the renewal brings no new allocation.
    stand.subscriptions.get(subId)!.status = 'past_due';
    const failed = stand.event('invoice.payment_failed', stand.invoice(subId));
    await send(failed);
    await send(failed);
    expect((await api.call('GET', `/v1/orgs/${org}/subscription`)).body.status).toBe('past_due');
    await api.call('POST', '/v1/admin/clock/advance', { body: { seconds: 32 * DAY } });
    await run();
    b = await balance(org);
    // Pro's 55 (50 + 5 free): 50 subscription credits carried (basic cap 40 → 40 carried, 10 expired), no allocation.
    expect(b).toMatchObject({
      tier: 'basic',
      available: 45,
      by_source: { rollover: 40, free: 5, subscription: 0 },
    });

    // Paid: the withheld allocation arrives, once.
    stand.subscriptions.get(subId)!.status = 'active';
    const invoicePaid = stand.event('invoice.paid', stand.invoice(subId));
    await send(invoicePaid);
    await send(invoicePaid);
    await send(failed); // late and stale: Stripe says active now
    b = await balance(org);
    expect(b).toMatchObject({ tier: 'basic', available: 65, by_source: { subscription: 20 } });
    expect((await api.call('GET', `/v1/orgs/${org}/subscription`)).body.status).toBe('active');

    // Cancelled in Stripe at the period end, then deleted: back to Free at the period end.
    stand.subscriptions.get(subId)!.cancel_at_period_end = true;
    await send(stand.event('customer.subscription.updated', stand.subscriptions.get(subId)!));
    expect((await api.call('GET', `/v1/orgs/${org}/subscription`)).body.cancel_at_period_end).toBe(true);
    stand.subscriptions.get(subId)!.status = 'canceled';
    await send(stand.event('customer.subscription.deleted', stand.subscriptions.get(subId)!));
    await api.call('POST', '/v1/admin/clock/advance', { body: { seconds: 31 * DAY } });
    await run();
    expect(await balance(org)).toMatchObject({ tier: 'free', available: 5 });
    expect(await api.store.verify()).toEqual([]);
  });
});

describe('auto top-up through Stripe', () => {
  it('charges the saved card off-session once per crossing, and reports a decline', async () => {
    const org = await newOrg(api);
    const { session } = await buyThroughCheckout(org);
    const paid = stand.pay(session.id, { paymentMethod: 'pm_card_ok' });
    await send(stand.event('checkout.session.completed', paid)); // 55 credits, card saved
    const set = await api.call('PUT', `/v1/orgs/${org}/auto_topup`, {
      body: { threshold: 10, pack: 'pack_20', monthly_max: 2 },
    });
    expect(set.body).toMatchObject({ enabled: true, armed: true, used_this_period: 0 });
    await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '8k', quantity: 12 },
    }); // 7
    await api.call('POST', `/v1/orgs/${org}/usage`, { body: { tool: 'image.generate', operation: '720p' } }); // 6
    const r1 = await run();
    const r2 = await run();
    expect(r1.auto_topups).toBe(1);
    expect(r2.auto_topups).toBe(0);
    expect((await balance(org)).available).toBe(26);
    const intents = [...stand.paymentIntents.values()].filter((p) => p.metadata?.auto_topup === 'true');
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({ amount: 999, payment_method: 'pm_card_ok', customer: paid.customer });

    stand.declining.add('pm_card_ok');
    await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '8k', quantity: 5 },
    }); // 6
    await run();
    const purchases = (await api.call('GET', `/v1/orgs/${org}/purchases`)).body.data;
    expect(purchases[0]).toMatchObject({
      status: 'failed',
      auto_topup: true,
      failure_reason: 'card_declined',
    });
    expect(purchases[1]).toMatchObject({ status: 'completed', auto_topup: true });
    const notes = (await api.call('GET', `/v1/orgs/${org}/notifications?limit=100`)).body.data.map(
      (n: Obj) => n.type,
    );
    expect(notes).toContain('auto_topup.succeeded');
    expect(notes).toContain('auto_topup.failed');
    expect(await api.store.verify()).toEqual([]);
  });
});

describe('reconciliation', () => {
  it('finds a payment whose webhook never arrived and credits it once with --apply', async () => {
    const org = await newOrg(api);
    const { purchase, session } = await buyThroughCheckout(org);
    stand.pay(session.id); // Stripe took the money; no webhook ever reaches us
    const deps = api.app.scheduler.deps;
    const listed = await reconcile(deps, { apply: false, sinceMs: Date.now() - DAY * 1000 });
    const mine = listed.unpaid_credits.filter((d) => d.payment.org_id === org);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      ledger: 'purchase pending',
      action: null,
      payment: { purchase_id: purchase.id },
    });
    expect((await balance(org)).available).toBe(5);
    const applied = await reconcile(deps, { apply: true, sinceMs: Date.now() - DAY * 1000 });
    expect(applied.unpaid_credits.find((d) => d.payment.org_id === org)?.action).toBe('credited');
    expect((await balance(org)).available).toBe(55);
    const again = await reconcile(deps, { apply: true, sinceMs: Date.now() - DAY * 1000 });
    expect(again.unpaid_credits.filter((d) => d.payment.org_id === org)).toEqual([]);
    // The webhook finally arrives: nothing more.
    await send(stand.event('checkout.session.completed', stand.sessions.get(session.id)!));
    expect((await balance(org)).available).toBe(55);
  });
});

describe('the development provider', () => {
  it('is refused in production', () => {
    expect(() =>
      loadConfig({ env: { NODE_ENV: 'production' }, overrides: { payments: 'development' } }),
    ).toThrow(/development payment provider/);
  });

  it('answers 404 on the Stripe webhook route when Stripe is not configured', async () => {
    const dev = await startApi('sqlite');
    try {
      const r = await fetch(`${dev.url}/v1/webhooks/stripe`, {
        method: 'POST',
        headers: { 'stripe-signature': 't=1,v1=x' },
        body: '{}',
      });
      expect(r.status).toBe(404);
      expectProblem(
        { status: r.status, headers: r.headers, body: await r.json(), text: '' },
        404,
        'not_found',
      );
    } finally {
      await dev.close();
    }
  });
});
