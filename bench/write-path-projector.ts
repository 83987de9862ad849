/**
 * The projection step of bench/write-path-sketch.ts: what a batch of logged operations
 * becomes in the queryable tables, written sorted in one transaction. Used inline by the
 * sketch and, for the two-thread variants, inside a worker thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface LoggedOp {
  org: string;
  seq: number;
  key: string;
  at: number;
}

/**
 * SKETCH_COMPACT=1: the rows a compact design would write — a 60-byte transaction record,
 * a 16-byte digest in place of the command in idempotency records, and org states written
 * by one projection in four (checkpointed rarely, the command log covering the rest).
 */
export const COMPACT = process.env.SKETCH_COMPACT === '1';
export const STATE = 'x'.repeat(700);
export const BODY = 'y'.repeat(COMPACT ? 60 : 500);
export const COMMAND = COMPACT
  ? 'd'.repeat(16)
  : '{"type":"consume","usage":{"tool":"image.generate","operation":"720p","quantity":1}}';

export function projector(db: Database.Database) {
  const upd = db.prepare('UPDATE orgs SET version = version + 1, state = ? WHERE id = ?');
  const idi = db.prepare('INSERT INTO idempotency VALUES (?, ?, ?, 200, ?, ?)');
  const txn = db.prepare(`INSERT INTO transactions VALUES (?, ?, 'usage', 1, -1, ?, NULL, NULL, ?)`);
  const use = db.prepare(`INSERT INTO usage_daily VALUES (?, 0, 'image.generate', '720p', '', '', ?, ?)
    ON CONFLICT DO UPDATE SET credits = credits + excluded.credits, count = count + excluded.count`);
  let projections = 0;
  return (ops: LoggedOp[]) => {
    const withStates = !COMPACT || projections++ % 4 === 0;
    const sorted = ops.sort((a, b) => (a.org < b.org ? -1 : a.org > b.org ? 1 : a.seq - b.seq));
    const perOrg = new Map<string, number>();
    for (const o of sorted) perOrg.set(o.org, (perOrg.get(o.org) ?? 0) + 1);
    db.transaction(() => {
      if (withStates) for (const org of perOrg.keys()) upd.run(STATE, org);
      for (const o of sorted) txn.run(o.org, o.seq, o.at, BODY);
      for (const o of sorted)
        idi.run(o.org, o.key, COMMAND, COMPACT ? 't' : '{"ok":true,"txn_ref":"t"}', o.at);
      for (const [org, n] of perOrg) use.run(org, n, n);
    }).immediate();
  };
}

// In a worker: project what the log thread sends, answer when each batch is durable.
if (parentPort && workerData?.path) {
  const db = new Database(workerData.path as string);
  db.pragma('busy_timeout = 10000');
  db.pragma('synchronous = FULL');
  const project = projector(db);
  const port = parentPort;
  port.on('message', (ops: LoggedOp[] | null) => {
    if (ops === null) {
      db.close();
      port.postMessage('closed');
      return;
    }
    project(ops);
    port.postMessage('done');
  });
  port.postMessage('ready');
}
