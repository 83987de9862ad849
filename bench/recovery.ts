/**
 * Recovery after a kill -9 (decision 0013): the operations acknowledged since the last
 * projection are only in the command log, and opening the store replays them through the
 * rules and projects their rows before it takes a write. Measured by writing the log a
 * crash leaves (N keyed consumes over 10,000 orgs after the projected mark) and timing the
 * open, for 1,000,000 operations and for the most the projection policy lets accumulate.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { balanceOf } from '../src/core/index.ts';
import { encodeOp, readMarks } from '../src/store/command-log.ts';
import { DEFAULT_PROJECTION } from '../src/store/logged-batches.ts';
import { SqliteDriver } from '../src/store/sql-sqlite.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { tempDir } from './lib.ts';
import type { Row } from './store.ts';

const NOW = Date.UTC(2026, 10, 1);
const ORGS = 10_000;
const consume = {
  type: 'consume' as const,
  usage: { tool: 'image.generate', operation: '720p', quantity: 1 },
};

async function seeded(path: string) {
  const store = await openSqliteStore({ path });
  const ids = Array.from({ length: ORGS }, (_, i) => `org_b${i}`);
  await Promise.all(ids.map((id) => store.createOrg({ id, name: id, tier: 'free' }, { now: NOW })));
  await Promise.all(
    ids.map((id) => store.execute(id, { type: 'adjust', amount: 10_000_000, reason: 'bench' }, { now: NOW })),
  );
  await store.close(); // projects everything: the log starts empty
}

/** Appends what a crash after `n` acknowledged consumes leaves in the log. */
function crashLeaves(path: string, n: number) {
  const db = new Database(path);
  const { projected } = new SqliteDriver(db).run(readMarks());
  const insert = db.prepare('INSERT INTO command_log (pos, org_id, at, op) VALUES (?, ?, ?, ?)');
  const chunk = 50_000;
  for (let done = 0; done < n; done += chunk)
    db.transaction(() => {
      for (let i = done; i < Math.min(n, done + chunk); i++) {
        const orgId = `org_b${i % ORGS}`;
        const op = {
          kind: 'exec' as const,
          orgId,
          cmd: consume,
          opts: { now: NOW + 1, idempotencyKey: `r${i}` },
        };
        insert.run(projected + 1 + i, orgId, NOW + 1, encodeOp(op));
      }
    })();
  db.close();
}

async function recover(dir: string, n: number) {
  const path = join(dir, `recovery-${n}.db`);
  await seeded(path);
  crashLeaves(path, n);
  const started = performance.now();
  const store = await openSqliteStore({ path });
  const seconds = (performance.now() - started) / 1000;
  // The replay did what the consumes would have: every org paid its share, verify agrees.
  const state = await store.getOrg('org_b0', NOW + 1);
  const expected = 10_000_005 - Math.ceil(n / ORGS);
  if (balanceOf(state!) !== expected) throw new Error(`org_b0 holds ${balanceOf(state!)}, not ${expected}`);
  await store.close();
  return seconds;
}

export async function recoveryBench(): Promise<Row[]> {
  const dir = tempDir('recovery');
  const big = Number(process.env.BENCH_RECOVERY_OPS ?? 1_000_000);
  // The most the policy lets build up: a tail at maxOps, plus the batch that crossed it.
  const bound = DEFAULT_PROJECTION.maxOps + 2048;
  try {
    const atBound = await recover(dir, bound);
    const all = await recover(dir, big);
    return [
      {
        name: `recovery after kill -9, ${big.toLocaleString('en-US')} consumes since the last projection`,
        value: all,
        unit: 's',
        note: `${Math.round(big / all).toLocaleString('en-US')} operations replayed and projected per second`,
      },
      {
        name: `recovery at the projection policy's bound, ${bound.toLocaleString('en-US')} consumes (target < 5 s)`,
        value: atBound,
        unit: 's',
        note: `policy: project every ${DEFAULT_PROJECTION.maxOps.toLocaleString('en-US')} operations or ${DEFAULT_PROJECTION.maxMs} ms`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
