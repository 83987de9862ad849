/**
 * What SQLite's writer runs: ledger batches (batch-save.ts) and the store's other writes
 * (writes.ts), each as a procedure on one connection. It runs inside the writer thread
 * (sqlite-worker.ts) so the fsync of a commit and waits for the file's lock never block
 * the thread that serves HTTP, or inline for in-memory databases.
 */
import type Database from 'better-sqlite3';
import { type Catalog, DomainError } from '../core/index.ts';
import type { Op } from './batch.ts';
import type { Answer } from './batch-save.ts';
import { DEFAULT_PROJECTION, LoggedBatches, type ProjectionPolicy } from './logged-batches.ts';
import { SqliteDriver, sqliteDialect } from './sql-sqlite.ts';
import { StateCache } from './state-cache.ts';
import type { WriteResult } from './types.ts';
import { type WriteArgs, type WriteName, type WriteResultOf, writeProc } from './writes.ts';

export type { Answer } from './batch-save.ts';

/**
 * Writes that read what the projection writes, so the tail is projected before them: a new
 * webhook endpoint starts after the newest event, which must be in the events table.
 */
const PROJECTED_BEFORE = new Set<WriteName>(['createWebhookEndpoint']);

export class SqliteWriter {
  private readonly driver: SqliteDriver;
  private readonly logged: LoggedBatches;
  private timer: NodeJS.Timeout | null = null;
  /** The next slice of a projection the policy started, or null. */
  private nextSlice: NodeJS.Immediate | null = null;

  constructor(
    db: Database.Database,
    catalog: Catalog,
    cachedOrgs?: number,
    private readonly policy: ProjectionPolicy = DEFAULT_PROJECTION,
    /**
     * Told which orgs' operations are now projected, after each slice of a projection the
     * policy started ('all' when the tail is empty): the writer thread tells the main thread.
     */
    private readonly onProjected: (orgs: string[] | 'all') => void = () => {},
    onProjecting?: (from: number, to: number) => void,
  ) {
    this.driver = new SqliteDriver(db);
    this.logged = new LoggedBatches({
      d: sqliteDialect,
      cache: new StateCache(cachedOrgs),
      catalog,
      policy,
      ...(onProjecting ? { onProjecting } : {}),
    });
  }

  /** Commits a batch; an operation whose rule code throws fails alone and the rest commit without it. */
  commit(ops: Op[]): Answer[] {
    return this.driver.run(this.logged.commit(ops));
  }

  /** Operations committed and not yet projected. */
  get tailOps() {
    return this.logged.tailOps;
  }

  /**
   * Projects the whole tail, or replays another writer's: what reads, close and recovery
   * on open call. Cheap when there is nothing to do (one read of the log's marks).
   */
  project() {
    this.stopTimers();
    this.driver.run(this.logged.project());
  }

  /** Projects what the tail holds of one org (what a read of that org needs). */
  projectOrg(orgId: string) {
    this.driver.run(this.logged.projectOrgs([orgId]));
  }

  /** The log position of the last operation this writer committed. */
  get logHead() {
    return this.logged.logHead;
  }

  /**
   * Called once a commit's callers are answered: when the tail is due, starts projecting
   * it slice by slice, each slice a transaction of its own with the event loop's turn
   * between them (batches that arrive meanwhile commit in between); else arms a timer for
   * the tail's age. A slice that fails (the file stayed locked by another process) ends the
   * projection: nothing is lost, the next commit or read replays the log.
   */
  afterCommit() {
    if (this.nextSlice !== null || this.logged.tailOps === 0) return;
    if (this.logged.due(Date.now())) {
      this.slice();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.nextSlice === null && this.logged.tailOps > 0) this.slice();
    }, this.policy.maxMs);
    this.timer.unref();
  }

  private slice() {
    this.nextSlice = null;
    let more = false;
    try {
      const done = this.driver.run(this.logged.projectSlice());
      more = done.more;
      this.onProjected(this.logged.tailOps === 0 ? 'all' : done.orgs);
    } catch {
      // Nothing is lost: the tail is in the log, and the next transaction replays it.
    }
    if (more) this.nextSlice = setImmediate(() => this.slice());
  }

  private stopTimers() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.nextSlice) clearImmediate(this.nextSlice);
    this.nextSlice = null;
  }

  write<K extends WriteName>(name: K, args: WriteArgs<K>): WriteResultOf<K> {
    if (PROJECTED_BEFORE.has(name)) this.project();
    return this.driver.run(writeProc(sqliteDialect, name, args));
  }

  /** Stops the timers (the caller closes the connection after a last projection). */
  stop() {
    this.stopTimers();
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
