/**
 * Closing an org whose plan Stripe bills, by the operator key through the route, on both
 * databases: the plan is cancelled with Stripe (at the period end), so Stripe stops
 * billing as the ledger stops using, and the org's API keys are revoked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, DIALECTS, expectProblem, newKey, newOrg, startApi } from '../http/harness.ts';
import { StripeStandIn, stripeSettings } from './stripe-stand-in.ts';

// biome-ignore lint/suspicious/noExplicitAny: Stripe objects are loose JSON here
type Obj = Record<string, any>;

describe.each(DIALECTS)('closing an org Stripe bills, on %s', (dialect) => {
  let stand: StripeStandIn;
  let api: Api;
  beforeAll(async () => {
    stand = await new StripeStandIn().start();
    api = await startApi(dialect, stripeSettings(stand));
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
  }

  /** An org on Pro through Stripe Checkout, as a customer starts it; returns its subscription id. */
  async function onStripePro(org: string, key: string) {
    const start = await api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'pro' }, key });
    expect(start.status).toBe(200);
    const paid = stand.pay([...stand.sessions.values()].at(-1)!.id);
    const subId = paid.subscription as string;
    await send(stand.event('checkout.session.completed', paid));
    await send(stand.event('customer.subscription.created', stand.subscriptions.get(subId)!));
    expect((await api.call('GET', `/v1/orgs/${org}/subscription`)).body).toMatchObject({
      tier: 'pro',
      cancel_at_period_end: false,
    });
    return subId;
  }

  it('is done by the operator key through the route, and cancels the paid plan with Stripe', async () => {
    const org = await newOrg(api, { name: 'Billed by Stripe' });
    const key = await newKey(api, org, ['read', 'billing']);
    const subId = await onStripePro(org, key);
    const r = await api.call('POST', `/v1/orgs/${org}/close`, { body: { confirm: 'Billed by Stripe' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: org, tier: 'pro', closed_at: expect.any(String) });
    expect(stand.subscriptions.get(subId)).toMatchObject({ status: 'active', cancel_at_period_end: true });
    expect((await api.call('GET', `/v1/orgs/${org}/subscription`)).body).toMatchObject({
      tier: 'pro',
      pending_tier: 'free',
      cancel_at_period_end: true,
    });
    expectProblem(await api.call('GET', `/v1/orgs/${org}/subscription`, { key }), 401, 'unauthorized');
    // Stripe's own notice of the cancellation, when it comes, changes nothing more.
    await send(stand.event('customer.subscription.updated', stand.subscriptions.get(subId)!));
    expect((await api.call('GET', `/v1/orgs/${org}`)).body.closed_at).toBe(r.body.closed_at);
  });

  it('refuses the operator a typo of the name and an org already closed', async () => {
    const org = await newOrg(api, { name: 'Typed' });
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/close`, { body: { confirm: 'Typo' } }),
      400,
      'validation_failed',
    );
    expect((await api.call('POST', `/v1/orgs/${org}/close`, { body: { confirm: 'Typed' } })).status).toBe(
      200,
    );
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/close`, { body: { confirm: 'Typed' } }),
      410,
      'org_closed',
    );
  });
});
