/**
 * Receipts: an org's billing history lists every payment (pack purchases, plan charges,
 * refunds) newest first with a receipt each; owners, admins and `billing` keys read it,
 * members and other orgs do not; malformed ids and cursors are refused. Both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { developmentPaymentId } from '../../src/payments/development.ts';
import { type Api, DIALECTS, expectProblem, newKey, newOrg, startApi } from './harness.ts';
import { newTeam, type Person, type Team } from './sessions.ts';

describe.each(DIALECTS)('receipts on %s', (dialect) => {
  let api: Api;
  let team: Team;
  beforeAll(async () => {
    api = await startApi(dialect);
    team = await newTeam(api);
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  const advance = async (seconds: number) =>
    expect((await api.call('POST', '/v1/admin/clock/advance', { body: { seconds } })).status).toBe(200);
  const history = (org: string, as: Person['as'] | { key: string }, query = '') =>
    api.call('GET', `/v1/orgs/${org}/billing/history${query}`, as);
  const buy = async (org: string, as: Person['as'], pack = 'pack_50') => {
    const r = await api.call('POST', `/v1/orgs/${org}/purchases`, { ...as, body: { pack } });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('completed');
    const id = r.body.id as string;
    return { id, payment_id: developmentPaymentId(id) };
  };
  const price = async (kind: 'tiers' | 'packs', id: string) => {
    const c = await api.call('GET', '/v1/catalog', { key: null });
    return (c.body[kind] as { id: string; price: { amount: number; currency: string } }[]).find(
      (x) => x.id === id,
    )!.price;
  };

  it('lists a pack purchase, a plan charge and a refund newest first, each with a receipt', async () => {
    const { org, owner, admin } = team;
    const bought = await buy(org, owner.as);
    await advance(60);
    const up = await api.call('POST', `/v1/orgs/${org}/subscription`, {
      ...owner.as,
      body: { tier: 'business' },
    });
    expect(up.status).toBe(200);
    await advance(60);
    const refunded = await api.call('POST', `/v1/orgs/${org}/purchases/${bought.id}/refund`, { body: {} });
    expect(refunded.status).toBe(200);

    const r = await history(org, admin.as);
    expect(r.status).toBe(200);
    const pack = await price('packs', 'pack_50');
    const business = await price('tiers', 'business');
    const [refund, charge, purchase] = r.body.data;
    expect(r.body.data.map((e: { kind: string }) => e.kind)).toEqual([
      'refund',
      'plan_charge',
      'pack_purchase',
    ]);
    expect(purchase).toMatchObject({
      id: bought.payment_id,
      amount: pack.amount,
      currency: pack.currency,
      credits: 50,
      status: 'refunded',
      provider: 'development',
      receipt_url: `${api.config.public_url}/o/${org}/billing/receipts/${bought.payment_id}`,
    });
    expect(charge).toMatchObject({ amount: business.amount, credits: 150, status: 'succeeded' });
    expect(charge.description).toMatch(/^Business plan, \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d$/);
    expect(refund).toMatchObject({
      id: `rf_${bought.payment_id}`,
      amount: pack.amount,
      credits: 50,
      refund_of: bought.payment_id,
    });
    expect(Date.parse(refund.created_at)).toBeGreaterThan(Date.parse(charge.created_at));
    expect(r.body).toMatchObject({ has_more: false, next_cursor: null });

    const receipt = await api.call('GET', `/v1/orgs/${org}/billing/receipts/${bought.payment_id}`, owner.as);
    expect(receipt.status).toBe(200);
    expect(receipt.body).toMatchObject({
      buyer: { org_id: org },
      subtotal: pack.amount,
      total: pack.amount,
      currency: pack.currency,
      tax: { amount: 0 },
      line_items: [{ quantity: 1, unit_amount: pack.amount, amount: pack.amount, credits: 50 }],
      payment: { id: bought.payment_id, kind: 'pack_purchase' },
      provider_receipt_url: null,
    });
    expect(receipt.body.receipt_number).toMatch(/^AC-\d{8}-[0-9A-F]{8}$/);
    expect(receipt.body.payment_method).toMatch(/development/i);
  });

  it('records a plan charge once when the same upgrade is replayed', async () => {
    const org = await newOrg(api);
    const key = await newKey(api, org, ['billing']);
    const body = { tier: 'basic' };
    for (let i = 0; i < 2; i++)
      expect(
        (await api.call('POST', `/v1/orgs/${org}/subscription`, { key, body, idem: 'up-1' })).status,
      ).toBe(200);
    const r = await history(org, { key });
    expect(r.body.data.map((e: { kind: string }) => e.kind)).toEqual(['plan_charge']);
  });

  it('charges each paid period with the development provider: upgrades at once, renewals and scheduled downgrades at the period end, once', async () => {
    const org = await newOrg(api);
    const key = await newKey(api, org, ['billing']);
    const run = async () => expect((await api.call('POST', '/v1/admin/renewals/run')).status).toBe(200);
    const charges = async () =>
      (
        (await history(org, { key })).body.data as { kind: string; amount: number; created_at: string }[]
      ).filter((e) => e.kind === 'plan_charge');
    const change = async (tier: string) =>
      expect((await api.call('POST', `/v1/orgs/${org}/subscription`, { key, body: { tier } })).status).toBe(
        200,
      );
    const pro = await price('tiers', 'pro');
    const basic = await price('tiers', 'basic');
    await change('pro');
    await change('basic'); // scheduled for the period end: nothing charged now
    await run();
    expect((await charges()).map((c) => c.amount)).toEqual([pro.amount]);
    await advance(32 * 86_400);
    await run();
    await run();
    expect((await charges()).map((c) => c.amount)).toEqual([basic.amount, pro.amount]);
    await advance(31 * 86_400);
    await run();
    const all = await charges();
    expect(all.map((c) => c.amount)).toEqual([basic.amount, basic.amount, pro.amount]);
    const sub = (await api.call('GET', `/v1/orgs/${org}/subscription`)).body;
    expect(all[0]!.created_at).toBe(sub.period_start);
  });

  it("does not bill the operator's own plan changes (contracts)", async () => {
    const org = await newOrg(api);
    expect((await api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'pro' } })).status).toBe(
      200,
    );
    expect((await api.call('POST', '/v1/admin/renewals/run')).status).toBe(200);
    expect((await api.call('GET', `/v1/orgs/${org}/billing/history`)).body.data).toEqual([]);
  });

  it('pages through the history with the cursor, newest first, without gaps or repeats', async () => {
    const org = await newOrg(api);
    const key = await newKey(api, org, ['billing']);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.unshift((await buy(org, { key }, 'pack_20')).payment_id);
      if (i % 2 === 0) await advance(1); // some share a timestamp: the id breaks the tie
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const r = await history(org, { key }, `?limit=2${cursor ? `&starting_after=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.data.map((e: { id: string }) => e.id));
      cursor = r.body.next_cursor;
      expect(r.body.has_more).toBe(cursor !== null);
      if (!cursor) break;
    }
    expect(new Set(seen).size).toBe(5);
    const times = await history(org, { key }, '?limit=100');
    const created = times.body.data.map((e: { created_at: string }) => Date.parse(e.created_at));
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    expect(seen).toEqual(times.body.data.map((e: { id: string }) => e.id));
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it('lets owners, admins and billing keys read it, and refuses members and other scopes (403)', async () => {
    const { org, owner, admin, member } = team;
    const paid = (await history(org, owner.as)).body.data[0].id as string;
    expect((await history(org, admin.as)).status).toBe(200);
    expectProblem(await history(org, member.as), 403, 'forbidden');
    expectProblem(
      await api.call('GET', `/v1/orgs/${org}/billing/receipts/${paid}`, member.as),
      403,
      'forbidden',
    );
    for (const scopes of [['read'], ['usage'], ['admin']]) {
      const key = await newKey(api, org, scopes);
      expectProblem(await history(org, { key }), 403, 'forbidden');
      expectProblem(
        await api.call('GET', `/v1/orgs/${org}/billing/receipts/${paid}`, { key }),
        403,
        'forbidden',
      );
    }
    const billing = await newKey(api, org, ['billing']);
    expect((await api.call('GET', `/v1/orgs/${org}/billing/receipts/${paid}`, { key: billing })).status).toBe(
      200,
    );
    expectProblem(await history(org, { key: null }), 401, 'unauthorized');
  });

  it("answers 404 for another org's payment and for a payment that does not exist", async () => {
    const { org, owner } = team;
    const other = await newOrg(api);
    const otherKey = await newKey(api, other, ['billing']);
    const theirs = await buy(other, { key: otherKey }, 'pack_20');
    expectProblem(
      await api.call('GET', `/v1/orgs/${org}/billing/receipts/${theirs.payment_id}`, owner.as),
      404,
      'not_found',
    );
    expectProblem(
      await api.call('GET', `/v1/orgs/${org}/billing/receipts/devpay_nope`, owner.as),
      404,
      'not_found',
    );
    // Their org is not reached through ours, nor ours through their key.
    expectProblem(await history(org, { key: otherKey }), 404, 'not_found');
  });

  it('refuses malformed ids, limits and cursors (400), including another org’s payment as a cursor', async () => {
    const { org, owner } = team;
    const other = await newOrg(api);
    const otherKey = await newKey(api, other, ['billing']);
    const theirs = await buy(other, { key: otherKey }, 'pack_20');
    for (const q of [
      '?limit=0',
      '?limit=101',
      '?limit=two',
      '?starting_after=',
      '?starting_after=bad%20id',
      '?starting_after=devpay_nope',
      `?starting_after=${theirs.payment_id}`,
      '?since=yesterday',
    ])
      expectProblem(await history(org, owner.as, q), 400, 'validation_failed');
    for (const id of ['bad%20id', 'a'.repeat(101), '%E2%9C%93'])
      expectProblem(
        await api.call('GET', `/v1/orgs/${org}/billing/receipts/${id}`, owner.as),
        400,
        'validation_failed',
      );
  });
});
