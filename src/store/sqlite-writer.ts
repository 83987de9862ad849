/**
 * What SQLite's writer runs: ledger batches (batch-save.ts) and the store's other writes
 * (writes.ts), each as a procedure on one connection. It runs inside the writer thread
 * (sqlite-worker.ts) so the fsync of a commit and waits for the file's lock never block
 * the thread that serves HTTP, or inline for in-memory databases.
 */
import type Database from 'better-sqlite3';
import { type Catalog, DomainError } from '../core/index.ts';
import type { Op } from './batch.ts';
import { type Answer, commitBatch } from './batch-save.ts';
import { SqliteDriver, sqliteDialect } from './sql-sqlite.ts';
import { StateCache } from './state-cache.ts';
import type { WriteResult } from './types.ts';
import { type WriteArgs, type WriteName, type WriteResultOf, writeProc } from './writes.ts';

export type { Answer } from './batch-save.ts';

export class SqliteWriter {
  private readonly driver: SqliteDriver;
  private readonly cache: StateCache;

  constructor(
    db: Database.Database,
    private readonly catalog: Catalog,
    cachedOrgs?: number,
  ) {
    this.driver = new SqliteDriver(db);
    this.cache = new StateCache(cachedOrgs);
  }

  /** Commits a batch; an operation whose rule code throws fails alone and the rest commit without it. */
  commit(ops: Op[]): Answer[] {
    return this.driver.run(commitBatch({ d: sqliteDialect, cache: this.cache, catalog: this.catalog }, ops));
  }

  write<K extends WriteName>(name: K, args: WriteArgs<K>): WriteResultOf<K> {
    return this.driver.run(writeProc(sqliteDialect, name, args));
  }
}

/** Answers cross the thread boundary as plain data; DomainError and Error are rebuilt on arrival. */
export type WireAnswer =
  | { t: 'ok'; v: Extract<WriteResult, { ok: true }> }
  | {
      t: 'refused';
      code: DomainError['code'];
      message: string;
      extra: Record<string, unknown>;
      replayed: boolean;
    }
  | { t: 'failed'; message: string };

export function toWire(a: Answer): WireAnswer {
  if (a instanceof Error) return { t: 'failed', message: a.message };
  if (a.ok) return { t: 'ok', v: a };
  return {
    t: 'refused',
    code: a.error.code,
    message: a.error.message,
    extra: a.error.extra,
    replayed: a.replayed,
  };
}

export function fromWire(w: WireAnswer): Answer {
  if (w.t === 'ok') return w.v;
  if (w.t === 'failed') return new Error(w.message);
  const error = new DomainError(w.code, w.message, w.extra);
  error.replayed = w.replayed;
  return { ok: false, error, replayed: w.replayed };
}

/** A failed write as it crosses the thread boundary: its message and SQLite's error code. */
export interface WireFailure {
  message: string;
  code?: string;
}

export const failureToWire = (e: unknown): WireFailure => ({
  message: (e as Error)?.message ?? String(e),
  ...(typeof (e as { code?: unknown })?.code === 'string' ? { code: (e as { code: string }).code } : {}),
});

export function failureFromWire(f: WireFailure): Error {
  const e = new Error(f.message) as Error & { code?: string };
  if (f.code !== undefined) e.code = f.code;
  return e;
}
