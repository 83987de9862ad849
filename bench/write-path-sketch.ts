/**
 * A sketch, not the product: what the write path of docs/decisions/0007 would cost in
 * SQLite alone, against the raw loop of bench/store.ts in the same run. No rules run; the
 * rows have the sizes the ledger writes today.
 *
 *  - today:     per operation, the org state row, the transaction with its indexes, the
 *               idempotency record and the usage cell, all in the batch's transaction;
 *  - log only:  per operation, one appended command row (org, key, command, outcome);
 *  - log + projection: the same, plus every `every` batches the projection of what those
 *               batches did, written in sorted order in one transaction: the latest state of
 *               each org touched, the transactions, the idempotency records, the usage cells;
 *               then again with lean tables (log and keys keyed by org without a rowid, no
 *               time index); then with the projection written by a second thread, into the
 *               same file or into a second one.
 *
 * Run: npx tsx bench/write-path-sketch.ts   (SKETCH_OPS, SKETCH_EVERY, SKETCH_COMPACT=1)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tsWorker } from '../src/ts-worker.ts';
import { sqliteRaw } from './store.ts';
import { BODY, COMMAND, COMPACT, type LoggedOp, projector, STATE } from './write-path-projector.ts';

const OPS = Number(process.env.SKETCH_OPS ?? 61_440);
const EVERY = Number(process.env.SKETCH_EVERY ?? 16);
const BATCH = 1024;
const ORGS = 10_000;

function open(dir: string, name: string) {
  const db = new Database(join(dir, name));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}

/** Today's tables; `lean`: the log keyed (org, seq) without a rowid or a time index, keys likewise. */
function schema(db: Database.Database, lean = false) {
  const log = lean
    ? `CREATE TABLE transactions (org_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT, visible INTEGER,
         amount INTEGER, created_at INTEGER, member_id TEXT, project_id TEXT, body TEXT,
         PRIMARY KEY (org_id, seq)) WITHOUT ROWID;`
    : `CREATE TABLE transactions (org_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT, visible INTEGER,
         amount INTEGER, created_at INTEGER, member_id TEXT, project_id TEXT, body TEXT);
       CREATE UNIQUE INDEX transactions_seq ON transactions (org_id, seq);
       CREATE INDEX transactions_time ON transactions (org_id, created_at);`;
  const keys = lean
    ? `CREATE TABLE idempotency (org_id TEXT, key TEXT, fingerprint TEXT, status INTEGER, body TEXT,
         created_at INTEGER, PRIMARY KEY (org_id, key)) WITHOUT ROWID;`
    : `CREATE TABLE idempotency (org_id TEXT, key TEXT, fingerprint TEXT, status INTEGER, body TEXT, created_at INTEGER);
       CREATE UNIQUE INDEX idempotency_key ON idempotency (org_id, key);`;
  db.exec(`CREATE TABLE orgs (id TEXT PRIMARY KEY, version INTEGER, state TEXT);
    ${log}
    ${keys}
    CREATE TABLE usage_daily (org_id TEXT, day INTEGER, tool TEXT, operation TEXT, member_id TEXT,
      project_id TEXT, credits INTEGER, count INTEGER,
      PRIMARY KEY (org_id, day, tool, operation, member_id, project_id)) WITHOUT ROWID;
    CREATE TABLE commands (seq INTEGER PRIMARY KEY, org_id TEXT NOT NULL, key TEXT, command TEXT NOT NULL,
      outcome TEXT NOT NULL, at INTEGER NOT NULL);`);
  const ins = db.prepare('INSERT INTO orgs VALUES (?, 0, ?)');
  db.transaction(() => {
    for (let i = 0; i < ORGS; i++) ins.run(`org_b${i}`, STATE);
  })();
}

type Op = LoggedOp;

function ops(done: number): Op[] {
  return Array.from({ length: BATCH }, (_, j) => {
    const i = done + j;
    return { org: `org_b${i % ORGS}`, seq: Math.floor(i / ORGS) + 1, key: `k${i}`, at: 1_000 + i };
  });
}

function today(dir: string) {
  const db = open(dir, 'today.db');
  schema(db);
  const ver = db.prepare('SELECT version FROM orgs WHERE id = ?').pluck();
  const upd = db.prepare('UPDATE orgs SET version = version + 1, state = ? WHERE id = ?');
  const idq = db.prepare('SELECT body FROM idempotency WHERE org_id = ? AND key = ?');
  const idi = db.prepare('INSERT INTO idempotency VALUES (?, ?, ?, 200, ?, ?)');
  const txn = db.prepare(`INSERT INTO transactions VALUES (?, ?, 'usage', 1, -1, ?, NULL, NULL, ?)`);
  const use = db.prepare(`INSERT INTO usage_daily VALUES (?, 0, 'image.generate', '720p', '', '', 1, 1)
    ON CONFLICT DO UPDATE SET credits = credits + 1, count = count + 1`);
  const t = performance.now();
  for (let done = 0; done < OPS; done += BATCH)
    db.transaction(() => {
      for (const o of ops(done)) {
        idq.get(o.org, o.key);
        ver.get(o.org);
        upd.run(STATE, o.org);
        txn.run(o.org, o.seq, o.at, BODY);
        use.run(o.org);
        idi.run(o.org, o.key, COMMAND, '{"ok":true,"txn_ref":"t"}', o.at);
      }
    }).immediate();
  db.close();
  return OPS / ((performance.now() - t) / 1000);
}

function logged(dir: string, project: boolean, lean = false) {
  const db = open(dir, `log-${project}-${lean}.db`);
  schema(db, lean);
  const cmd = db.prepare('INSERT INTO commands (org_id, key, command, outcome, at) VALUES (?, ?, ?, ?, ?)');
  const projectNow = projector(db);
  let pending: Op[] = [];
  const t = performance.now();
  let batches = 0;
  for (let done = 0; done < OPS; done += BATCH) {
    const batch = ops(done);
    db.transaction(() => {
      for (const o of batch) cmd.run(o.org, o.key, COMMAND, '{"amount":-1,"balance_after":999}', o.at);
    }).immediate();
    if (project) {
      pending.push(...batch);
      if (++batches % EVERY === 0) {
        projectNow(pending);
        pending = [];
      }
    }
  }
  if (project && pending.length > 0) projectNow(pending);
  db.close();
  return OPS / ((performance.now() - t) / 1000);
}

/**
 * The log appended on this thread, the projection written by another thread, either into
 * the same file (the two take turns on SQLite's one writer lock) or into a second file
 * (two writers at once). The rate counts until the projection has caught up.
 */
async function threaded(dir: string, sameFile: boolean) {
  const logDb = open(dir, `threaded-${sameFile}.db`);
  schema(logDb);
  logDb.pragma('busy_timeout = 10000');
  const projPath = sameFile ? join(dir, `threaded-${sameFile}.db`) : join(dir, 'projection.db');
  if (!sameFile) schema(open(dir, 'projection.db'));
  const worker = tsWorker(new URL('./write-path-projector.ts', import.meta.url), { path: projPath });
  const answers: (() => void)[] = [];
  await new Promise<void>((resolve) => worker.once('message', () => resolve()));
  worker.on('message', () => answers.shift()?.());
  const send = (m: Op[] | null) =>
    new Promise<void>((resolve) => {
      answers.push(resolve);
      worker.postMessage(m);
    });
  const cmd = logDb.prepare(
    'INSERT INTO commands (org_id, key, command, outcome, at) VALUES (?, ?, ?, ?, ?)',
  );
  const projected: Promise<void>[] = [];
  let pending: Op[] = [];
  const t = performance.now();
  let batches = 0;
  for (let done = 0; done < OPS; done += BATCH) {
    const batch = ops(done);
    logDb
      .transaction(() => {
        for (const o of batch) cmd.run(o.org, o.key, COMMAND, '{"amount":-1,"balance_after":999}', o.at);
      })
      .immediate();
    pending.push(...batch);
    if (++batches % EVERY === 0) {
      projected.push(send(pending));
      pending = [];
      // Let the projection thread's answers in; the log never waits for them.
      await new Promise((r) => setImmediate(r));
    }
  }
  if (pending.length > 0) projected.push(send(pending));
  await Promise.all(projected);
  const rate = OPS / ((performance.now() - t) / 1000);
  await send(null);
  await worker.terminate();
  logDb.close();
  return rate;
}

const dir = mkdtempSync(join(tmpdir(), 'amisi-sketch-'));
try {
  const rawRate = sqliteRaw(join(dir, 'raw.db'), ORGS, OPS, BATCH);
  const rows = [
    ['raw loop (bench/store.ts baseline)', rawRate],
    ['today: every row per operation, in the batch', today(dir)],
    ['log only: one appended command row per operation', logged(dir, false)],
    [`log + projection every ${EVERY} batches, sorted`, logged(dir, true)],
    [`  the same, lean tables (no rowid, no time index)`, logged(dir, true, true)],
    ['  projection in a second thread, same file', await threaded(dir, true)],
    ['  projection in a second thread, second file', await threaded(dir, false)],
  ] as const;
  console.log(
    `${OPS} operations, batches of ${BATCH}, ${ORGS} orgs, synchronous=FULL${COMPACT ? ', compact rows' : ''}`,
  );
  for (const [name, rate] of rows)
    console.log(
      `${name.padEnd(52)} ${Math.round(rate).toLocaleString('en-US').padStart(9)} ops/s  ${(rate / rawRate).toFixed(2)} × raw`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
