/**
 * The embedded default: one SQLite file, WAL, `synchronous=FULL` (NORMAL can lose
 * acknowledged commits on power loss). better-sqlite3 is synchronous, so a batch runs
 * start to finish without yielding; requests that arrive meanwhile queue up and form the
 * next batch. Org states are cached in memory and checked against their row version at
 * the start of every batch, so another process (say `amisi renew`) may write the same file.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type Catalog, defaultCatalog } from '../core/index.ts';
import { tsWorker } from '../ts-worker.ts';
import type { Op } from './batch.ts';
import type { Answer } from './batch-save.ts';
import { readMarks } from './command-log.ts';
import type { Dialect } from './dialect.ts';
import { StoreError } from './errors.ts';
import { type BatchInfo, type GroupCommitOptions, QUIET_MS } from './group-commit.ts';
import { DEFAULT_PROJECTION, type ProjectionPolicy } from './logged-batches.ts';
import { LocalOrgChanges } from './org-changes.ts';
import type { Proc } from './sql.ts';
import { SqliteDriver, sqliteDialect } from './sql-sqlite.ts';
import { type Engine, SqlStore } from './sql-store.ts';
import {
  failureFromWire,
  fromWire,
  SqliteWriter,
  type WireAnswer,
  type WireFailure,
} from './sqlite-writer.ts';
import type { WriteArgs, WriteName, WriteResultOf } from './writes.ts';

const SQLITE_HEADER = 'SQLite format 3\u0000';
/** Org states the quiet-write connection keeps: lone writes touch few orgs at a time. */
const LONE_CACHED_ORGS = 1_000;
/** How often the checkpointer thread copies the WAL into the database file. */
export const CHECKPOINT_INTERVAL_MS = 50;
/** SQLite's own default: a commit that takes the WAL past this many pages checkpoints it. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1_000;

export interface SqliteOptions {
  path: string;
  /** Commit in a writer thread (default for files); false commits on the calling thread. */
  writerThread?: boolean;
  /**
   * With the writer thread: how often a checkpointer thread copies the WAL into the file,
   * so that no commit does (default CHECKPOINT_INTERVAL_MS). 0: SQLite's default, the
   * commit that takes the WAL past 1,000 pages checkpoints it.
   */
  checkpointIntervalMs?: number;
  catalog?: Catalog;
  batch?: Partial<GroupCommitOptions>;
  /** When the command log's tail is projected (decision 0013; default DEFAULT_PROJECTION). */
  projection?: Partial<ProjectionPolicy>;
  /**
   * Fault injection for the crash tests, with an inline writer only (a function cannot
   * cross to the writer thread): called inside each projection before its mark moves.
   */
  onProjecting?: (from: number, to: number) => void;
}

/** Resolves once a thread has posted its first message (it is ready), rejects if it fails first. */
function started(thread: Worker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    thread.once('message', () => resolve());
    thread.once('error', reject);
  });
}

/** Refuses, before SQLite touches it, a file that is not an SQLite database at all. */
function checkHeader(path: string) {
  if (!existsSync(path) || statSync(path).size === 0) return;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    if (n < 16 || buf.toString('latin1') !== SQLITE_HEADER)
      throw new StoreError(`${path} is not an SQLite database; refusing to use or overwrite it`);
  } finally {
    closeSync(fd);
  }
}

export async function openSqliteStore(options: SqliteOptions): Promise<SqliteStore> {
  if (options.path !== ':memory:') {
    mkdirSync(dirname(options.path), { recursive: true });
    checkHeader(options.path);
  }
  let db: Database.Database;
  try {
    db = new Database(options.path);
    db.pragma('busy_timeout = 5000');
    // Ownership is checked before anything writes: switching to WAL rewrites the header.
    const tables = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`)
      .pluck()
      .all() as string[];
    if (tables.length > 0 && !tables.includes('amisi_meta')) {
      db.close();
      throw new StoreError(
        `${options.path} belongs to another application (no amisi_meta table); refusing to touch it`,
      );
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError(
      `${options.path} cannot be opened as a database (${(e as Error).message}); it was left untouched`,
    );
  }
  const store = new SqliteStore(db, options);
  try {
    await store.migrate();
  } catch (e) {
    db.close();
    if (e instanceof StoreError) throw e;
    throw new StoreError(
      `the database file is damaged or unreadable (${(e as Error).message}); it was left untouched`,
    );
  }
  return store;
}

/**
 * Where SQLite runs the store's procedures: reads on the calling thread's connection
 * (WAL: a read never waits for a writer), every write — ledger batches, auth, outbox — in
 * the writer thread, in order (decision 0006), or inline for an in-memory database.
 */
class SqliteEngine implements Engine {
  readonly dialect: Dialect = sqliteDialect;
  readonly orgChanges = new LocalOrgChanges();
  readonly batchOptions: GroupCommitOptions;
  private readonly reader: SqliteDriver;
  private commitTo: ((ops: Op[], info: BatchInfo) => Promise<Answer[]>) | null = null;
  private writeTo: ((name: WriteName, args: unknown[]) => Promise<unknown>) | null = null;
  /**
   * Asks the writer to project the log's tail (its own, or another process's by replay),
   * or only what it holds of one org.
   */
  private projectTo: ((org?: string) => Promise<void>) | null = null;
  /** Operations the writer thread holds unprojected, as it last said. */
  private threadTail = 0;
  /** The log position of the writer's last commit, as it last said. */
  private writerHead = -1;
  /**
   * Orgs with committed operations the writer may not have projected yet: added when a
   * batch is answered (before its callers are), removed when the writer says it projected
   * them. A read of an org not in it needs no projection while no other writer appended.
   */
  private readonly pending = new Set<string>();
  private readonly projection: ProjectionPolicy;
  /** Writes committed on the calling thread because the store was quiet (see start). */
  loneCommits = 0;
  /** The thread that checkpoints the WAL, or null (tests stop it to see the fallback). */
  checkpointer: Worker | null = null;
  private closing = false;
  private closeCheckpointer: (() => Promise<void>) | null = null;
  private closeThread: (() => Promise<void>) | null = null;
  private closeLone: (() => void) | null = null;

  constructor(
    readonly db: Database.Database,
    private readonly options: SqliteOptions,
    private readonly catalog: Catalog,
  ) {
    this.reader = new SqliteDriver(db);
    this.projection = { ...DEFAULT_PROJECTION, ...options.projection };
    this.batchOptions = {
      maxBatch: options.batch?.maxBatch ?? 2048,
      maxQueue: options.batch?.maxQueue ?? 200_000,
      // The writer thread commits batches in order; two in flight keep it busy while
      // this thread answers the previous batch's callers.
      ordered: true,
      concurrency: 2,
      // Infinity turns the quiet path off (see group-commit.ts).
      quietMs: options.batch?.quietMs ?? QUIET_MS,
    };
  }

  /**
   * Reads what every acknowledged write changed: when the command log is ahead of its
   * projection (this process's tail, or another's), the writer projects it first. One read
   * of the log's marks when it is not.
   */
  async read<T>(proc: Proc<T>, org?: string): Promise<T> {
    const marks = this.reader.run(readMarks());
    if (marks.projected < marks.head) {
      if (!this.projectTo) throw new Error('the store is not open');
      // The log is ahead of the projection. If only this process's writer appended, a read
      // of one org waits for that org's rows alone, and not at all when it has none waiting.
      if (org === undefined || marks.head !== this.writerHead) await this.projectTo();
      else if (this.pending.has(org)) await this.projectTo(org);
    }
    return this.reader.run(proc);
  }

  /** What the writer says it projected: those orgs, or everything. */
  private projected(orgs: string[] | 'all') {
    if (orgs === 'all') this.pending.clear();
    else for (const o of orgs) this.pending.delete(o);
  }

  /** A batch the writer committed: its orgs may have operations waiting for the projection. */
  private committed(ops: Op[]) {
    for (const op of ops) this.pending.add(op.orgId);
  }

  /** Reads tables the projection never writes (accounts, sessions, keys, members), at once. */
  readDirect<T>(proc: Proc<T>): Promise<T> {
    try {
      return Promise.resolve(this.reader.run(proc));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async write<K extends WriteName>(name: K, ...args: WriteArgs<K>): Promise<WriteResultOf<K>> {
    if (!this.writeTo) throw new Error('the store is not open');
    return (await this.writeTo(name, args)) as WriteResultOf<K>;
  }

  async commit(ops: Op[], info: BatchInfo): Promise<Answer[]> {
    if (!this.commitTo) throw new Error('the store is not open');
    const answers = await this.commitTo(ops, info);
    this.announce(ops, answers);
    return answers;
  }

  /** Tells listeners which orgs a committed batch changed (one process: in memory). */
  private announce(ops: Op[], answers: Answer[]) {
    // The commit path pays nothing while no page listens.
    if (this.orgChanges.size === 0) return;
    const changed = new Set<string>();
    for (let i = 0; i < ops.length; i++) {
      const a = answers[i];
      if (a && !(a instanceof Error) && a.ok && !a.replayed) changed.add(ops[i]!.orgId);
    }
    for (const org of changed) this.orgChanges.emit(org);
  }

  /**
   * Starts the write path: a writer thread for a database file (so commits never block
   * this thread), or an inline writer for an in-memory database, which a thread cannot share.
   */
  async start() {
    const inline = this.options.path === ':memory:' || this.options.writerThread === false;
    if (inline) {
      const w = new SqliteWriter(
        this.db,
        this.catalog,
        undefined,
        this.projection,
        (orgs) => this.projected(orgs),
        this.options.onProjecting,
      );
      w.project(); // recovery: replays what a crash left unprojected
      this.commitTo = async (ops) => {
        const answers = w.commit(ops);
        this.writerHead = w.logHead;
        if (w.tailOps === 0) this.projected('all');
        else this.committed(ops);
        // After the callers have been answered (their continuations are microtasks).
        setImmediate(() => w.afterCommit());
        return answers;
      };
      this.writeTo = async (name, args) => w.write(name, args as WriteArgs<WriteName>);
      this.projectTo = async (org) => {
        if (org !== undefined) w.projectOrg(org);
        else w.project();
        if (org === undefined || w.tailOps === 0) this.projected('all');
        else this.projected([org]);
      };
      this.closeLone = () => {
        w.project();
        w.stop();
      };
      return;
    }
    // The two threads boot side by side: each loads its modules through tsx (≈ 0.3 s), and
    // the writer's start includes recovery. Whether the checkpointer runs is known before
    // it has started, so the writer is told its autocheckpoint at once.
    const checkpointing = this.startCheckpointer();
    const autocheckpoint = this.checkpointIntervalMs > 0 ? 0 : SQLITE_AUTOCHECKPOINT_PAGES;
    const thread = tsWorker(new URL('./sqlite-worker.ts', import.meta.url), {
      path: this.options.path,
      catalog: this.catalog,
      autocheckpoint,
      projection: this.projection,
    });
    const [cp, writer] = await Promise.allSettled([checkpointing, started(thread)]);
    if (cp.status === 'rejected' || writer.status === 'rejected') {
      if (cp.status === 'fulfilled') await cp.value?.terminate();
      await thread.terminate();
      throw cp.status === 'rejected' ? cp.reason : (writer as PromiseRejectedResult).reason;
    }
    const checkpointer = cp.value;
    this.checkpointer = checkpointer;
    thread.unref();
    const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
    let nextId = 0;
    const failAll = (e: Error) => {
      for (const w of waiting.values()) w.reject(e);
      waiting.clear();
    };
    thread.on(
      'message',
      (m: {
        id?: number;
        answers?: WireAnswer[];
        value?: unknown;
        failure?: WireFailure;
        closed?: true;
        tail?: number;
        projected?: string[] | 'all';
        head?: number;
      }) => {
        if (m.head !== undefined) this.writerHead = m.head;
        if (m.tail !== undefined) this.threadTail = m.tail;
        if (m.projected !== undefined) this.projected(m.projected);
        if (m.id === undefined) return;
        const w = waiting.get(m.id);
        if (!w) return;
        waiting.delete(m.id);
        if (m.failure !== undefined) w.reject(failureFromWire(m.failure));
        else if (m.answers !== undefined) w.resolve(m.answers.map(fromWire));
        else w.resolve(m.value);
      },
    );
    thread.on('error', (e) => failAll(e));
    thread.on('exit', (code) => failAll(new Error(`the SQLite writer thread stopped (exit ${code})`)));
    const send = (msg: {
      ops?: Op[];
      write?: WriteName;
      args?: unknown[];
      close?: true;
      project?: true;
      org?: string;
    }) =>
      new Promise<unknown>((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        thread.ref();
        thread.postMessage({ id, ...msg });
      }).finally(() => {
        if (waiting.size === 0) thread.unref();
      });
    this.writeTo = (write, args) => send({ write, args });
    this.projectTo = async (org) => {
      await send(org === undefined ? { project: true } : { project: true, org });
    };
    // A lone write on a quiet store commits here, on a connection of its own, instead of
    // in the writer thread: the two thread hops (0.4–0.5 ms on this VM) are most of such a
    // write's latency (a generation's settlement, a single API call), and with nothing else
    // being written no read waits behind it. Anything more, or anything while the thread
    // has work, goes to the thread (decision 0006). The connection never waits for a lock:
    // if another process holds it, the write goes to the thread, which does wait. Both
    // writers check each org's row version before using a cached state, as for a CLI
    // writing the same file, and never run at once (this one is synchronous and runs only
    // when the thread has nothing in flight).
    const loneDb = new Database(this.options.path);
    loneDb.pragma('busy_timeout = 0');
    loneDb.pragma('synchronous = FULL');
    // Every connection of this process leaves checkpoints to the checkpointer thread; if
    // that thread dies, they take SQLite's default back, so the WAL never grows unbounded.
    const setAutocheckpoint = (pages: number) => {
      for (const c of [this.db, loneDb]) if (c.open) c.pragma(`wal_autocheckpoint = ${pages}`);
    };
    setAutocheckpoint(autocheckpoint);
    if (checkpointer) {
      const fallBack = () => {
        if (this.closing) return;
        setAutocheckpoint(SQLITE_AUTOCHECKPOINT_PAGES);
        thread.postMessage({ autocheckpoint: SQLITE_AUTOCHECKPOINT_PAGES });
      };
      const exited = new Promise<void>((resolve) => checkpointer.once('exit', () => resolve()));
      checkpointer.once('error', fallBack);
      void exited.then(fallBack);
      this.closeCheckpointer = async () => {
        checkpointer.postMessage({ close: true });
        // It answers once its connection is closed, unless it had already stopped.
        await Promise.race([new Promise((resolve) => checkpointer.once('message', resolve)), exited]);
        await checkpointer.terminate();
      };
    }
    // The lone writer projects in each write's own transaction (it keeps no tail), and runs
    // only while the thread has none: it never replays the thread's.
    const lone = new SqliteWriter(loneDb, this.catalog, LONE_CACHED_ORGS, {
      ...DEFAULT_PROJECTION,
      maxOps: 0,
    });
    this.closeLone = () => {
      if (loneDb.open) loneDb.close();
    };
    let inThread = 0;
    this.commitTo = async (ops, info) => {
      if (info.quiet && ops.length === 1 && inThread === 0 && this.threadTail === 0) {
        try {
          const answers = lone.commit(ops);
          this.loneCommits++;
          return answers;
        } catch (e) {
          if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e;
        }
      }
      inThread++;
      try {
        const answers = (await send({ ops })) as Answer[];
        // The answer said how many operations the thread holds: none means nothing waits.
        if (this.threadTail === 0) this.projected('all');
        else this.committed(ops);
        return answers;
      } finally {
        inThread--;
      }
    };
    this.closeThread = async () => {
      await send({ close: true });
      await thread.terminate();
    };
  }

  /** The checkpointer thread of a file database, or null (SQLite's own checkpoints). */
  private get checkpointIntervalMs() {
    return this.options.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS;
  }

  private async startCheckpointer(): Promise<Worker | null> {
    const intervalMs = this.checkpointIntervalMs;
    if (intervalMs <= 0) return null;
    const t = tsWorker(new URL('./sqlite-checkpointer.ts', import.meta.url), {
      path: this.options.path,
      intervalMs,
    });
    await started(t);
    t.unref();
    return t;
  }

  async close() {
    this.closing = true;
    const stop = this.closeThread;
    this.closeThread = null;
    if (stop) await stop();
    const stopCheckpoints = this.closeCheckpointer;
    this.closeCheckpointer = null;
    if (stopCheckpoints) await stopCheckpoints();
    this.closeLone?.();
    this.closeLone = null;
    if (this.db.open) this.db.close();
  }
}

export class SqliteStore extends SqlStore {
  private readonly sqlite: SqliteEngine;
  constructor(
    readonly db: Database.Database,
    options: SqliteOptions,
  ) {
    const catalog = options.catalog ?? defaultCatalog;
    const engine = new SqliteEngine(db, options, catalog);
    super(engine, catalog);
    this.sqlite = engine;
  }

  /** Applies pending migrations on this connection, then starts the writer. */
  override async migrate() {
    await super.migrate();
    await this.sqlite.start();
  }

  /** Writes committed on the calling thread because the store was quiet. */
  get loneCommits() {
    return this.sqlite.loneCommits;
  }

  /** The thread that checkpoints the WAL, or null. */
  get checkpointer() {
    return this.sqlite.checkpointer;
  }
}
