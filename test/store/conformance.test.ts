import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMonths, balanceOf, type Hold, heldOf, type Transaction } from '../../src/core/index.ts';
import type { WriteResult } from '../../src/store/types.ts';
import { DIALECTS, type Harness, openHarness, PG_URL } from './dialects.ts';

const T0 = Date.UTC(2026, 0, 31, 12);
const img = (operation: string, quantity = 1) => ({ tool: 'image.generate', operation, quantity });
const ok = <T>(r: WriteResult): T => {
  if (!r.ok) throw r.error;
  return r.result as T;
};

describe.each(DIALECTS)('store conformance on %s', (dialect) => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness(dialect);
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('creates an org on Free with its 5 credits and persists it across a restart', async () => {
    ok(await h.store.createOrg({ id: 'org_free', name: 'Free Co', tier: 'free' }, { now: T0 }));
    const store = await h.reopen();
    const s = await store.getOrg('org_free', T0);
    expect(s && balanceOf(s)).toBe(5);
    expect((await store.createOrg({ id: 'org_free', name: 'again', tier: 'free' }, { now: T0 })).ok).toBe(
      false,
    );
  });

  it('charges, holds, captures and logs with balance_after, newest first, with cursor pagination', async () => {
    ok(await h.store.createOrg({ id: 'org_a', name: 'A', tier: 'basic' }, { now: T0 }));
    for (let i = 0; i < 5; i++)
      ok(await h.store.execute('org_a', { type: 'consume', usage: img('720p') }, { now: T0 + i }));
    const hold = ok<Hold>(
      await h.store.execute('org_a', { type: 'hold', amount: 4, ttl_seconds: 60 }, { now: T0 + 10 }),
    );
    ok(
      await h.store.execute(
        'org_a',
        { type: 'capture', hold_id: hold.id, amount: 3, usage: img('4k') },
        { now: T0 + 11 },
      ),
    );
    const page1 = await h.store.listTransactions('org_a', { limit: 3 });
    expect(page1.data.map((t) => [t.type, t.amount, t.balance_after])).toEqual([
      ['usage', -3, 12],
      ['usage', -1, 15],
      ['usage', -1, 16],
    ]);
    expect(page1.has_more).toBe(true);
    const page2 = await h.store.listTransactions('org_a', { limit: 10, starting_after: page1.next_cursor! });
    expect(page2.data.map((t) => t.balance_after)).toEqual([17, 18, 19, 20]);
    expect(page2.has_more).toBe(false);
    const allocations = await h.store.listTransactions('org_a', { limit: 10, type: 'allocation' });
    expect(allocations.data).toHaveLength(1);
    expect(await h.store.verify()).toEqual([]);
  });

  it('refuses a starting_after that is not a transaction of the org, with validation_failed naming the field', async () => {
    for (const id of ['org_a', 'org_b']) {
      ok(await h.store.createOrg({ id, name: id, tier: 'basic' }, { now: T0 }));
      ok(await h.store.execute(id, { type: 'consume', usage: img('720p') }, { now: T0 + 1 }));
    }
    const [usage, allocation] = (await h.store.listTransactions('org_a', { limit: 10 })).data;
    const [foreign] = (await h.store.listTransactions('org_b', { limit: 10 })).data;
    // The same seq in another org, or the right seq under another prefix, is no cursor here.
    for (const cursor of ['txn_nope', '', foreign!.id, usage!.id.replace(/^txn_/, 'txx_')]) {
      const refusal = await h.store.listTransactions('org_a', { limit: 10, starting_after: cursor }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(refusal).toMatchObject({ code: 'validation_failed', extra: { field: 'starting_after' } });
    }
    // The filter need not match the cursor: it only has to be in the org's log.
    const after = await h.store.listTransactions('org_a', {
      limit: 10,
      type: 'allocation',
      starting_after: usage!.id,
    });
    expect(after.data.map((t) => t.id)).toEqual([allocation!.id]);
  });

  it('replays an idempotent command once and refuses the key for a different command', async () => {
    ok(await h.store.createOrg({ id: 'org_i', name: 'I', tier: 'free' }, { now: T0 }));
    const cmd = { type: 'consume' as const, usage: img('1080p') };
    const first = await h.store.execute('org_i', cmd, { now: T0, idempotencyKey: 'k1' });
    const again = await h.store.execute('org_i', cmd, { now: T0 + 5, idempotencyKey: 'k1' });
    expect(first.ok && again.ok).toBe(true);
    expect(again.replayed).toBe(true);
    expect((again as { result: Transaction }).result.id).toBe((first as { result: Transaction }).result.id);
    const other = await h.store.execute(
      'org_i',
      { type: 'consume', usage: img('720p') },
      { now: T0, idempotencyKey: 'k1' },
    );
    expect(other.ok).toBe(false);
    expect(!other.ok && other.error.code).toBe('idempotency_key_reuse');
    const s = await h.store.getOrg('org_i', T0);
    expect(balanceOf(s!)).toBe(3);
    // A refusal is remembered too: replaying it does not suddenly succeed after a top-up.
    const refused = await h.store.execute(
      'org_i',
      { type: 'consume', usage: img('8k') },
      { now: T0, idempotencyKey: 'k2' },
    );
    expect(!refused.ok && refused.error.code).toBe('insufficient_credits');
    ok(await h.store.execute('org_i', { type: 'adjust', amount: 10, reason: 'top up' }, { now: T0 }));
    const replayed = await h.store.execute(
      'org_i',
      { type: 'consume', usage: img('8k') },
      { now: T0, idempotencyKey: 'k2' },
    );
    expect(!replayed.ok && replayed.error.code).toBe('insufficient_credits');
    expect(replayed.replayed).toBe(true);
  });

  it('allows exactly 500 of 1,000 concurrent 1-credit charges against 500 credits', async () => {
    ok(await h.store.createOrg({ id: 'org_c', name: 'C', tier: 'free' }, { now: T0 }));
    ok(await h.store.execute('org_c', { type: 'adjust', amount: 495, reason: 'load' }, { now: T0 }));
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        h.store.execute(
          'org_c',
          { type: 'consume', usage: img('720p') },
          { now: T0 + 1, idempotencyKey: `c${i}` },
        ),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(500);
    expect(results.filter((r) => !r.ok && r.error.code === 'insufficient_credits')).toHaveLength(500);
    const s = await h.store.getOrg('org_c', T0 + 1);
    expect(balanceOf(s!)).toBe(0);
    expect(await h.store.verify()).toEqual([]);
  });

  it('persists renewals a server catches up on, period by period', async () => {
    ok(await h.store.createOrg({ id: 'org_r', name: 'R', tier: 'basic' }, { now: T0 }));
    const later = addMonths(T0, 3) + 1;
    expect(await h.store.dueOrgs(later, 10)).toEqual(['org_r']);
    await h.store.catchUp('org_r', later);
    expect(await h.store.dueOrgs(later, 10)).toEqual([]);
    const s = await h.store.getOrg('org_r', later);
    expect(balanceOf(s!)).toBe(60);
    const log = await h.store.listTransactions('org_r', { limit: 100 });
    expect(log.data.filter((t) => t.type === 'allocation')).toHaveLength(4);
    expect(log.data[0]!.balance_after).toBe(60);
    expect(await h.store.verify()).toEqual([]);
  });

  it('filters the log by member, project and time, and sums usage by every grouping', async () => {
    ok(await h.store.createOrg({ id: 'org_t', name: 'T', tier: 'pro' }, { now: T0 }));
    const owner = ok<{ id: string }>(
      await h.store.execute('org_t', { type: 'add_member', email: 'o@x.io', role: 'owner' }, { now: T0 }),
    );
    const m = ok<{ id: string }>(
      await h.store.execute('org_t', { type: 'add_member', email: 'm@x.io', role: 'member' }, { now: T0 }),
    );
    const p = ok<{ id: string }>(
      await h.store.execute('org_t', { type: 'add_project', name: 'Launch' }, { now: T0 }),
    );
    const day = 86_400_000;
    ok(
      await h.store.execute(
        'org_t',
        { type: 'consume', usage: { ...img('720p', 3), member_id: m.id } },
        { now: T0 + 1000 },
      ),
    );
    ok(
      await h.store.execute(
        'org_t',
        { type: 'consume', usage: { ...img('4k'), project_id: p.id } },
        { now: T0 + day },
      ),
    );
    ok(
      await h.store.execute(
        'org_t',
        { type: 'consume', usage: { ...img('8k'), member_id: owner.id, project_id: p.id } },
        { now: T0 + 2 * day },
      ),
    );
    expect((await h.store.listTransactions('org_t', { limit: 10, member_id: m.id })).data).toHaveLength(1);
    expect((await h.store.listTransactions('org_t', { limit: 10, project_id: p.id })).data).toHaveLength(2);
    expect(
      (
        await h.store.listTransactions('org_t', {
          limit: 10,
          type: 'usage',
          from: T0 + day,
          to: T0 + 2 * day,
        })
      ).data,
    ).toHaveLength(1);
    expect(await h.store.usageReport('org_t', 'operation', null, null)).toEqual([
      { key: 'image.generate/8k', credits: 4, count: 1 },
      { key: 'image.generate/4k', credits: 3, count: 1 },
      { key: 'image.generate/720p', credits: 3, count: 3 },
    ]);
    expect(await h.store.usageReport('org_t', 'project', null, null)).toEqual([
      { key: p.id, credits: 7, count: 2 },
      { key: 'unassigned', credits: 3, count: 3 },
    ]);
    // A range that cuts days in half reads the edges from the log, exactly.
    expect(await h.store.usageReport('org_t', 'tool', T0 + 500, T0 + day + 1)).toEqual([
      { key: 'image.generate', credits: 6, count: 4 },
    ]);
    const byDay = await h.store.usageReport('org_t', 'day', null, null);
    expect(byDay.map((r) => r.key).sort()).toEqual(['2026-01-31', '2026-02-01', '2026-02-02']);
    expect(await h.store.membershipsByEmail('m@x.io')).toEqual([
      { org_id: 'org_t', member_id: m.id, email: 'm@x.io', role: 'member' },
    ]);
  });

  it('keeps held credits out of the balance equation until captured, across a restart', async () => {
    ok(await h.store.createOrg({ id: 'org_h', name: 'H', tier: 'free' }, { now: T0 }));
    ok(await h.store.execute('org_h', { type: 'hold', amount: 3, ttl_seconds: 60 }, { now: T0 }));
    const store = await h.reopen();
    const s = await store.getOrg('org_h', T0 + 1000);
    expect([balanceOf(s!), heldOf(s!)]).toEqual([5, 3]);
    const after = await store.getOrg('org_h', T0 + 61_000);
    expect(heldOf(after!)).toBe(0);
    expect(await store.verify()).toEqual([]);
  });

  it('keeps each org row’s next_due_at and open_holds equal to its state, and verify reports a row that disagrees', async () => {
    ok(await h.store.createOrg({ id: 'org_d', name: 'D', tier: 'basic' }, { now: T0 }));
    const consume = () => h.store.execute('org_d', { type: 'consume', usage: img('720p') }, { now: T0 + 5 });
    ok(await consume()); // neither column moves
    const hold = ok<Hold>(
      await h.store.execute('org_d', { type: 'hold', amount: 2, ttl_seconds: 600 }, { now: T0 + 6 }),
    );
    ok(await consume()); // one hold open, still
    expect(await h.store.openHoldsTotal()).toBe(1);
    ok(
      await h.store.execute(
        'org_d',
        { type: 'capture', hold_id: hold.id, amount: 1, usage: img('720p') },
        { now: T0 + 7 },
      ),
    );
    expect(await h.store.openHoldsTotal()).toBe(0);
    const later = addMonths(T0, 1) + 1;
    expect(await h.store.dueOrgs(later, 10)).toEqual(['org_d']);
    await h.store.catchUp('org_d', later); // next_due_at moves a month on
    expect(await h.store.dueOrgs(later, 10)).toEqual([]);
    ok(await h.store.execute('org_d', { type: 'consume', usage: img('720p') }, { now: later + 1 }));
    expect(await h.store.verify()).toEqual([]);

    // A row whose columns disagree with its state is a violation.
    const tamper = 'UPDATE orgs SET open_holds = 7, next_due_at = 1 WHERE id = ';
    if (dialect === 'sqlite') {
      const db = new Database(h.location);
      db.pragma('busy_timeout = 5000');
      db.prepare(`${tamper}?`).run('org_d');
      db.close();
    } else {
      const c = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${h.location}` });
      await c.connect();
      await c.query(`${tamper}$1`, ['org_d']);
      await c.end();
    }
    const found = await h.store.verify();
    expect(found.map((v) => [v.org_id, v.check])).toEqual([
      ['org_d', 'row_next_due_at'],
      ['org_d', 'row_open_holds'],
    ]);
  });

  it('records events in order in the outbox', async () => {
    ok(await h.store.createOrg({ id: 'org_e', name: 'E', tier: 'basic' }, { now: T0 }));
    const events = await h.store.events(0, 100);
    expect(events.map((e) => e.type)).toEqual(['credits.granted', 'subscription.changed']);
    expect(await h.store.events(events[1]!.seq, 10)).toEqual([]);
  });
});
