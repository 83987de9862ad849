/**
 * A year on the test clock, one scheduler pass a day, across orgs of every tier: renewals
 * and rollover caps, Stripe Checkout purchases with duplicated webhooks, a refund, an
 * upgrade, a downgrade, a cancellation, auto top-ups (and one refused by the monthly
 * maximum), two restarts and a week of downtime that the first pass after it catches up.
 * It ends with exactly the balances, log and events worked out by hand below, each
 * webhook delivered once, and verify passing.
 *
 * The hand computation (periods run from the 1st at 12:00 UTC, except U's from Mar 15):
 *  F free: 5; uses 3 (Jan 10) → 2; buys pack_20 (Feb 10) → 22; uses 20 (Mar 10) → 2; uses 2
 *    (Jun 10) → 0, under the free tier's low-balance line of 1. End: 0.
 *  B basic (20, cap 40): uses 4 on the 15th. Carries 16, 32, then 40 from Apr 1 on
 *    (forfeit 8 on Apr 1, then 16 at each of 9 renewals). End: rollover 40 + subscription 20.
 *  P pro (50, cap 100): buys pack_50 (Jan 2) → 100; auto top-up below 20 with pack_20, once a
 *    period; uses 60 on the 20th, so the allocation is spent and the packs lose 10 a month:
 *    packs 40, 30, 20, 10→top-up 30 (Apr), 20, 10→30 (Jun), 20, 10→30 (Aug) then 16 more on
 *    Aug 25 → 14: under the line again, monthly maximum reached (failed); Sep: 4 (under the
 *    low-balance line of 10) → 24; Oct 14 → 34; Nov 24; Dec 14 → 34. End: 50 + 34.
 *  Z business (150, cap 300): uses 100 on the 10th: 50, then carries 50, 100, 150, 200, 250;
 *    downgrade to pro on Jun 15 applies Jul 1: 300 unused, cap 100 → 200 expire; then uses 40
 *    on the 10th, carrying 100 and forfeiting 10 at each renewal. End: rollover 100 + 50.
 *  E enterprise (500, cap 200): uses 400 on the 5th: carries 100, 200, then 200 forfeiting 100
 *    each month from Apr 1; buys pack_100 (May 7), refunded by the operator (May 8). End: 200 + 500.
 *  U free → basic on Mar 15 (anchor moves) → cancelled Aug 10, Free again at Aug 15 (its 52
 *    subscription and rollover credits expire, the 5 free ones stay); uses 8 on the 20th from
 *    Mar to Jul; uses its last 5 on Oct 1. End: 0.
 *  Downtime Oct 26 – Nov 2: the Nov 1 renewals run late (at Nov 1, on Nov 3), and the
 *  `credits.forfeit_soon` of Oct 29 is never raised (its renewal had passed by then).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/app/clock.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { App } from '../../src/http/server.ts';
import { buildServer } from '../../src/main.ts';
import { Receiver } from '../notifications/receiver.ts';
import { StripeStandIn, stripeSettings } from '../payments/stripe-stand-in.ts';
import { type Harness, openHarness } from '../store/dialects.ts';

const ADMIN = 'year-admin-key-0123456789abcdef';
const DAY = 86_400;
const at = (d: string) => Date.parse(`${d}T12:00:00Z`);
const T0 = at('2025-01-01');
const END = at('2026-01-01');
// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are read loosely in tests
type Obj = Record<string, any>;

describe('a year of credits', () => {
  let h: Harness;
  let stand: StripeStandIn;
  let rx: Receiver;
  let app: App | null = null;
  let now = T0;
  const config = () =>
    loadConfig({
      env: {},
      overrides: {
        admin_key: ADMIN,
        clock: 'manual',
        rate_limit: false,
        log_level: 'silent',
        ...stripeSettings(stand),
      },
    });

  async function up() {
    app = await buildServer({ config: config(), store: h.store, clock: new ManualClock(now), logger: false });
    await app.ready();
  }
  async function down() {
    await app!.close();
    app = null;
    await h.reopen();
  }
  async function call(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown): Promise<Obj> {
    const r = await app!.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${ADMIN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    if (r.statusCode >= 300) throw new Error(`${method} ${url} → ${r.statusCode} ${r.body}`);
    return r.json();
  }
  async function stripeWebhook(event: Obj) {
    const payload = JSON.stringify(event);
    const r = await app!.inject({
      method: 'POST',
      url: '/v1/webhooks/stripe',
      headers: { 'content-type': 'application/json', 'stripe-signature': stand.sign(payload) },
      payload,
    });
    expect(r.statusCode).toBe(200);
  }
  /** Buys a pack through Checkout; Stripe's notice arrives twice, then once more in another form. */
  async function buy(org: string, pack: string) {
    const p = await call('POST', `/v1/orgs/${org}/purchases`, { pack });
    const session = [...stand.sessions.values()].find((s) => s.metadata.purchase_id === p.id)!;
    const paid = stand.pay(session.id);
    const completed = stand.event('checkout.session.completed', paid);
    await stripeWebhook(completed);
    await stripeWebhook(completed);
    await stripeWebhook(stand.event('checkout.session.async_payment_succeeded', paid));
    return { purchase: p, paid };
  }
  const use = (org: string, operation: string, quantity: number) =>
    call('POST', `/v1/orgs/${org}/usage`, { tool: 'image.generate', operation, quantity });

  beforeAll(async () => {
    h = await openHarness('sqlite');
    stand = await new StripeStandIn().start();
    rx = await new Receiver().start();
  });
  afterAll(async () => {
    if (app) await app.close();
    await h?.cleanup();
    await stand?.close();
    await rx?.close();
  });

  it('ends with exactly the hand-computed balances, log and events', async () => {
    await up();
    const org: Record<string, string> = {};
    const create = async (key: string, body: Obj) => {
      org[key] = (await call('POST', '/v1/orgs', body)).id;
      const ep = await call('POST', `/v1/orgs/${org[key]}/webhook_endpoints`, {
        url: `${rx.url}/${key}`,
        events: ['*'],
      });
      rx.expect(`/${key}`, ep.secret);
    };
    await create('F', { name: 'Free Co' });
    await create('B', { name: 'Basic Co', tier: 'basic' });
    await create('P', { name: 'Pro Co', tier: 'pro' });
    await create('Z', { name: 'Business Co', tier: 'business' });
    await create('E', { name: 'Enterprise Co', tier: 'enterprise', allocation: 500, rollover_cap: 200 });
    await create('U', { name: 'Upgrader Co' });

    const actions: Record<string, () => Promise<unknown>> = {
      '2025-01-02': async () => {
        await buy(org.P!, 'pack_50');
        await call('PUT', `/v1/orgs/${org.P}/auto_topup`, { threshold: 20, pack: 'pack_20', monthly_max: 1 });
      },
      '2025-01-10': () => use(org.F!, '720p', 3),
      '2025-02-10': () => buy(org.F!, 'pack_20'),
      '2025-03-10': () => use(org.F!, '8k', 5),
      '2025-03-15': () => call('POST', `/v1/orgs/${org.U}/subscription`, { tier: 'basic' }),
      '2025-05-07': () => buy(org.E!, 'pack_100'),
      '2025-05-08': async () => {
        const p = (await call('GET', `/v1/orgs/${org.E}/purchases`)).data[0];
        expect(await call('POST', `/v1/orgs/${org.E}/purchases/${p.id}/refund`, {})).toMatchObject({
          status: 'refunded',
          revoked: 100,
        });
        const pi = stand.refunds.at(-1)!.payment_intent;
        const refunded = stand.event('charge.refunded', stand.charge(pi));
        await stripeWebhook(refunded);
        await stripeWebhook(refunded);
      },
      '2025-06-10': () => use(org.F!, '720p', 2),
      '2025-06-15': () => call('POST', `/v1/orgs/${org.Z}/subscription`, { tier: 'pro' }),
      '2025-08-10': () => call('POST', `/v1/orgs/${org.U}/subscription/cancel`, {}),
      '2025-08-25': () => use(org.P!, '8k', 4),
      '2025-10-01': () => use(org.U!, '720p', 5),
    };
    const monthly = async (day: number, month: number) => {
      if (day === 5) await use(org.E!, '8k', 100);
      if (day === 10) await use(org.Z!, '8k', month <= 6 ? 25 : 10);
      if (day === 15) await use(org.B!, '8k', 1);
      if (day === 20) {
        await use(org.P!, '8k', 15);
        if (month >= 3 && month <= 7) await use(org.U!, '8k', 2);
      }
    };

    const downtime = [at('2025-10-26'), at('2025-11-03')];
    const restarts = new Set([at('2025-04-01'), at('2025-09-15')]);
    while (now < END) {
      now += DAY * 1000;
      if (now === downtime[0]) await down();
      if (now >= downtime[0]! && now < downtime[1]!) continue;
      if (restarts.has(now)) await down();
      if (!app) await up();
      else await call('POST', '/v1/admin/clock/advance', { seconds: DAY });
      expect((await call('GET', '/v1/admin/clock')).now).toBe(new Date(now).toISOString());
      await call('POST', '/v1/admin/renewals/run', {});
      const date = new Date(now).toISOString().slice(0, 10);
      const d = new Date(now);
      if (now < END) await monthly(d.getUTCDate(), d.getUTCMonth() + 1);
      await actions[date]?.();
    }
    await call('POST', '/v1/admin/renewals/run', {});

    // Balances.
    const expected: Record<string, Obj> = {
      F: { tier: 'free', balance: 0, by_source: { free: 0, purchase: 0, subscription: 0, rollover: 0 } },
      B: { tier: 'basic', balance: 60, by_source: { rollover: 40, subscription: 20 } },
      P: { tier: 'pro', balance: 84, by_source: { subscription: 50, purchase: 34, rollover: 0 } },
      Z: { tier: 'pro', balance: 150, by_source: { rollover: 100, subscription: 50 } },
      E: { tier: 'enterprise', balance: 700, by_source: { rollover: 200, subscription: 500, purchase: 0 } },
      U: { tier: 'free', balance: 0, by_source: { free: 0, subscription: 0, rollover: 0 } },
    };
    for (const [k, want] of Object.entries(expected)) {
      const b = await call('GET', `/v1/orgs/${org[k]}/balance`);
      expect({ k, ...b }).toMatchObject({ k, ...want, held: 0, available: want.balance });
    }

    // The log.
    const typesOf = async (id: string) => {
      const counts: Record<string, number> = {};
      let after: string | undefined;
      for (;;) {
        const page = await call(
          'GET',
          `/v1/orgs/${id}/transactions?limit=100${after ? `&starting_after=${after}` : ''}`,
        );
        for (const t of page.data) counts[t.type] = (counts[t.type] ?? 0) + 1;
        if (!page.has_more) return counts;
        after = page.next_cursor;
      }
    };
    expect(await typesOf(org.B!)).toEqual({ allocation: 13, rollover: 12, expiry: 10, usage: 12 });
    expect(await typesOf(org.P!)).toEqual({ allocation: 13, purchase: 7, usage: 13 });
    expect(await typesOf(org.Z!)).toEqual({ allocation: 13, rollover: 12, expiry: 7, usage: 12 });
    expect(await typesOf(org.E!)).toEqual({
      allocation: 13,
      rollover: 12,
      expiry: 10,
      usage: 12,
      purchase: 1,
      refund: 1,
    });
    expect(await typesOf(org.U!)).toEqual({ free_grant: 1, allocation: 5, rollover: 4, expiry: 2, usage: 6 });
    expect(await typesOf(org.F!)).toEqual({ free_grant: 1, purchase: 1, usage: 3 });
    const pPurchases = (await call('GET', `/v1/orgs/${org.P}/purchases?limit=100`)).data;
    expect(pPurchases.map((p: Obj) => `${p.pack}:${p.status}${p.auto_topup ? ':auto' : ''}`)).toEqual([
      ...Array(6).fill('pack_20:completed:auto'),
      'pack_50:completed',
    ]);

    // Events, as delivered to each org's webhook endpoint: each once, each signature valid.
    expect(rx.received.every((r) => r.verified)).toBe(true);
    expect(new Set(rx.received.map((r) => r.id)).size).toBe(rx.received.length);
    const events = (k: string) => {
      const counts: Record<string, number> = {};
      for (const r of rx.received) if (r.data.org_id === org[k]) counts[r.type] = (counts[r.type] ?? 0) + 1;
      return counts;
    };
    expect(events('F')).toEqual({ 'credits.granted': 1, 'purchase.completed': 1, 'credits.low_balance': 1 });
    expect(events('B')).toEqual({
      'credits.granted': 24,
      'subscription.renewed': 12,
      'credits.expired': 10,
      'credits.forfeit_soon': 9,
    });
    expect(events('P')).toEqual({
      'credits.granted': 19,
      'purchase.completed': 7,
      'subscription.renewed': 12,
      'auto_topup.succeeded': 6,
      'auto_topup.failed': 1,
      'credits.low_balance': 1,
    });
    expect(events('Z')).toEqual({
      'credits.granted': 24,
      'subscription.renewed': 11,
      'subscription.changed': 1,
      'credits.expired': 7,
      'credits.forfeit_soon': 6,
    });
    expect(events('E')).toEqual({
      'credits.granted': 25,
      'subscription.renewed': 12,
      'credits.expired': 10,
      'credits.forfeit_soon': 9,
      'purchase.completed': 1,
      'purchase.refunded': 1,
    });
    expect(events('U')).toEqual({
      'credits.granted': 9,
      'subscription.changed': 2,
      'subscription.renewed': 4,
      'credits.expired': 2,
      'credits.forfeit_soon': 2,
      'credits.low_balance': 1,
    });
    // The forfeited amounts the alerts announced are the ones that then expired.
    const zForfeits = rx.received.filter((r) => r.data.org_id === org.Z && r.type === 'credits.forfeit_soon');
    expect(zForfeits.map((r) => r.data.amount)).toEqual([200, 10, 10, 10, 10, 10]);
    const uExpired = rx.received.filter((r) => r.data.org_id === org.U && r.type === 'credits.expired');
    expect(uExpired.map((r) => r.data.amount)).toEqual([8, 52]);

    expect(await h.store.verify()).toEqual([]);
  }, 90_000);
});
