/**
 * Several instances on one PostgreSQL database run the scheduler at the same moment:
 * every renewal, outbox event, webhook delivery and auto top-up payment happens exactly
 * once (claims with FOR UPDATE SKIP LOCKED and leases; the ledger's own renewal is once
 * per org and period).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/app/clock.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { runCommand } from '../../src/app/ledger.ts';
import { createWebhookEndpoint } from '../../src/app/notifications.ts';
import { runScheduledWork } from '../../src/app/scheduler.ts';
import { defaultCatalog, type Purchase } from '../../src/core/index.ts';
import { isPublicEvent } from '../../src/notifications/events.ts';
import { developmentProvider } from '../../src/payments/development.ts';
import type { PaymentProvider } from '../../src/payments/provider.ts';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres.ts';
import { Receiver } from '../notifications/receiver.ts';
import { dropSchema, PG_URL, uniqueSchema } from '../store/dialects.ts';

const INSTANCES = 3;
const ORGS = 12;
const DAY = 86_400;

describe('the scheduler on several PostgreSQL instances', () => {
  const schema = uniqueSchema();
  const stores: PostgresStore[] = [];
  const clock = new ManualClock(Date.UTC(2026, 2, 3, 9));
  let rx: Receiver;
  let charges = 0;
  const counting: PaymentProvider = {
    ...developmentProvider,
    async chargeOffSession(orgId, p) {
      charges++;
      await new Promise((r) => setTimeout(r, 5)); // long enough for another instance to try the same job
      return developmentProvider.chargeOffSession(orgId, p);
    },
  };
  const depsOf = (store: PostgresStore): AppDeps => ({
    store,
    catalog: defaultCatalog,
    clock,
    payments: 'development',
    provider: counting,
    sessionTtlMs: 3600_000,
    notify: { mailer: null, webhookTimeoutMs: 5000, allowPrivateTargets: true },
  });

  beforeAll(async () => {
    rx = await new Receiver().start();
    for (let i = 0; i < INSTANCES; i++)
      stores.push(await openPostgresStore({ url: PG_URL, schema, poolSize: 4 }));
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await rx?.close();
    await dropSchema(schema);
  });

  it('runs every renewal, delivery and auto top-up exactly once', async () => {
    const deps = stores.map(depsOf);
    const d0 = deps[0]!;
    const orgs: string[] = [];
    for (let i = 0; i < ORGS; i++) {
      const id = `org_multi_${i}`;
      const r = await stores[0]!.createOrg({ id, name: `Multi ${i}`, tier: 'basic' }, { now: clock.now() });
      expect(r.ok).toBe(true);
      orgs.push(id);
      const ep = await createWebhookEndpoint(d0, id, { url: `${rx.url}/${id}`, events: ['*'] });
      rx.expect(`/${id}`, ep.secret);
    }
    clock.advance(31 * DAY); // every org's renewal is due
    // After the renewal each org holds 40; spending 32 drops it below 10, which requests a top-up.
    for (const id of orgs) {
      await runCommand(d0, id, {
        type: 'set_auto_topup',
        enabled: true,
        threshold: 10,
        pack: 'pack_20',
        monthly_max: 3,
      });
    }
    await Promise.all(
      orgs.map((id) =>
        runCommand(deps[1]!, id, {
          type: 'consume',
          usage: { tool: 'image.generate', operation: '8k', quantity: 8 },
        }),
      ),
    );

    const passes = await Promise.all([0, 1, 2].flatMap(() => deps.map((d) => runScheduledWork(d))));
    await Promise.all(deps.map((d) => runScheduledWork(d)));

    expect(charges).toBe(ORGS);
    const pool = stores[0]!.pool;
    for (const id of orgs) {
      const s = (await stores[2]!.getOrg(id, clock.now()))!;
      const topups = s.purchases.filter((p: Purchase) => p.auto_topup);
      expect(topups.map((p) => p.status)).toEqual(['completed']);
      const allocations = await pool.query(
        `SELECT count(*)::int AS n FROM transactions WHERE org_id = $1 AND type = 'allocation'`,
        [id],
      );
      expect(allocations.rows[0].n).toBe(2); // at creation and at the one renewal
    }
    const pending = await pool.query('SELECT count(*)::int AS n FROM events WHERE NOT dispatched');
    expect(pending.rows[0].n).toBe(0);
    // Each public event after the endpoint's creation reached its endpoint exactly once.
    const events = await pool.query(
      `SELECT e.seq, e.org_id, e.type FROM events e JOIN webhook_endpoints w ON w.org_id = e.org_id WHERE e.seq > w.after_seq ORDER BY e.seq`,
    );
    const expected = events.rows.filter((e) => isPublicEvent(e.type)).map((e) => `evt_${e.seq}`);
    const got = rx.received.map((r) => r.data.event_id as string);
    expect(got.length).toBe(expected.length);
    expect(new Set(got)).toEqual(new Set(expected));
    expect(new Set(rx.received.map((r) => r.id)).size).toBe(got.length);
    expect(rx.received.every((r) => r.verified)).toBe(true);
    const jobs = await pool.query(`SELECT status, count(*)::int AS n FROM jobs GROUP BY status`);
    expect(jobs.rows).toEqual([{ status: 'succeeded', n: expected.length + ORGS }]);
    expect(passes.reduce((n, p) => n + p.auto_topups, 0)).toBe(ORGS);
    expect(await stores[1]!.verify()).toEqual([]);
  });
});
