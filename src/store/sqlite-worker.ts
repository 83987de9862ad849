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
import { failureToWire, SqliteWriter, toWire } from './sqlite-writer.ts';
import type { WriteArgs, WriteName } from './writes.ts';

const { path, catalog, autocheckpoint } = workerData as {
  path: string;
  catalog: Catalog;
  autocheckpoint: number;
};
const db = new Database(path);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
// 0 while the checkpointer thread copies the WAL into the file (sqlite-checkpointer.ts).
db.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
const writer = new SqliteWriter(db, catalog);
parentPort!.postMessage({ ready: true });

parentPort!.on(
  'message',
  (m: {
    id: number;
    ops?: Op[];
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
      db.close();
      parentPort!.postMessage({ id: m.id, closed: true });
      return;
    }
    try {
      if (m.write !== undefined)
        parentPort!.postMessage({ id: m.id, value: writer.write(m.write, m.args as WriteArgs<WriteName>) });
      else parentPort!.postMessage({ id: m.id, answers: writer.commit(m.ops!).map(toWire) });
    } catch (e) {
      parentPort!.postMessage({ id: m.id, failure: failureToWire(e) });
    }
  },
);
