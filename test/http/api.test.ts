/**
 * Every resource of ../shared/API.md over real HTTP and a real database, in both dialects:
 * the shapes it promises, the codes it refuses with, and idempotent replays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, DIALECTS, expectProblem, newOrg, startApi } from './harness.ts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const DAY = 24 * 3600;

describe.each(DIALECTS)('the API on %s', (dialect) => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('publishes the catalog: tiers, packs and image.generate operations', async () => {
    const r = await api.call('GET', '/v1/catalog', { key: null });
    expect(r.status).toBe(200);
    expect(r.body.tiers.map((t: { id: string }) => t.id)).toEqual([
      'free',
      'basic',
      'pro',
      'business',
      'enterprise',
    ]);
    expect(r.body.packs.map((p: { id: string }) => p.id)).toEqual([
      'pack_20',
      'pack_50',
      'pack_100',
      'pack_200',
    ]);
    expect(r.body.packs[0].price).toEqual({ amount: 999, currency: 'usd' });
    const ops = r.body.tools.find((t: { id: string }) => t.id === 'image.generate').operations;
    expect(ops.map((o: { id: string; credits: number }) => [o.id, o.credits])).toEqual([
      ['720p', 1],
      ['1080p', 2],
      ['4k', 3],
      ['8k', 4],
    ]);
    expect(Object.keys(r.body.tiers[1]).sort()).toEqual(
      ['allocation', 'id', 'name', 'price', 'price_per_credit', 'recurring', 'rollover_cap', 'team'].sort(),
    );
  });

  it('shows the price per credit of every tier and pack, in integer thousandths of a cent', async () => {
    const r = await api.call('GET', '/v1/catalog', { key: null });
    const per = (xs: { id: string; price_per_credit: { amount_milli: number } | null }[]) =>
      xs.map((x) => [x.id, x.price_per_credit?.amount_milli ?? null]);
    expect(per(r.body.packs)).toEqual([
      ['pack_20', 49_950],
      ['pack_50', 39_980],
      ['pack_100', 34_990],
      ['pack_200', 29_995],
    ]);
    expect(per(r.body.tiers)).toEqual([
      ['free', null],
      ['basic', 25_000],
      ['pro', 16_000],
      ['business', 10_000],
      ['enterprise', 7_000],
    ]);
    expect(r.body.packs[3].price_per_credit).toEqual({
      amount_milli: 29_995,
      currency: 'usd',
      display: '$0.29995',
    });
  });

  it('creates an org on Free holding 5 credits, and reads it back', async () => {
    const r = await api.call('POST', '/v1/orgs', { body: { name: 'Acme' } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ name: 'Acme', tier: 'free' });
    expect(r.body.id).toMatch(/^org_/);
    expect(r.body.created_at).toMatch(RFC3339);
    const got = await api.call('GET', `/v1/orgs/${r.body.id}`);
    expect(got.body).toEqual(r.body);
    const b = await api.call('GET', `/v1/orgs/${r.body.id}/balance`);
    expect(b.body).toEqual({
      balance: 5,
      available: 5,
      held: 0,
      by_source: { free: 5, subscription: 0, rollover: 0, purchase: 0, adjustment: 0 },
      tier: 'free',
      allocation: 0,
      rollover_cap: 0,
      period_start: null,
      period_end: null,
      forfeit_at_renewal: 0,
      overage_limit: 0,
      overage_used: 0,
    });
  });

  it('starts an org created on a paid tier with its first period and allocation', async () => {
    const org = await newOrg(api, { name: 'Paid', tier: 'pro' });
    const b = await api.call('GET', `/v1/orgs/${org}/balance`);
    expect(b.body).toMatchObject({ balance: 50, tier: 'pro', allocation: 50, rollover_cap: 100 });
    expect(b.body.period_start).toMatch(RFC3339);
    expect(b.body.period_end).toMatch(RFC3339);
    const ent = await newOrg(api, { name: 'Big', tier: 'enterprise', allocation: 700, rollover_cap: 50 });
    const e = await api.call('GET', `/v1/orgs/${ent}/balance`);
    expect(e.body).toMatchObject({ balance: 700, allocation: 700, rollover_cap: 50 });
  });

  it('charges usage at the catalog price and refuses what the org cannot afford with 402', async () => {
    const org = await newOrg(api);
    const r = await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '1080p', metadata: { prompt: 'a cat' } },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      type: 'usage',
      amount: -2,
      balance_after: 3,
      usage: { tool: 'image.generate', operation: '1080p', quantity: 1, metadata: { prompt: 'a cat' } },
    });
    expect(r.body.sources).toEqual([{ grant_id: expect.any(String), source: 'free', amount: 2 }]);
    expect(r.body.created_at).toMatch(RFC3339);
    const no = await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '8k' },
    });
    expectProblem(no, 402, 'insufficient_credits');
    expect(no.body).toMatchObject({ available: 3, required: 4 });
    const unknown = await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '16k' },
    });
    expectProblem(unknown, 400, 'validation_failed');
    expect(unknown.body.detail).toContain('operation');
    // A rule's refusal lists its field the way schema errors do.
    expect(unknown.body.errors).toEqual([{ field: unknown.body.field, message: unknown.body.detail }]);
    const zero = await api.call('POST', `/v1/orgs/${org}/adjustments`, {
      body: { amount: 0, reason: 'none' },
    });
    expectProblem(zero, 400, 'validation_failed');
    expect(zero.body.errors).toEqual([{ field: 'amount', message: 'amount must not be zero' }]);
  });

  it('quotes work without reserving anything', async () => {
    const org = await newOrg(api);
    const q = await api.call('POST', `/v1/orgs/${org}/quotes`, {
      body: {
        items: [
          { tool: 'image.generate', operation: '720p', quantity: 2 },
          { tool: 'image.generate', operation: '4k' },
        ],
      },
    });
    expect(q.status).toBe(200);
    expect(q.body).toEqual({
      total: 5,
      items: [
        { tool: 'image.generate', operation: '720p', quantity: 2, credits: 2 },
        { tool: 'image.generate', operation: '4k', quantity: 1, credits: 3 },
      ],
      available: 5,
      affordable: true,
      budget_ok: true,
    });
    const big = await api.call('POST', `/v1/orgs/${org}/quotes`, {
      body: { items: [{ tool: 'image.generate', operation: '8k', quantity: 2 }] },
    });
    expect(big.body).toMatchObject({ total: 8, affordable: false });
    expect((await api.call('GET', `/v1/orgs/${org}/balance`)).body.available).toBe(5);
  });

  it('holds, captures part of a hold, releases another, and refuses a second capture with 409', async () => {
    const org = await newOrg(api);
    const h = await api.call('POST', `/v1/orgs/${org}/holds`, { body: { amount: 4, ttl_seconds: 60 } });
    expect(h.status).toBe(201);
    expect(h.body).toMatchObject({ amount: 4, status: 'open' });
    expect(h.body.expires_at).toMatch(RFC3339);
    const bal = await api.call('GET', `/v1/orgs/${org}/balance`);
    expect(bal.body).toMatchObject({ balance: 5, held: 4, available: 1 });
    const open = await api.call('GET', `/v1/orgs/${org}/holds?status=open`);
    expect(open.body.data.map((x: { id: string }) => x.id)).toEqual([h.body.id]);
    const c = await api.call('POST', `/v1/orgs/${org}/holds/${h.body.id}/capture`, {
      body: { amount: 3, tool: 'image.generate', operation: '4k' },
    });
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ type: 'usage', amount: -3, balance_after: 2, hold_id: h.body.id });
    const again = await api.call('POST', `/v1/orgs/${org}/holds/${h.body.id}/capture`, {
      body: { tool: 'image.generate', operation: '4k' },
    });
    expectProblem(again, 409, 'hold_not_open');

    const h2 = await api.call('POST', `/v1/orgs/${org}/holds`, {
      body: { items: [{ tool: 'image.generate', operation: '1080p' }] },
    });
    expect(h2.body).toMatchObject({ amount: 2, status: 'open' });
    const rel = await api.call('POST', `/v1/orgs/${org}/holds/${h2.body.id}/release`);
    expect(rel.status).toBe(200);
    expect(rel.body).toMatchObject({ id: h2.body.id, status: 'released' });
    expect((await api.call('GET', `/v1/orgs/${org}/balance`)).body).toMatchObject({ balance: 2, held: 0 });
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/holds/${h2.body.id}/release`),
      409,
      'hold_not_open',
    );
    expectProblem(await api.call('POST', `/v1/orgs/${org}/holds/hold_nope/release`), 404, 'not_found');

    const both = await api.call('POST', `/v1/orgs/${org}/holds`, {
      body: { amount: 1, items: [{ tool: 'image.generate', operation: '720p' }] },
    });
    expectProblem(both, 400, 'validation_failed');
    const toomuch = await api.call('POST', `/v1/orgs/${org}/holds`, { body: { amount: 3 } });
    expectProblem(toomuch, 402, 'insufficient_credits');
  });

  it('releases a hold left open past its expiry', async () => {
    const org = await newOrg(api);
    const h = await api.call('POST', `/v1/orgs/${org}/holds`, { body: { amount: 2, ttl_seconds: 30 } });
    await api.call('POST', '/v1/admin/clock/advance', { body: { seconds: 31 } });
    const list = await api.call('GET', `/v1/orgs/${org}/holds`);
    expect(list.body.data[0]).toMatchObject({ id: h.body.id, status: 'expired' });
    expect((await api.call('GET', `/v1/orgs/${org}/balance`)).body).toMatchObject({ balance: 5, held: 0 });
  });

  it('upgrades now, downgrades and cancels at the period end', async () => {
    const org = await newOrg(api);
    const s0 = await api.call('GET', `/v1/orgs/${org}/subscription`);
    expect(s0.body).toEqual({
      tier: 'free',
      status: 'none',
      period_start: null,
      period_end: null,
      pending_tier: null,
      cancel_at_period_end: false,
    });
    expectProblem(await api.call('POST', `/v1/orgs/${org}/subscription/cancel`), 409, 'conflict');
    const up = await api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'pro' } });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ tier: 'pro', status: 'active', pending_tier: null });
    expect((await api.call('GET', `/v1/orgs/${org}/balance`)).body).toMatchObject({ balance: 55 });
    const down = await api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'basic' } });
    expect(down.body).toMatchObject({ tier: 'pro', pending_tier: 'basic' });
    const cancel = await api.call('POST', `/v1/orgs/${org}/subscription/cancel`);
    expect(cancel.body).toMatchObject({ tier: 'pro', cancel_at_period_end: true });
    const bad = await api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'platinum' } });
    expectProblem(bad, 400, 'validation_failed');
    expect(bad.body.detail).toContain('body.tier');
  });

  it('sells packs (completed at once by the development provider) and refunds them', async () => {
    const org = await newOrg(api);
    const p = await api.call('POST', `/v1/orgs/${org}/purchases`, { body: { pack: 'pack_20' } });
    expect(p.status).toBe(201);
    expect(p.body).toMatchObject({
      pack: 'pack_20',
      credits: 20,
      price: { amount: 999, currency: 'usd' },
      status: 'completed',
    });
    expect((await api.call('GET', `/v1/orgs/${org}/balance`)).body.by_source.purchase).toBe(20);
    const list = await api.call('GET', `/v1/orgs/${org}/purchases`);
    expect(list.body).toMatchObject({ has_more: false, next_cursor: null });
    expect(list.body.data.map((x: { id: string }) => x.id)).toEqual([p.body.id]);
    await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '8k', quantity: 2 },
    });
    const refund = await api.call('POST', `/v1/orgs/${org}/purchases/${p.body.id}/refund`);
    expect(refund.status).toBe(200);
    // 8 credits spent: 5 free first, then 3 purchased; 17 of the 20 remain to revoke.
    expect(refund.body).toMatchObject({ status: 'refunded', revoked: 17 });
    expect((await api.call('GET', `/v1/orgs/${org}/balance`)).body.balance).toBe(0);
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/purchases`, { body: { pack: 'pack_7' } }),
      400,
      'validation_failed',
    );

    // A purchase the provider never confirmed cannot be refunded.
    const pending = await api.store.execute(
      org,
      { type: 'purchase_create', pack: 'pack_50' },
      { now: Date.now() + DAY * 1000 },
    );
    expect(pending.ok).toBe(true);
    const id = (pending as { result: { id: string } }).result.id;
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/purchases/${id}/refund`),
      409,
      'purchase_not_refundable',
    );
    expectProblem(await api.call('POST', `/v1/orgs/${org}/purchases/pur_nope/refund`), 404, 'not_found');
  });

  it('reads one purchase by id, open or settled and archived, and none of another org', async () => {
    const org = await newOrg(api);
    const paid = await api.call('POST', `/v1/orgs/${org}/purchases`, { body: { pack: 'pack_20' } });
    const refunded = await api.call('POST', `/v1/orgs/${org}/purchases/${paid.body.id}/refund`);
    const pending = await api.store.execute(
      org,
      { type: 'purchase_create', pack: 'pack_50' },
      { now: Date.now() },
    );
    const pendingId = (pending as { result: { id: string } }).result.id;
    // Refunded: settled, so out of the org's state and read from the history table.
    const state = await api.store.getOrg(org, Date.now());
    expect(state!.purchases.map((x) => x.id)).toEqual([pendingId]);
    const one = await api.call('GET', `/v1/orgs/${org}/purchases/${paid.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(refunded.body);
    const open = await api.call('GET', `/v1/orgs/${org}/purchases/${pendingId}`);
    expect(open.body).toMatchObject({ id: pendingId, pack: 'pack_50', status: 'pending' });
    expectProblem(await api.call('GET', `/v1/orgs/${org}/purchases/pur_nope`), 404, 'not_found');
    const other = await newOrg(api);
    expectProblem(await api.call('GET', `/v1/orgs/${other}/purchases/${paid.body.id}`), 404, 'not_found');
    expectProblem(await api.call('GET', `/v1/orgs/org_nope/purchases/${paid.body.id}`), 404, 'not_found');
  });

  it('lets the operator adjust credits either way, never below zero', async () => {
    const org = await newOrg(api);
    const plus = await api.call('POST', `/v1/orgs/${org}/adjustments`, {
      body: { amount: 10, reason: 'goodwill' },
    });
    expect(plus.status).toBe(201);
    expect(plus.body).toMatchObject({
      type: 'adjustment',
      amount: 10,
      balance_after: 15,
      description: 'goodwill',
    });
    const minus = await api.call('POST', `/v1/orgs/${org}/adjustments`, {
      body: { amount: -3, reason: 'fix' },
    });
    expect(minus.body).toMatchObject({ amount: -3, balance_after: 12 });
    const over = await api.call('POST', `/v1/orgs/${org}/adjustments`, {
      body: { amount: -100, reason: 'x' },
    });
    expectProblem(over, 402, 'insufficient_credits');
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/adjustments`, { body: { amount: 0, reason: 'x' } }),
      400,
      'validation_failed',
    );
  });

  it('adds members (beyond the owner only on team tiers), projects and budgets that hold', async () => {
    const free = await newOrg(api);
    const owner = await api.call('POST', `/v1/orgs/${free}/members`, {
      body: { email: 'o@example.com', role: 'owner' },
    });
    expect(owner.status).toBe(201);
    expect(owner.body).toMatchObject({ email: 'o@example.com', role: 'owner' });
    const second = await api.call('POST', `/v1/orgs/${free}/members`, {
      body: { email: 'm@example.com', role: 'member' },
    });
    expectProblem(second, 409, 'tier_not_allowed');

    const org = await newOrg(api, { name: 'Team', tier: 'pro' });
    const m = await api.call('POST', `/v1/orgs/${org}/members`, {
      body: { email: 'Ann@Example.com', role: 'member' },
    });
    expect(m.body).toMatchObject({ email: 'ann@example.com', role: 'member' });
    expect(m.body.id).toMatch(/^mem_/);
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/members`, {
        body: { email: 'ann@example.com', role: 'admin' },
      }),
      409,
      'conflict',
    );
    const members = await api.call('GET', `/v1/orgs/${org}/members`);
    expect(members.body.data).toHaveLength(1);

    const p = await api.call('POST', `/v1/orgs/${org}/projects`, { body: { name: 'Launch' } });
    expect(p.status).toBe(201);
    expect(p.body).toMatchObject({ name: 'Launch' });
    expect((await api.call('GET', `/v1/orgs/${org}/projects`)).body.data).toHaveLength(1);

    const b = await api.call('PUT', `/v1/orgs/${org}/budgets`, {
      body: { scope: 'project', scope_id: p.body.id, limit: 5, enforcement: 'hard' },
    });
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({
      scope: 'project',
      scope_id: p.body.id,
      limit: 5,
      spent: 0,
      held: 0,
      remaining: 5,
    });
    const use = await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '4k', project_id: p.body.id, member_id: m.body.id },
    });
    expect(use.body.usage).toMatchObject({ project_id: p.body.id, member_id: m.body.id });
    const q = await api.call('POST', `/v1/orgs/${org}/quotes`, {
      body: { items: [{ tool: 'image.generate', operation: '4k' }], project_id: p.body.id },
    });
    expect(q.body).toMatchObject({ affordable: true, budget_ok: false });
    const refused = await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '4k', project_id: p.body.id },
    });
    expectProblem(refused, 402, 'budget_exceeded');
    expect(refused.body).toMatchObject({ budget_id: b.body.id, remaining: 2 });
    const list = await api.call('GET', `/v1/orgs/${org}/budgets`);
    expect(list.body.data[0]).toMatchObject({ id: b.body.id, spent: 3, remaining: 2 });
    const unknownMember = await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '720p', member_id: 'mem_nobody' },
    });
    expectProblem(unknownMember, 404, 'not_found');
    const memberBudgetOnFree = await api.call('PUT', `/v1/orgs/${free}/budgets`, {
      body: { scope: 'member', scope_id: owner.body.id, limit: 5, enforcement: 'soft' },
    });
    expectProblem(memberBudgetOnFree, 409, 'tier_not_allowed');
  });

  it('lists transactions newest first with filters, cursors and CSV', async () => {
    const org = await newOrg(api, { name: 'Log', tier: 'basic' });
    for (const op of ['720p', '1080p', '4k'])
      await api.call('POST', `/v1/orgs/${org}/usage`, { body: { tool: 'image.generate', operation: op } });
    const all = await api.call('GET', `/v1/orgs/${org}/transactions`);
    expect(all.body.data.map((t: { type: string }) => t.type)).toEqual([
      'usage',
      'usage',
      'usage',
      'allocation',
    ]);
    expect(all.body.data.map((t: { balance_after: number }) => t.balance_after)).toEqual([14, 17, 19, 20]);
    const usage = await api.call('GET', `/v1/orgs/${org}/transactions?type=usage&limit=2`);
    expect(usage.body.data).toHaveLength(2);
    expect(usage.body.has_more).toBe(true);
    const next = await api.call(
      'GET',
      `/v1/orgs/${org}/transactions?type=usage&limit=2&starting_after=${usage.body.next_cursor}`,
    );
    expect(next.body).toMatchObject({ has_more: false, next_cursor: null });
    expect(next.body.data).toHaveLength(1);
    const future = new Date(Date.now() + 400 * DAY * 1000).toISOString();
    const empty = await api.call('GET', `/v1/orgs/${org}/transactions?from=${future}`);
    expect(empty.body.data).toEqual([]);
    expectProblem(
      await api.call('GET', `/v1/orgs/${org}/transactions?from=yesterday`),
      400,
      'validation_failed',
    );
    expectProblem(await api.call('GET', `/v1/orgs/${org}/transactions?limit=101`), 400, 'validation_failed');
    expectProblem(await api.call('GET', `/v1/orgs/${org}/transactions?type=bogus`), 400, 'validation_failed');

    const csv = await api.call('GET', `/v1/orgs/${org}/transactions.csv?type=usage`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'id,created_at,type,amount,balance_after,sources,tool,operation,quantity,member_id,project_id,job_id,hold_id,purchase_id,description',
    );
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(',usage,-3,14,');

    const grants = await api.call('GET', `/v1/orgs/${org}/grants`);
    expect(grants.body.data[0]).toMatchObject({ source: 'subscription', amount: 20, remaining: 14 });
    expect(grants.body.data[0].expires_at).toMatch(RFC3339);
  });

  it('an unknown starting_after is refused with validation_failed naming the field', async () => {
    const org = await newOrg(api, { name: 'Cursors', tier: 'pro' });
    const other = await newOrg(api, { name: 'Elsewhere' });
    // 44 of Pro's 50 credits: a low-balance notification joins the subscription one.
    await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '8k', quantity: 11 },
    });
    const first = (await api.call('POST', `/v1/orgs/${org}/holds`, { body: { amount: 1 } })).body;
    const second = (await api.call('POST', `/v1/orgs/${org}/holds`, { body: { amount: 1 } })).body;
    await api.call('POST', `/v1/orgs/${org}/holds/${second.id}/release`);
    const foreignHold = (await api.call('POST', `/v1/orgs/${other}/holds`, { body: { amount: 1 } })).body;
    await api.call('POST', '/v1/admin/renewals/run');
    const txns = (await api.call('GET', `/v1/orgs/${org}/transactions`)).body.data;
    const foreignTxn = (await api.call('GET', `/v1/orgs/${other}/transactions`)).body.data[0];
    const notes = (await api.call('GET', `/v1/orgs/${org}/notifications`)).body.data;
    expect(notes).toHaveLength(2);

    const refused = async (list: string, cursor: string, item: string) => {
      const r = await api.call('GET', `/v1/orgs/${org}/${list}?starting_after=${cursor}`);
      expectProblem(r, 400, 'validation_failed');
      expect(r.body).toMatchObject({
        field: 'starting_after',
        detail: `starting_after: ${cursor} is not ${item}; pass the next_cursor of a previous page`,
      });
    };
    await refused('transactions', 'txn_nope', 'a transaction of this org');
    // Another org's log has the same sequence numbers: its ids are still not this org's.
    await refused('transactions', foreignTxn.id, 'a transaction of this org');
    await refused('transactions', txns[0].id.replace(/^txn_/, 'txx_'), 'a transaction of this org');
    await refused('holds', 'hold_nope', 'a hold of this org');
    await refused('holds', foreignHold.id, 'a hold of this org');
    await refused('notifications', 'ntf_nope', 'a notification of this org');
    await refused('notifications', txns[0].id, 'a notification of this org');

    // Known cursors page as before, also when the filter leaves the cursor's own item out.
    const after = await api.call(
      'GET',
      `/v1/orgs/${org}/transactions?type=allocation&starting_after=${txns[0].id}`,
    );
    expect(after.body.data.map((t: { type: string }) => t.type)).toEqual(['allocation']);
    const open = await api.call('GET', `/v1/orgs/${org}/holds?status=open&starting_after=${second.id}`);
    expect(open.body).toMatchObject({ data: [{ id: first.id, status: 'open' }], has_more: false });
    const older = await api.call('GET', `/v1/orgs/${org}/notifications?starting_after=${notes[0].id}`);
    expect(older.body.data.map((n: { id: string }) => n.id)).toEqual([notes[1].id]);
  });

  it('reports usage by tool, operation and day', async () => {
    const org = await newOrg(api, { name: 'Report', tier: 'basic' });
    for (const op of ['720p', '720p', '4k'])
      await api.call('POST', `/v1/orgs/${org}/usage`, { body: { tool: 'image.generate', operation: op } });
    const byOp = await api.call('GET', `/v1/orgs/${org}/reports/usage?group_by=operation`);
    expect(byOp.status).toBe(200);
    expect(byOp.body.total).toBe(5);
    expect(
      Object.fromEntries(
        byOp.body.rows.map((r: { key: string; credits: number; count: number }) => [
          r.key,
          [r.credits, r.count],
        ]),
      ),
    ).toEqual({ 'image.generate/720p': [2, 2], 'image.generate/4k': [3, 1] });
    const byTool = await api.call('GET', `/v1/orgs/${org}/reports/usage?group_by=tool`);
    expect(byTool.body.rows).toEqual([{ key: 'image.generate', credits: 5, count: 3 }]);
    const byDay = await api.call('GET', `/v1/orgs/${org}/reports/usage?group_by=day`);
    expect(byDay.body.total).toBe(5);
    expectProblem(
      await api.call('GET', `/v1/orgs/${org}/reports/usage?group_by=week`),
      400,
      'validation_failed',
    );
  });

  it('moves the test clock and runs due renewals, which show in the log', async () => {
    const org = await newOrg(api, { name: 'Renew', tier: 'basic' });
    await api.call('POST', `/v1/orgs/${org}/usage`, { body: { tool: 'image.generate', operation: '4k' } });
    const before = await api.call('GET', '/v1/admin/clock');
    expect(before.body.now).toMatch(RFC3339);
    const moved = await api.call('POST', '/v1/admin/clock/advance', { body: { seconds: 32 * DAY } });
    expect(Date.parse(moved.body.now) - Date.parse(before.body.now)).toBe(32 * DAY * 1000);
    const run = await api.call('POST', '/v1/admin/renewals/run');
    expect(run.status).toBe(200);
    expect(run.body.renewed).toBeGreaterThanOrEqual(1);
    const log = await api.store.listTransactions(org, { limit: 10 });
    expect(log.data.map((t) => t.type)).toEqual(['allocation', 'rollover', 'usage', 'allocation']);
    const b = await api.call('GET', `/v1/orgs/${org}/balance`);
    expect(b.body).toMatchObject({ balance: 37, by_source: { rollover: 17, subscription: 20 } });
    expect((await api.call('POST', '/v1/admin/renewals/run')).body.renewed).toBe(0);
    expectProblem(
      await api.call('POST', '/v1/admin/clock/advance', { body: { seconds: -5 } }),
      400,
      'validation_failed',
    );
  });

  it('replays an idempotent request, refuses a reused key with 422 and an in-flight one with 409', async () => {
    const org = await newOrg(api);
    const body = { tool: 'image.generate', operation: '720p' };
    const first = await api.call('POST', `/v1/orgs/${org}/usage`, { body, idem: 'charge-1' });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await api.call('POST', `/v1/orgs/${org}/usage`, { body, idem: 'charge-1' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await api.call('GET', `/v1/orgs/${org}/balance`)).body.balance).toBe(4);
    const other = await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { ...body, operation: '4k' },
      idem: 'charge-1',
    });
    expectProblem(other, 422, 'idempotency_key_reuse');

    // A refusal is replayed too, as the same refusal.
    const no = await api.call('POST', `/v1/orgs/${org}/holds`, { body: { amount: 99 }, idem: 'big' });
    expectProblem(no, 402, 'insufficient_credits');
    const noAgain = await api.call('POST', `/v1/orgs/${org}/holds`, { body: { amount: 99 }, idem: 'big' });
    expectProblem(noAgain, 402, 'insufficient_credits');
    expect(noAgain.headers.get('idempotent-replayed')).toBe('true');

    // Outside the ledger (org creation): the same, and 409 while the first request runs.
    const o1 = await api.call('POST', '/v1/orgs', { body: { name: 'Once' }, idem: 'org-once' });
    const o2 = await api.call('POST', '/v1/orgs', { body: { name: 'Once' }, idem: 'org-once' });
    expect(o2.headers.get('idempotent-replayed')).toBe('true');
    expect(o2.body.id).toBe(o1.body.id);
    expectProblem(
      await api.call('POST', '/v1/orgs', { body: { name: 'Twice' }, idem: 'org-once' }),
      422,
      'idempotency_key_reuse',
    );
    const now = Date.parse((await api.call('GET', '/v1/admin/clock')).body.now);
    await api.store.reserveIdempotency('orgs:admin', 'in-flight', 'x', now, now + 60_000);
    expectProblem(
      await api.call('POST', '/v1/orgs', { body: { name: 'Busy' }, idem: 'in-flight' }),
      409,
      'idempotency_key_in_use',
    );
    const badKey = await api.call('POST', `/v1/orgs/${org}/usage`, { body, idem: 'x'.repeat(256) });
    expectProblem(badKey, 400, 'validation_failed');
    expect(badKey.body.detail).toContain('idempotency-key');

    // Purchases: one key, one purchase, one grant.
    const p1 = await api.call('POST', `/v1/orgs/${org}/purchases`, {
      body: { pack: 'pack_20' },
      idem: 'buy',
    });
    const p2 = await api.call('POST', `/v1/orgs/${org}/purchases`, {
      body: { pack: 'pack_20' },
      idem: 'buy',
    });
    expect(p2.body).toMatchObject({ id: p1.body.id, status: 'completed' });
    expect(p2.headers.get('idempotent-replayed')).toBe('true');
    expect((await api.call('GET', `/v1/orgs/${org}/balance`)).body.by_source.purchase).toBe(20);
  });

  it('applies concurrent requests with one idempotency key exactly once', async () => {
    const org = await newOrg(api);
    const body = { tool: 'image.generate', operation: '720p' };
    const rs = await Promise.all(
      Array.from({ length: 8 }, () => api.call('POST', `/v1/orgs/${org}/usage`, { body, idem: 'race' })),
    );
    expect(rs.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(rs.map((r) => r.body.id)).size).toBe(1);
    expect(rs.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
    expect((await api.call('GET', `/v1/orgs/${org}/balance`)).body.balance).toBe(4);

    const orgs = await Promise.all(
      Array.from({ length: 6 }, () =>
        api.call('POST', '/v1/orgs', { body: { name: 'Race' }, idem: 'org-race' }),
      ),
    );
    const created = orgs.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    for (const r of orgs) if (r.status !== 201) expectProblem(r, 409, 'idempotency_key_in_use');
  });

  it('answers every malformed request with a problem+json naming what is wrong', async () => {
    const org = await newOrg(api);
    expectProblem(await api.call('GET', '/v1/nowhere'), 404, 'not_found');
    expectProblem(await api.call('GET', '/v1/orgs/org_doesnotexist/balance'), 404, 'not_found');
    expectProblem(
      await api.call('POST', `/v1/orgs/org_doesnotexist/usage`, {
        body: { tool: 'image.generate', operation: '720p' },
      }),
      404,
      'not_found',
    );
    const json = await api.call('POST', `/v1/orgs/${org}/usage`, {
      raw: '{"tool": "image.generate",',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(json, 400, 'validation_failed');
    expect(json.body.detail).toContain('JSON');
    const text = await api.call('POST', `/v1/orgs/${org}/usage`, {
      raw: 'tool=image.generate',
      headers: { 'content-type': 'text/plain' },
    });
    expectProblem(text, 415, 'unsupported_media_type');
    const big = await api.call('POST', `/v1/orgs/${org}/usage`, {
      raw: JSON.stringify({
        tool: 'image.generate',
        operation: '720p',
        metadata: { x: 'y'.repeat(100_000) },
      }),
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(big, 413, 'payload_too_large');
    const extra = await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '720p', colour: 'red' },
    });
    expectProblem(extra, 400, 'validation_failed');
    expect(extra.body.detail).toBe('body.colour is not a known field');
    const neg = await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '720p', quantity: -1 },
    });
    expect(neg.body.detail).toBe('body.quantity must be >= 1');
    const frac = await api.call('POST', `/v1/orgs/${org}/holds`, { body: { amount: 1.5 } });
    expect(frac.body.detail).toBe('body.amount must be an integer');
    const str = await api.call('POST', `/v1/orgs/${org}/holds`, { body: { amount: '2' } });
    expect(str.body.detail).toBe('body.amount must be an integer');
    const missing = await api.call('POST', `/v1/orgs/${org}/usage`, { body: { tool: 'image.generate' } });
    expect(missing.body.detail).toBe('body.operation is required');
    expect(missing.body.errors).toEqual([{ field: 'body.operation', message: 'is required' }]);
    const nested = await api.call('POST', `/v1/orgs/${org}/quotes`, {
      body: { items: [{ tool: 'image.generate', operation: '720p', quantity: 0 }] },
    });
    expect(nested.body.detail).toBe('body.items[0].quantity must be >= 1');
    const arr = await api.call('POST', `/v1/orgs/${org}/usage`, { body: [1, 2] });
    expectProblem(arr, 400, 'validation_failed');
    const none = await api.call('POST', `/v1/orgs/${org}/usage`);
    expect(none.body.detail).toBe('body.tool is required');
    expect((await api.call('GET', `/v1/orgs/${org}/balance`)).body.balance).toBe(5);
  });
});
