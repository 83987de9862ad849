/**
 * POST /v1/orgs/{org}/subscription/preview over real HTTP on both databases: the preview
 * of an upgrade, a downgrade and a cancel says exactly what the change then does to the
 * balance (carried, forfeited, the new allocation, when), and a preview changes nothing.
 * A scheduled downgrade or cancel is undone by asking for the current tier again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, DIALECTS, expectProblem, newKey, newOrg, startApi } from './harness.ts';

describe.each(DIALECTS)('plan change previews on %s', (dialect) => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(dialect);
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  });

  const preview = (org: string, body: Record<string, unknown>) =>
    api.call('POST', `/v1/orgs/${org}/subscription/preview`, { body });
  const balance = async (org: string) => (await api.call('GET', `/v1/orgs/${org}/balance`)).body;
  const subscription = async (org: string) => (await api.call('GET', `/v1/orgs/${org}/subscription`)).body;
  const spend = (org: string, operation: string, quantity = 1) =>
    api.call('POST', `/v1/orgs/${org}/usage`, { body: { tool: 'image.generate', operation, quantity } });

  /** Moves the test clock just past the period end and runs the renewals due. */
  async function passPeriodEnd(periodEnd: string) {
    const now = Date.parse((await api.call('GET', '/v1/admin/clock')).body.now);
    const seconds = Math.ceil((Date.parse(periodEnd) - now) / 1000) + 1;
    expect((await api.call('POST', '/v1/admin/clock/advance', { body: { seconds } })).status).toBe(200);
    expect((await api.call('POST', '/v1/admin/renewals/run')).status).toBe(200);
  }

  it('an upgrade: carried now into the new period with its allocation, as previewed', async () => {
    const org = await newOrg(api, { name: 'Up', tier: 'basic' });
    await spend(org, '4k', 2); // 20 − 6 = 14 subscription credits left
    expect((await api.call('POST', `/v1/orgs/${org}/purchases`, { body: { pack: 'pack_20' } })).status).toBe(
      201,
    );

    const p = await preview(org, { tier: 'pro' });
    expect(p.status).toBe(200);
    const clock = (await api.call('GET', '/v1/admin/clock')).body.now;
    expect(p.body).toMatchObject({
      action: 'upgrade',
      from_tier: 'basic',
      to_tier: 'pro',
      immediate: true,
      effective_at: clock,
      balance_before: 34,
      carried: 14,
      forfeited: 0,
      new_allocation: 50,
      rollover_cap: 100,
      balance_after: 84,
      price: { currency: 'usd', example: true },
    });
    // Nothing changed by asking.
    expect(await subscription(org)).toMatchObject({ tier: 'basic', pending_tier: null });

    const changed = await api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'pro' } });
    expect(changed.status).toBe(200);
    expect(changed.body.period_end).toBe(p.body.period_end_after);
    const b = await balance(org);
    expect(b).toMatchObject({
      balance: p.body.balance_after,
      tier: 'pro',
      allocation: p.body.new_allocation,
      by_source: { rollover: p.body.carried, subscription: p.body.new_allocation, purchase: 20 },
    });
  });

  it('a downgrade: scheduled for the period end, undone, scheduled again, then exactly as previewed', async () => {
    const org = await newOrg(api, { name: 'Down', tier: 'business' });
    await spend(org, '8k', 5); // 150 − 20 = 130 unused; Basic's cap is 40
    const sub = await subscription(org);

    const p = await preview(org, { tier: 'basic' });
    expect(p.body).toMatchObject({
      action: 'downgrade',
      from_tier: 'business',
      to_tier: 'basic',
      immediate: false,
      effective_at: sub.period_end,
      balance_before: 130,
      carried: 40,
      forfeited: 90,
      new_allocation: 20,
      rollover_cap: 40,
      balance_after: 60,
    });
    expect(Date.parse(p.body.period_end_after)).toBeGreaterThan(Date.parse(sub.period_end));

    const scheduled = await api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'basic' } });
    expect(scheduled.body).toMatchObject({ tier: 'business', pending_tier: 'basic' });
    // Undo: the current tier again resumes it, and the preview says so first.
    expect((await preview(org, { tier: 'business' })).body).toMatchObject({
      action: 'resume',
      to_tier: 'business',
      forfeited: 0,
      carried: 130,
      new_allocation: 150,
    });
    const resumed = await api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'business' } });
    expect(resumed.body).toMatchObject({ tier: 'business', pending_tier: null, cancel_at_period_end: false });
    expect((await preview(org, { tier: 'business' })).body.action).toBe('none');

    await api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'basic' } });
    await passPeriodEnd(sub.period_end);
    const b = await balance(org);
    expect(b).toMatchObject({
      tier: 'basic',
      balance: p.body.balance_after,
      allocation: p.body.new_allocation,
      by_source: { rollover: p.body.carried, subscription: p.body.new_allocation },
    });
    expect((await subscription(org)).period_end).toBe(p.body.period_end_after);
    const expiry = (await api.call('GET', `/v1/orgs/${org}/transactions?type=expiry`)).body.data[0];
    expect(expiry.amount).toBe(-p.body.forfeited);
  });

  it('a cancel: back to Free at the period end, purchased credits kept, undone and redone as previewed', async () => {
    const org = await newOrg(api, { name: 'Cancel', tier: 'pro' });
    await spend(org, '720p', 10);
    await api.call('POST', `/v1/orgs/${org}/purchases`, { body: { pack: 'pack_50' } });
    const sub = await subscription(org);

    const p = await preview(org, { cancel: true });
    expect(p.body).toMatchObject({
      action: 'cancel',
      to_tier: 'free',
      immediate: false,
      effective_at: sub.period_end,
      balance_before: 90,
      carried: 0,
      forfeited: 40,
      new_allocation: 0,
      rollover_cap: 0,
      balance_after: 50,
      period_end_after: null,
      price: null,
    });
    // {tier: 'free'} is the same cancel.
    expect((await preview(org, { tier: 'free' })).body).toEqual(p.body);

    expect((await api.call('POST', `/v1/orgs/${org}/subscription/cancel`)).body).toMatchObject({
      cancel_at_period_end: true,
      pending_tier: 'free',
    });
    const undone = await api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'pro' } });
    expect(undone.body).toMatchObject({ tier: 'pro', cancel_at_period_end: false, pending_tier: null });

    await api.call('POST', `/v1/orgs/${org}/subscription/cancel`);
    await passPeriodEnd(sub.period_end);
    expect(await balance(org)).toMatchObject({
      tier: 'free',
      balance: p.body.balance_after,
      by_source: { subscription: 0, rollover: 0, purchase: 50 },
    });
    const expiry = (await api.call('GET', `/v1/orgs/${org}/transactions?type=expiry`)).body.data[0];
    expect(expiry.amount).toBe(-p.body.forfeited);
  });

  it('refuses a body with both or neither, a cancel without a paid plan; read access suffices', async () => {
    const org = await newOrg(api, { name: 'Refusals' });
    expectProblem(await preview(org, {}), 400, 'validation_failed');
    expectProblem(await preview(org, { tier: 'pro', cancel: true }), 400, 'validation_failed');
    expectProblem(await preview(org, { tier: 'gold' }), 400, 'validation_failed');
    expectProblem(await preview(org, { cancel: true }), 409, 'conflict');
    const reader = await newKey(api, org, ['read']);
    const r = await api.call('POST', `/v1/orgs/${org}/subscription/preview`, {
      key: reader,
      body: { tier: 'basic' },
    });
    expect(r.body).toMatchObject({
      action: 'upgrade',
      balance_before: 5,
      carried: 0,
      new_allocation: 20,
      balance_after: 25,
    });
    const spec = (await api.call('GET', '/openapi.json', { key: null })).body;
    expect(spec.paths['/v1/orgs/{org}/subscription/preview'].post).toBeDefined();
  });
});
