/**
 * The SQLite writer thread: owns the write connection and the cached org states, and
 * runs every write of the store (ledger batches, auth, outbox) strictly in the order the
 * main thread sends them. The main thread keeps serving requests (and reading through its
 * own connection) meanwhile, and never waits for the file's lock.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Catalog } from '../core/index.ts';
import type { Op } from './batch.ts';
import type { ProjectionPolicy } from './logged-batches.ts';
import { failureToWire, SqliteWriter, toWire } from './sqlite-writer.ts';
import type { WriteArgs, WriteName } from './writes.ts';

const { path, catalog, autocheckpoint, projection } = workerData as {
  path: string;
  catalog: Catalog;
  autocheckpoint: number;
  projection: ProjectionPolicy;
};
const db = new Database(path);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
// 0 while the checkpointer thread copies the WAL into the file (sqlite-checkpointer.ts).
db.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
// The main thread learns the tail's size with every answer and after every projection the
// policy started: it commits a lone write itself only when the tail is empty.
const writer = new SqliteWriter(db, catalog, undefined, projection, (orgs) =>
  parentPort!.postMessage({ tail: writer.tailOps, projected: orgs }),
);
// Recovery: the log after the projected mark (operations acknowledged before a crash) is
// replayed and projected before the first write is taken.
writer.project();
parentPort!.postMessage({ ready: true });

parentPort!.on(
  'message',
  (m: {
    id: number;
    ops?: Op[];
    project?: true;
    org?: string;
    write?: WriteName;
    args?: unknown[];
    close?: true;
    autocheckpoint?: number;
  }) => {
    if (m.autocheckpoint !== undefined) {
      db.pragma(`wal_autocheckpoint = ${m.autocheckpoint}`);
      return;
    }
    if (m.close) {
      // A clean stop leaves nothing to replay (and a newer build's rules never see this tail).
      try {
        writer.project();
      } finally {
        writer.stop();
        db.close();
      }
      parentPort!.postMessage({ id: m.id, closed: true });
      return;
    }
    try {
      if (m.write !== undefined)
        parentPort!.postMessage({ id: m.id, value: writer.write(m.write, m.args as WriteArgs<WriteName>) });
      else if (m.project) {
        if (m.org !== undefined) writer.projectOrg(m.org);
        else writer.project();
        const projected = writer.tailOps === 0 ? 'all' : m.org !== undefined ? [m.org] : 'all';
        parentPort!.postMessage({ id: m.id, value: null, tail: writer.tailOps, projected });
      } else {
        const answers = writer.commit(m.ops!).map(toWire);
        parentPort!.postMessage({ id: m.id, answers, tail: writer.tailOps, head: writer.logHead });
        writer.afterCommit();
      }
    } catch (e) {
      parentPort!.postMessage({ id: m.id, failure: failureToWire(e) });
    }
  },
);
