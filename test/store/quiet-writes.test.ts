/**
 * Writes on a quiet SQLite store: a lone write commits on the calling thread, on its own
 * connection, instead of in the writer thread; anything else still goes to the thread.
 * Both writers must agree on every org's state, and the lone one must never wait for a lock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { QUIET_MS } from '../../src/store/group-commit.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.ts';

const dir = mkdtempSync(join(tmpdir(), 'amisi-quiet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.UTC(2026, 10, 1);
const consume = {
  type: 'consume' as const,
  usage: { tool: 'image.generate', operation: '720p', quantity: 1 },
};
const quiet = () => new Promise((r) => setTimeout(r, QUIET_MS * 3));
let files = 0;

async function withStore(run: (store: SqliteStore, path: string) => Promise<void>) {
  const path = join(dir, `quiet-${files++}.db`);
  const store = await openSqliteStore({ path });
  try {
    await run(store, path);
  } finally {
    await store.close();
  }
}

async function available(store: SqliteStore, org: string) {
  const r = await store.execute(org, { type: 'tick' }, { now: NOW });
  if (!r.ok || !r.balance) throw new Error('no balance');
  return r.balance.available;
}

describe('writes on a quiet SQLite store', () => {
  it('commits a lone write on the calling thread and a batch in the writer thread, agreeing on every state', async () => {
    await withStore(async (store) => {
      await store.createOrg({ id: 'org_q', name: 'Quiet', tier: 'free' }, { now: NOW });
      await quiet();
      const lone = store.loneCommits;
      const one = await store.execute('org_q', consume, { now: NOW, idempotencyKey: 'k1' });
      expect(one).toMatchObject({ ok: true, balance: { available: 4 } });
      expect(store.loneCommits).toBe(lone + 1);
      // Three at once are a batch: the writer thread takes it, from the state the lone write left.
      const three = await Promise.all(
        [2, 3, 4].map((k) => store.execute('org_q', consume, { now: NOW, idempotencyKey: `k${k}` })),
      );
      expect(three.map((r) => r.ok && r.balance?.available)).toEqual([3, 2, 1]);
      expect(store.loneCommits).toBe(lone + 1);
      await quiet();
      // The thread still holds those three unprojected (decision 0013): a quiet write goes to
      // the thread rather than around its tail.
      const last = await store.execute('org_q', consume, { now: NOW, idempotencyKey: 'k5' });
      expect(last).toMatchObject({ ok: true, balance: { available: 0 } });
      expect(store.loneCommits).toBe(lone + 1);
      // A read projects the tail; then the lone connection writes again, and sees what the
      // thread wrote (its cached state is checked by version).
      await store.getOrg('org_q', NOW);
      await quiet();
      expect(await available(store, 'org_q')).toBe(0);
      expect(store.loneCommits).toBe(lone + 2);
      await quiet();
      const replay = await store.execute('org_q', consume, { now: NOW, idempotencyKey: 'k1' });
      expect(replay).toMatchObject({ ok: true, replayed: true });
      expect(await available(store, 'org_q')).toBe(0);
      expect(await store.verify()).toEqual([]);
    });
  });

  it('sends a quiet write to the writer thread when another connection holds the write lock', async () => {
    await withStore(async (store, path) => {
      await store.createOrg({ id: 'org_l', name: 'Locked', tier: 'free' }, { now: NOW });
      const other = new Database(path);
      try {
        other.exec('BEGIN IMMEDIATE');
        await quiet();
        const lone = store.loneCommits;
        const write = store.execute('org_l', consume, { now: NOW, idempotencyKey: 'locked' });
        // The calling thread is not held by the lock: a timer still fires on time while the
        // writer thread waits for it.
        const t0 = performance.now();
        await new Promise((r) => setTimeout(r, 20));
        expect(performance.now() - t0).toBeLessThan(200);
        await new Promise((r) => setTimeout(r, 80));
        other.exec('ROLLBACK');
        expect(await write).toMatchObject({ ok: true, balance: { available: 4 } });
        expect(store.loneCommits).toBe(lone);
      } finally {
        other.close();
      }
      expect(await store.verify()).toEqual([]);
    });
  });
});
