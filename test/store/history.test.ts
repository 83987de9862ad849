/**
 * Bounded org state (issue 14): closed grants, resolved holds and settled purchases leave
 * the org's state for the history table, and the lists read both, complete, on both
 * databases. The 10,000 resolved holds are written straight into the table (one statement),
 * as the store would have archived them: replaying 20,000 commands would test the machine.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Hold, OrgState, Purchase } from '../../src/core/index.ts';
import type { WriteResult } from '../../src/store/types.ts';
import { DIALECTS, type Harness, openHarness, PG_URL } from './dialects.ts';

const T0 = Date.UTC(2026, 0, 31, 12);
const img = (operation: string, quantity = 1) => ({ tool: 'image.generate', operation, quantity });
const ok = <T>(r: WriteResult): T => {
  if (!r.ok) throw r.error;
  return r.result as T;
};
const RESOLVED = 10_000;
/** Seqs of the inserted holds: far above any id the org mints in this test. */
const FIRST_SEQ = 1_000;

/** A resolved hold as core/archive.ts writes it, with the table's columns. */
function resolvedHold(i: number) {
  const seq = FIRST_SEQ + i;
  const status = i % 3 === 0 ? 'released' : 'captured';
  const hold: Hold = {
    id: `hold_a_${seq.toString(36).padStart(6, '0')}`,
    amount: 1,
    allocations: [],
    status,
    created_at: T0,
    expires_at: T0 + 60_000,
    resolved_at: T0 + 1,
    captured: status === 'captured' ? 1 : 0,
    member_id: null,
    project_id: null,
  };
  return {
    org_id: 'org_a',
    kind: 'hold',
    seq,
    id: hold.id,
    status,
    payment_id: null,
    body: JSON.stringify(hold),
  };
}

async function insertResolvedHolds(h: Harness) {
  const rows = Array.from({ length: RESOLVED }, (_, i) => resolvedHold(i));
  const sql = `INSERT INTO history (org_id, kind, seq, id, status, payment_id, body)
    SELECT org_id, kind, seq, id, status, payment_id, body FROM`;
  if (h.dialect === 'sqlite') {
    const db = new Database(h.location);
    db.prepare(
      `${sql} (SELECT value ->> 'org_id' AS org_id, value ->> 'kind' AS kind, value ->> 'seq' AS seq,
         value ->> 'id' AS id, value ->> 'status' AS status, value ->> 'payment_id' AS payment_id,
         value ->> 'body' AS body FROM json_each(?))`,
    ).run(JSON.stringify(rows));
    db.close();
  } else {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(
      `${sql.replace('INTO history', `INTO ${h.location}.history`)} json_to_recordset($1::json) AS r(org_id text,
         kind text, seq bigint, id text, status text, payment_id text, body text)`,
      [JSON.stringify(rows)],
    );
    await c.end();
  }
}

describe.each(DIALECTS)('org history on %s', (dialect) => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness(dialect);
    ok(await h.store.createOrg({ id: 'org_a', name: 'A', tier: 'basic' }, { now: T0 }));
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('keeps resolved holds out of the state and lists all 10,000 of them, newest first, page by page', async () => {
    const captured = ok<Hold>(
      await h.store.execute('org_a', { type: 'hold', amount: 2, ttl_seconds: 60 }, { now: T0 }),
    );
    ok(
      await h.store.execute(
        'org_a',
        { type: 'capture', hold_id: captured.id, usage: img('720p') },
        { now: T0 },
      ),
    );
    const open = ok<Hold>(
      await h.store.execute('org_a', { type: 'hold', amount: 3, ttl_seconds: 60 }, { now: T0 }),
    );
    const state = (await h.store.getOrg('org_a', T0)) as OrgState;
    expect(state.holds.map((x) => x.id)).toEqual([open.id]);
    await insertResolvedHolds(h);

    const seen: Hold[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await h.store.listHistory('org_a', 'hold', T0, {
        limit: 100,
        ...(cursor === undefined ? {} : { starting_after: cursor }),
      });
      seen.push(...page!.data);
      if (!page!.has_more) break;
      cursor = page!.next_cursor!;
    }
    expect(seen).toHaveLength(RESOLVED + 2);
    expect(new Set(seen.map((x) => x.id)).size).toBe(RESOLVED + 2);
    const seqs = seen.map((x) => Number.parseInt(x.id.slice(x.id.lastIndexOf('_') + 1), 36));
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    // The open hold (state) and the captured one (written by the batch) come last: they are the oldest.
    expect(seen.slice(-2).map((x) => [x.id, x.status])).toEqual([
      [open.id, 'open'],
      [captured.id, 'captured'],
    ]);

    const released = await h.store.listHistory('org_a', 'hold', T0, { limit: 10_000, status: 'released' });
    expect(released!.data).toHaveLength(Math.ceil(RESOLVED / 3));
    expect(released!.has_more).toBe(false);
    await expect(h.store.verify()).resolves.toEqual([]);
  }, 120_000);

  it('refuses a cursor that is no item of the list', async () => {
    await expect(
      h.store.listHistory('org_a', 'hold', T0, { limit: 10, starting_after: 'hold_a_zzzzzz' }),
    ).rejects.toMatchObject({ code: 'validation_failed', extra: { field: 'starting_after' } });
  });

  it('lists a spent pack and its grant from history, and still refunds it (nothing left to revoke)', async () => {
    const p = ok<Purchase>(
      await h.store.execute('org_a', { type: 'purchase_create', pack: 'pack_20' }, { now: T0 }),
    );
    ok(
      await h.store.execute(
        'org_a',
        { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' },
        { now: T0 + 1 },
      ),
    );
    // Spend everything: the basic allocation and the pack.
    const bal = (await h.store.getOrg('org_a', T0 + 2))!.grants.reduce((s, g) => s + g.remaining, 0);
    ok(await h.store.execute('org_a', { type: 'consume', amount: bal, usage: img('720p') }, { now: T0 + 2 }));
    const state = (await h.store.getOrg('org_a', T0 + 3))!;
    expect(state.purchases).toEqual([]);
    expect(state.grants).toEqual([]);
    const listed = await h.store.listHistory('org_a', 'purchase', T0 + 3, { limit: 10 });
    expect(listed!.data.map((x) => [x.id, x.status])).toEqual([[p.id, 'completed']]);
    const grants = await h.store.listHistory('org_a', 'grant', T0 + 3, { limit: 10 });
    expect(grants!.data.some((g) => g.purchase_id === p.id)).toBe(true);

    // A second confirmation of the same payment answers as before; another purchase cannot reuse it.
    ok(
      await h.store.execute(
        'org_a',
        { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' },
        { now: T0 + 4 },
      ),
    );
    const q = ok<Purchase>(
      await h.store.execute('org_a', { type: 'purchase_create', pack: 'pack_20' }, { now: T0 + 4 }),
    );
    const reuse = await h.store.execute(
      'org_a',
      { type: 'purchase_complete', purchase_id: q.id, payment_id: 'pay_1' },
      { now: T0 + 5 },
    );
    expect(reuse.ok ? null : reuse.error.code).toBe('conflict');

    const refunded = ok<Purchase>(
      await h.store.execute('org_a', { type: 'purchase_refund', purchase_id: p.id }, { now: T0 + 6 }),
    );
    expect(refunded).toMatchObject({ status: 'refunded', revoked: 0 });
    const after = await h.store.listHistory('org_a', 'purchase', T0 + 7, { limit: 10 });
    expect(after!.data.map((x) => [x.id, x.status])).toEqual([
      [q.id, 'pending'],
      [p.id, 'refunded'],
    ]);
    expect((await h.store.getOrg('org_a', T0 + 7))!.purchases.map((x) => x.id)).toEqual([q.id]);
    await expect(h.store.verify()).resolves.toEqual([]);
  });
});
