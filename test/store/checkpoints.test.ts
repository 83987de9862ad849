/**
 * Checkpoints of a SQLite file: a thread of their own copies the WAL into the database
 * file, so no commit does it; if that thread dies, the connections take SQLite's default
 * back (a commit past 1,000 WAL pages checkpoints), so the WAL never grows without end.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.ts';

const dir = mkdtempSync(join(tmpdir(), 'amisi-checkpoints-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.UTC(2026, 10, 1);
const consume = {
  type: 'consume' as const,
  usage: { tool: 'image.generate', operation: '720p', quantity: 1 },
};
let files = 0;
const size = (path: string) => statSync(path).size;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `orgs` orgs with credits, then `rounds` concurrent consumes on each. */
async function write(store: SqliteStore, orgs: number, rounds: number) {
  const ids = Array.from({ length: orgs }, (_, i) => `org_c${i}`);
  await Promise.all(ids.map((id) => store.createOrg({ id, name: id, tier: 'free' }, { now: NOW })));
  await Promise.all(
    ids.map((id) => store.execute(id, { type: 'adjust', amount: 1000, reason: 'test' }, { now: NOW })),
  );
  for (let r = 0; r < rounds; r++)
    for (const res of await Promise.all(ids.map((id) => store.execute(id, consume, { now: NOW }))))
      expect(res.ok).toBe(true);
}

async function open(checkpointIntervalMs?: number) {
  const path = join(dir, `c-${files++}.db`);
  const store = await openSqliteStore({
    path,
    ...(checkpointIntervalMs !== undefined ? { checkpointIntervalMs } : {}),
  });
  return { store, path };
}

describe('checkpoints of a SQLite file', () => {
  it('are copied into the database file by their own thread, long before 1,000 WAL pages', async () => {
    const { store, path } = await open();
    try {
      expect(store.checkpointer).not.toBeNull();
      const before = size(path);
      await write(store, 50, 2); // a few hundred WAL pages: SQLite alone would not checkpoint yet
      await pause(300);
      expect(size(path)).toBeGreaterThan(before);
    } finally {
      await store.close();
    }
  });

  it('with checkpointIntervalMs 0, stay in the WAL until SQLite\u2019s own threshold', async () => {
    const { store, path } = await open(0);
    try {
      expect(store.checkpointer).toBeNull();
      const before = size(path);
      await write(store, 50, 2);
      await pause(300);
      expect(size(path)).toBe(before);
      expect(size(`${path}-wal`)).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('fall back to SQLite\u2019s default when the checkpointer thread dies', async () => {
    const { store, path } = await open(60_000); // the thread would not run again in this test
    try {
      await store.checkpointer!.terminate();
      await pause(50);
      const before = size(path);
      // Well past 1,000 WAL pages: a commit of the writer thread must checkpoint now. The
      // read makes the writer project the command log's tail (decision 0013): that commit
      // writes the charges' rows (a read about every org: one org's would project only its own).
      await write(store, 2000, 2);
      await store.openHoldsTotal();
      expect(size(path)).toBeGreaterThan(before);
      const wal = size(`${path}-wal`);
      expect(wal).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await store.close();
    }
  });
});
