/**
 * GET /v1/orgs/{org}/insights over real HTTP and a real database, in both dialects: orgs
 * live through several billing periods on the test clock, then the advice, forecast,
 * efficiency and audit are read back. The maths itself is proved in src/core/insights.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, DIALECTS, expectProblem, newKey, newOrg, startApi, uniqueEmail } from './harness.ts';

const DAY = 86_400;

describe.each(DIALECTS)('insights on %s', (dialect) => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(async () => {
    await api?.close();
  });

  const now = async () => Date.parse((await api.call('GET', '/v1/admin/clock')).body.now);
  const advance = async (seconds: number) => {
    const r = await api.call('POST', '/v1/admin/clock/advance', { body: { seconds } });
    expect(r.status).toBe(200);
  };
  /** Moves the clock an hour past the org's period end (renewal happens on the next read). */
  const nextPeriod = async (org: string) => {
    const b = await api.call('GET', `/v1/orgs/${org}/balance`);
    await advance(Math.ceil((Date.parse(b.body.period_end) - (await now())) / 1000) + 3600);
  };
  const spend = async (org: string, credits: number, extra: Record<string, unknown> = {}) => {
    const r = await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '720p', quantity: credits, ...extra },
    });
    expect(r.status, r.text).toBe(201);
  };
  const buy = async (org: string, pack: string) => {
    const r = await api.call('POST', `/v1/orgs/${org}/purchases`, { body: { pack } });
    expect(r.status, r.text).toBe(201);
  };
  const insights = (org: string, query = '') => api.call('GET', `/v1/orgs/${org}/insights${query}`);

  it('advises Basic → Pro after three periods ≥50% over when Pro costs least, with what each option would have cost', async () => {
    const org = await newOrg(api, { name: 'Heavy', tier: 'basic' });
    for (const used of [35, 40, 32]) {
      await buy(org, 'pack_20');
      await spend(org, used);
      await nextPeriod(org);
    }
    const r = await insights(org);
    expect(r.status, r.text).toBe(200);
    const a = r.body.advice;
    expect(a.periods.map((p: { used: number }) => p.used)).toEqual([35, 40, 32]);
    expect(a).toMatchObject({ action: 'upgrade', tier: 'pro', tier_name: 'Pro' });
    expect(a.basis).toMatchObject({
      periods: 3,
      allocation: 20,
      periods_over_50: 3,
      typical_usage: 35,
      typical_overage_pct: 75,
      cheapest: { option: 'upgrade', tier: 'pro' },
    });
    expect(a.rule_of_thumb).toMatchObject({ guideline: 'heavy_overage', suggests: 'upgrade', agrees: true });
    expect(a.reason).toContain('You exceed the allocation of 20 by 75%');
    const cost = (tier: string) => a.costs.find((c: { tier: string }) => c.tier === tier);
    // Basic $5.00 × 3 + three 20-packs; Pro $8.00 × 3 (example prices).
    expect(cost('basic')).toMatchObject({ option: 'buy_packs', amount: { amount: 4497, currency: 'usd' } });
    expect(cost('pro')).toMatchObject({
      option: 'upgrade',
      tier_name: 'Pro',
      amount: { amount: 2400, currency: 'usd' },
      price_per_credit: { amount_milli: 16_000, currency: 'usd', display: '$0.16' },
      example: true,
    });
    expect(cost('basic').packs[0].price_per_credit).toMatchObject({ amount_milli: 49_950 });
    expect(cost('free')).toMatchObject({ option: 'downgrade', example: false, price_per_credit: null });
    expect(a.costs.map((c: { tier: string }) => c.tier)).toEqual([
      'basic',
      'free',
      'pro',
      'business',
      'enterprise',
    ]);

    // Ten days into the new period, five 4k tries of one prompt: the iterative way costs 7, not 15.
    await advance(10 * DAY);
    for (let i = 0; i < 5; i++)
      await spend(org, 1, { operation: '4k', quantity: 1, metadata: { prompt: 'a red fox, watercolour' } });
    await spend(org, 1, { operation: '1080p', quantity: 1 });
    const e = (await insights(org)).body;
    expect(e.efficiency).toMatchObject({
      actual: 15,
      iterative: 7,
      savings: 8,
      savings_pct: 53.3,
      groups: 1,
    });
    expect(e.efficiency.top[0]).toMatchObject({ by: 'prompt', key: 'a red fox, watercolour', savings: 8 });
    expect(e.audit.total).toBe(17);
    expect(
      e.audit.resolutions.map((x: { operation: string; share_pct: number }) => [x.operation, x.share_pct]),
    ).toEqual([
      ['4k', 88.2],
      ['1080p', 11.8],
    ]);
    expect(e.audit.resolutions[0].params).toEqual({ width: 3840, height: 2160 });

    // The forecast: 17 credits in the 14-day window; 33 − 17 = 16 left.
    const f = e.forecast;
    const b = (await api.call('GET', `/v1/orgs/${org}/balance`)).body;
    const t = await now();
    expect(f).toMatchObject({ used_in_window: 17, window_days: 14, burn_per_day: 1.21, available: 16 });
    expect(f.available).toBe(b.available);
    expect(f.period_end).toBe(b.period_end);
    expect(Date.parse(f.runs_out_at) - t).toBe(Math.floor((16 * 14 * DAY * 1000) / 17));
    expect(f.runs_out_before_renewal).toBe(Date.parse(f.runs_out_at) < Date.parse(f.period_end));
    expect(f.shortfall).toBe(Math.max(0, f.projected_use_until_renewal - f.available));
    expect(f.arriving_at_renewal).toBe(20);
    expect(f.last_year).toBeNull();
  });

  it('advises a team on Business that forfeits credits at renewal to move to Pro, keeping team access', async () => {
    const org = await newOrg(api, { name: 'Quiet team', tier: 'business' });
    const m = await api.call('POST', `/v1/orgs/${org}/members`, {
      body: { email: uniqueEmail(), role: 'member' },
    });
    expect(m.status).toBe(201);
    for (let i = 0; i < 4; i++) {
      await spend(org, 10);
      await nextPeriod(org);
    }
    // Business carries at most 300: 140, 280, then 120 and 140 forfeited at the last two renewals.
    const prj = await api.call('POST', `/v1/orgs/${org}/projects`, { body: { name: 'Launch' } });
    await spend(org, 10, { member_id: m.body.id, project_id: prj.body.id });
    const r = await insights(org);
    const a = r.body.advice;
    expect(a.periods.map((p: { forfeited: number }) => p.forfeited)).toEqual([0, 0, 120, 140]);
    expect(a).toMatchObject({ action: 'downgrade', tier: 'pro' });
    expect(a.basis).toMatchObject({ periods_forfeiting: 2, forfeited: 260 });
    expect(a.costs.map((c: { tier: string }) => c.tier)).toEqual(['business', 'pro', 'enterprise']);
    const b = (await api.call('GET', `/v1/orgs/${org}/balance`)).body;
    expect(r.body.forecast.forfeit_at_renewal).toBe(b.forfeit_at_renewal);
    expect(b.forfeit_at_renewal).toBe(140); // 300 + 150 − 10 over the cap of 300
    expect(r.body.audit.top_members.find((x: { key: string }) => x.key === m.body.id)).toMatchObject({
      credits: 10,
    });
    expect(r.body.audit.top_projects[0]).toMatchObject({ key: prj.body.id, credits: 10 });
  });

  it('shows which periods ran short and which forfeited, and plans a project the cheapest way', async () => {
    const org = await newOrg(api, { name: 'Seasonal', tier: 'basic' });
    // Basic: 20 a period, cap 40. Three quiet periods bank 15, 30, then 40 (5 forfeited); then a busy one.
    for (const used of [5, 5, 5, 70]) {
      if (used > 40) await buy(org, 'pack_20');
      await spend(org, used);
      await nextPeriod(org);
    }
    const s = (await insights(org)).body.seasonal;
    expect(s.periods.map((p: { used: number }) => p.used)).toEqual([5, 5, 5, 70]);
    expect(s.periods.map((p: { short: number }) => p.short)).toEqual([0, 0, 0, 10]);
    expect(s.periods.map((p: { forfeited: number }) => p.forfeited)).toEqual([0, 0, 5, 0]);
    expect(s.ran_short).toEqual([s.periods[3].start]);
    expect(s.forfeited).toEqual([s.periods[2].start]);
    expect(s.busiest).toBe(s.periods[3].start);
    expect(s.summary).toContain('ran short in');

    const by = new Date((await now()) + 40 * DAY * 1000).toISOString();
    const plan = (body: unknown, key?: string) =>
      api.call('POST', `/v1/orgs/${org}/insights/plan`, { body, ...(key ? { key } : {}) });
    const r = await plan({ credits: 200, by });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ credits: 200, by });
    expect(r.body.renewals).toHaveLength(1);
    const covering = r.body.options.filter((o: { option: string }) => o.option !== 'bank_rollover');
    const cheapest = Math.min(...covering.map((o: { cost: { amount: number } }) => o.cost.amount));
    expect(r.body.options[0].cost.amount).toBe(cheapest);
    expect(r.body.recommended).toBe(r.body.options[0].option);
    const up = r.body.options.find((o: { tier?: string }) => o.tier === 'business');
    expect(up).toMatchObject({
      option: 'upgrade_one_period',
      tier_name: 'Business',
      upgrade_at: r.body.renewals[0],
    });
    expect(Date.parse(up.downgrade_at)).toBeGreaterThan(Date.parse(up.upgrade_at));
    expect(
      r.body.options.find((o: { option: string }) => o.option === 'buy_packs').packs[0].price_per_credit,
    ).toBeTruthy();

    expectProblem(await plan({ credits: 0, by }), 400, 'validation_failed');
    expectProblem(await plan({ credits: 10, by: '2001-01-01T00:00:00Z' }), 400, 'validation_failed');
    expectProblem(await plan({ credits: 10, by, extra: 1 }), 400, 'validation_failed');
    const usageOnly = await newKey(api, org, ['usage']);
    expectProblem(await plan({ credits: 10, by }, usageOnly), 403, 'forbidden');
  });

  it('has nothing to advise a new Free org yet, and forecasts without a renewal', async () => {
    const org = await newOrg(api);
    await spend(org, 2);
    const r = await insights(org);
    expect(r.status).toBe(200);
    expect(r.body.advice).toMatchObject({
      action: 'stay',
      periods: [],
      costs: [], // no cost rows for periods that do not exist
      basis: { periods: 0, cheapest: null },
    });
    expect(r.body.forecast).toMatchObject({
      period_end: null,
      shortfall: 0,
      arriving_at_renewal: 0,
      used_in_window: 2,
      window_days: 1, // a one-day-old org's window is its first day
      available: 3,
      runs_out_before_renewal: false,
    });
    expect(typeof r.body.forecast.runs_out_at).toBe('string');
  });

  it('compares with the same period last year once the org is a year old', async () => {
    const org = await newOrg(api);
    await advance(10 * DAY);
    await spend(org, 3);
    await advance(360 * DAY);
    const r = await insights(org);
    expect(r.body.forecast.last_year).toMatchObject({ used: 3 });
    const ly = r.body.forecast.last_year;
    expect(Date.parse(ly.to)).toBeGreaterThan(Date.parse(ly.from));
    expect(r.body.advice).toMatchObject({ action: 'stay' }); // nothing used in the last six months
    expect(r.body.advice.periods).toHaveLength(6);
  });

  it('looks back over as many periods as asked, and refuses a count out of range', async () => {
    const org = await newOrg(api, { name: 'Short', tier: 'pro' });
    for (let i = 0; i < 3; i++) await nextPeriod(org);
    expect((await insights(org, '?periods=2')).body.advice.periods).toHaveLength(2);
    expectProblem(await insights(org, '?periods=0'), 400, 'validation_failed');
    expectProblem(await insights(org, '?periods=25'), 400, 'validation_failed');
    expectProblem(await insights(org, '?burn_window_days=91'), 400, 'validation_failed');
    expectProblem(await insights(org, '?color=red'), 400, 'validation_failed');
  });

  it('needs the read scope, and hides other orgs', async () => {
    const org = await newOrg(api);
    const other = await newOrg(api);
    const usageOnly = await newKey(api, org, ['usage']);
    const reader = await newKey(api, org, ['read']);
    expectProblem(await api.call('GET', `/v1/orgs/${org}/insights`, { key: usageOnly }), 403, 'forbidden');
    expect((await api.call('GET', `/v1/orgs/${org}/insights`, { key: reader })).status).toBe(200);
    expectProblem(await api.call('GET', `/v1/orgs/${other}/insights`, { key: reader }), 404, 'not_found');
    expectProblem(await api.call('GET', `/v1/orgs/${org}/insights`, { key: null }), 401, 'unauthorized');
    expectProblem(await insights('org_nope'), 404, 'not_found');
  });

  it('is described in /openapi.json', async () => {
    const doc = (await api.call('GET', '/openapi.json')).body;
    const op = doc.paths['/v1/orgs/{org}/insights'].get;
    expect(Object.keys(op.responses['200'].content['application/json'].schema.properties).sort()).toEqual([
      'advice',
      'audit',
      'efficiency',
      'forecast',
      'generated_at',
      'seasonal',
    ]);
    expect(doc.paths['/v1/orgs/{org}/insights/plan'].post).toBeTruthy();
  });
});
