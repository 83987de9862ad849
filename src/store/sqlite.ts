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
import {
  type Catalog,
  type Command,
  type CreateOrg,
  defaultCatalog,
  execute,
  type OrgState,
  type Transaction,
  Verifier,
  type Violation,
} from '../core/index.ts';
import { tsWorker } from '../ts-worker.ts';
import type { Op } from './batch.ts';
import { APP_MARKER, StoreError } from './errors.ts';
import { type BatchInfo, GroupCommit, type GroupCommitOptions, QUIET_MS } from './group-commit.ts';
import { SQLITE_MIGRATIONS } from './migrations/sqlite.ts';
import { checkRowColumns } from './open-holds.ts';
import { LocalOrgChanges } from './org-changes.ts';
import { page } from './outbox-rows.ts';
import { assembleReport, pageOf } from './report.ts';
import { seqOf } from './seq.ts';
import { type Answer, fromWire, SqliteWriter, type WireAnswer } from './sqlite-writer.ts';
import {
  type ApiKey,
  type Invitation,
  type Membership,
  type OneTimeToken,
  type Page,
  REQUEST_KEYS_KEPT_MS,
  SESSIONS_LISTED,
  type Session,
  SIGN_IN_ROWS_PRUNED_PER_FAILURE,
  type SignInFailures,
  type Store,
  type StoreEvent,
  type TokenPurpose,
  type TransactionFilter,
  type UsageGroup,
  type UsageRow,
  type User,
  unknownCursor,
  type WriteOptions,
} from './types.ts';
import { splitRange, type UsageCell } from './usage-rollup.ts';

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
    throw e;
  }
  return store;
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  private readonly catalog: Catalog;
  private readonly writer: GroupCommit;
  private commitTo: ((ops: Op[], info: BatchInfo) => Promise<Answer[]>) | null = null;
  batchSizes: ((size: number, ms: number) => void) | undefined;
  /** Writes committed on the calling thread because the store was quiet (see startWriter). */
  loneCommits = 0;

  constructor(
    readonly db: Database.Database,
    private readonly options: SqliteOptions,
  ) {
    this.catalog = options.catalog ?? defaultCatalog;
    this.writer = new GroupCommit(
      async (ops, info) => {
        if (!this.commitTo) throw new Error('the store is not open');
        const answers = await this.commitTo(ops, info);
        this.announce(ops, answers);
        return answers;
      },
      {
        maxBatch: options.batch?.maxBatch ?? 2048,
        maxQueue: options.batch?.maxQueue ?? 200_000,
        // The writer thread commits batches in order; two in flight keep it busy while
        // this thread answers the previous batch's callers.
        ordered: true,
        concurrency: 2,
        // Infinity turns the quiet path off (see group-commit.ts).
        quietMs: options.batch?.quietMs ?? QUIET_MS,
        onBatch: (n, ms) => this.batchSizes?.(n, ms),
      },
    );
  }

  readonly orgChanges = new LocalOrgChanges();

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
  private async startWriter() {
    const inline = this.options.path === ':memory:' || this.options.writerThread === false;
    if (inline) {
      const w = new SqliteWriter(this.db, this.catalog);
      this.commitTo = async (ops) => w.commit(ops);
      return;
    }
    const checkpointer = await this.startCheckpointer();
    this.checkpointer = checkpointer;
    const autocheckpoint = checkpointer ? 0 : SQLITE_AUTOCHECKPOINT_PAGES;
    const thread = tsWorker(new URL('./sqlite-worker.ts', import.meta.url), {
      path: this.options.path,
      catalog: this.catalog,
      autocheckpoint,
    });
    try {
      await started(thread);
    } catch (e) {
      await checkpointer?.terminate();
      throw e;
    }
    thread.unref();
    const waiting = new Map<number, { resolve: (a: Answer[]) => void; reject: (e: Error) => void }>();
    let nextId = 0;
    const failAll = (e: Error) => {
      for (const w of waiting.values()) w.reject(e);
      waiting.clear();
    };
    thread.on('message', (m: { id: number; answers?: WireAnswer[]; error?: string; closed?: true }) => {
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve((m.answers ?? []).map(fromWire));
    });
    thread.on('error', (e) => failAll(e));
    thread.on('exit', (code) => failAll(new Error(`the SQLite writer thread stopped (exit ${code})`)));
    const send = (msg: { ops?: Op[]; close?: true }) =>
      new Promise<Answer[]>((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        thread.ref();
        thread.postMessage({ id, ...msg });
      }).finally(() => {
        if (waiting.size === 0) thread.unref();
      });
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
    const lone = new SqliteWriter(loneDb, this.catalog, LONE_CACHED_ORGS);
    this.closeLone = () => {
      if (loneDb.open) loneDb.close();
    };
    let inThread = 0;
    this.commitTo = async (ops, info) => {
      if (info.quiet && ops.length === 1 && inThread === 0) {
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
        return await send({ ops });
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
  private async startCheckpointer(): Promise<Worker | null> {
    const intervalMs = this.options.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS;
    if (intervalMs <= 0) return null;
    const t = tsWorker(new URL('./sqlite-checkpointer.ts', import.meta.url), {
      path: this.options.path,
      intervalMs,
    });
    await started(t);
    t.unref();
    return t;
  }
  /** The thread that checkpoints the WAL, or null (tests stop it to see the fallback). */
  checkpointer: Worker | null = null;
  private closing = false;
  private closeCheckpointer: (() => Promise<void>) | null = null;
  private closeThread: (() => Promise<void>) | null = null;
  private closeLone: (() => void) | null = null;

  async migrate() {
    const db = this.db;
    try {
      const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as {
        name: string;
      }[];
      const names = new Set(tables.map((t) => t.name));
      if (tables.length > 0 && !names.has('amisi_meta'))
        throw new StoreError(
          'this SQLite file belongs to another application (no amisi_meta table); refusing to touch it',
        );
      let version = 0;
      if (names.has('amisi_meta')) {
        const app = db.prepare(`SELECT value FROM amisi_meta WHERE key = 'app'`).get() as
          | { value: string }
          | undefined;
        if (app?.value !== APP_MARKER)
          throw new StoreError('this SQLite file is not an Amisi Credits database');
        const v = db.prepare(`SELECT value FROM amisi_meta WHERE key = 'schema_version'`).get() as {
          value: string;
        };
        version = Number(v.value);
      }
      if (version > SQLITE_MIGRATIONS.length)
        throw new StoreError(
          `the database has schema version ${version}, newer than this build knows (${SQLITE_MIGRATIONS.length}); upgrade Amisi Credits instead of downgrading the data`,
        );
      if (version < SQLITE_MIGRATIONS.length) {
        db.transaction(() => {
          if (version === 0) {
            db.exec('CREATE TABLE amisi_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
            db.prepare(`INSERT INTO amisi_meta VALUES ('app', ?), ('schema_version', '0')`).run(APP_MARKER);
          }
          for (let v = version; v < SQLITE_MIGRATIONS.length; v++) db.exec(SQLITE_MIGRATIONS[v]!);
          db.prepare(`UPDATE amisi_meta SET value = ? WHERE key = 'schema_version'`).run(
            String(SQLITE_MIGRATIONS.length),
          );
        }).immediate();
      }
    } catch (e) {
      if (e instanceof StoreError) throw e;
      throw new StoreError(
        `the database file is damaged or unreadable (${(e as Error).message}); it was left untouched`,
      );
    }
    await this.startWriter();
  }

  /** Statements are compiled once and reused: preparing costs more than running a lookup. */
  private readonly statements = new Map<string, Database.Statement>();
  private q(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  createOrg(c: CreateOrg, opts: WriteOptions) {
    return this.writer.submit({ kind: 'create', orgId: c.id, create: c, opts });
  }

  execute(orgId: string, cmd: Command, opts: WriteOptions) {
    return this.writer.submit({ kind: 'exec', orgId, cmd, opts });
  }

  async getOrg(orgId: string, now: number): Promise<OrgState | null> {
    const row = this.q('SELECT state FROM orgs WHERE id = ?').get(orgId) as { state: string } | undefined;
    if (!row) return null;
    const state = JSON.parse(row.state) as OrgState;
    execute(state, { type: 'tick' }, now, this.catalog);
    return state;
  }

  async catchUp(orgId: string, now: number) {
    const row = this.q('SELECT next_due_at FROM orgs WHERE id = ?').get(orgId) as
      | { next_due_at: number | null }
      | undefined;
    if (row?.next_due_at != null && row.next_due_at <= now)
      await this.execute(orgId, { type: 'tick' }, { now });
  }

  async dueOrgs(now: number, limit: number) {
    return this.q('SELECT id FROM orgs WHERE next_due_at <= ? ORDER BY next_due_at LIMIT ?')
      .pluck()
      .all(now, limit) as string[];
  }

  async listTransactions(orgId: string, f: TransactionFilter): Promise<Page<Transaction>> {
    const where = ['org_id = ?', 'visible = 1'];
    const args: unknown[] = [orgId];
    // `type <> 'usage'` lets SQLite use the partial index of the rare types.
    if (f.type)
      where.push(f.type === 'usage' ? 'type = ?' : "type = ? AND type <> 'usage'") && args.push(f.type);
    if (f.member_id) where.push('member_id = ?') && args.push(f.member_id);
    if (f.project_id) where.push('project_id = ?') && args.push(f.project_id);
    if (f.from != null) where.push('created_at >= ?') && args.push(f.from);
    if (f.to != null) where.push('created_at < ?') && args.push(f.to);
    if (f.starting_after !== undefined) {
      // The id ends in its seq, but any suffix parses as base 36: only a stored row whose id
      // is exactly the cursor proves it is a transaction of this org's log.
      const seq = seqOf(f.starting_after);
      const known =
        seq !== null &&
        this.q(
          "SELECT 1 FROM transactions WHERE org_id = ? AND seq = ? AND visible = 1 AND json_extract(body, '$.id') = ?",
        ).get(orgId, seq, f.starting_after) !== undefined;
      if (!known) throw unknownCursor(f.starting_after, 'a transaction of this org');
      where.push('seq < ?') && args.push(seq);
    }
    const rows = this.q(
      `SELECT body FROM transactions WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`,
    )
      .pluck()
      .all(...args, f.limit + 1) as string[];
    return pageOf(rows, f.limit);
  }

  async usageReport(
    orgId: string,
    group: UsageGroup,
    from: number | null,
    to: number | null,
  ): Promise<UsageRow[]> {
    const { whole, edges } = splitRange(from, to);
    const cells = whole
      ? (this.q(
          'SELECT day, tool, operation, member_id, project_id, credits, count FROM usage_daily WHERE org_id = ? AND day >= ? AND day < ?',
        ).all(orgId, whole[0], whole[1]) as Omit<UsageCell, 'org_id'>[])
      : [];
    const edge = this.q(
      `SELECT body FROM transactions WHERE org_id = ? AND type = 'usage' AND created_at >= ? AND created_at < ?`,
    ).pluck();
    return assembleReport(
      group,
      cells,
      edges.flatMap(([lo, hi]) => edge.all(orgId, lo, hi) as string[]),
    );
  }

  async events(afterSeq: number, limit: number): Promise<StoreEvent[]> {
    const rows = this.q('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as {
      seq: number;
      org_id: string;
      type: string;
      at: number;
      data: string;
    }[];
    return rows.map((r) => ({
      seq: r.seq,
      org_id: r.org_id,
      type: r.type,
      at: r.at,
      data: JSON.parse(r.data),
    }));
  }

  async verify(onProgress?: (done: number, total: number) => void): Promise<Violation[]> {
    const v = new Verifier();
    const total = this.q('SELECT count(*) FROM orgs').pluck().get() as number;
    const txns = this.q('SELECT body FROM transactions WHERE org_id = ? ORDER BY seq').pluck();
    let done = 0;
    for (const row of this.q(
      'SELECT id, state, next_due_at, open_holds FROM orgs ORDER BY id',
    ).iterate() as Iterable<{ id: string; state: string; next_due_at: number | null; open_holds: number }>) {
      for (const b of txns.iterate(row.id) as Iterable<string>) v.addTransaction(JSON.parse(b));
      const state = JSON.parse(row.state) as OrgState;
      v.checkOrg(state);
      checkRowColumns(v, state, row);
      done++;
      if (onProgress && (done % 1000 === 0 || done === total)) onProgress(done, total);
    }
    return v.violations;
  }

  async openHoldsTotal() {
    return this.q('SELECT coalesce(sum(open_holds), 0) FROM orgs WHERE open_holds > 0')
      .pluck()
      .get() as number;
  }

  async ping() {
    this.q('SELECT 1').get();
  }

  async close() {
    this.closing = true;
    await this.writer.close();
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

  // --- auth records -------------------------------------------------------------------

  async createUser(u: User) {
    this.q(
      `INSERT INTO users (id, email, password_hash, created_at, email_verified_at, first_org_id)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(u.id, u.email, u.password_hash, u.created_at, u.email_verified_at, u.first_org_id);
  }
  async findUserByEmail(email: string) {
    return (this.q('SELECT * FROM users WHERE email = ?').get(email) as User | undefined) ?? null;
  }
  async getUser(id: string) {
    return (this.q('SELECT * FROM users WHERE id = ?').get(id) as User | undefined) ?? null;
  }
  async markEmailVerified(userId: string, email: string, now: number) {
    return (
      this.q(
        'UPDATE users SET email_verified_at = coalesce(email_verified_at, ?) WHERE id = ? AND email = ?',
      ).run(now, userId, email).changes > 0
    );
  }

  async setUserEmail(userId: string, fromEmail: string, toEmail: string, verifiedAt: number) {
    return (
      this.q('UPDATE users SET email = ?, email_verified_at = ? WHERE id = ? AND email = ?').run(
        toEmail,
        verifiedAt,
        userId,
        fromEmail,
      ).changes > 0
    );
  }
  async deleteUser(userId: string) {
    this.q('DELETE FROM users WHERE id = ?').run(userId);
    this.q('DELETE FROM sessions WHERE user_id = ?').run(userId);
    this.q('DELETE FROM one_time_tokens WHERE subject_id = ? AND used_at IS NULL').run(userId);
    this.q('DELETE FROM org_claims WHERE user_id = ?').run(userId);
    this.q('DELETE FROM user_devices WHERE user_id = ?').run(userId);
  }
  async revokeOrgApiKeys(orgId: string, now: number) {
    return this.q('UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND revoked_at IS NULL').run(
      now,
      orgId,
    ).changes;
  }
  async rememberDevice(userId: string, device: string, now: number) {
    const any = this.q('SELECT 1 FROM user_devices WHERE user_id = ? LIMIT 1').get(userId) !== undefined;
    const added =
      this.q('INSERT INTO user_devices VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(userId, device, now)
        .changes > 0;
    return !any ? 'first' : added ? 'new' : 'known';
  }
  async setPasswordHash(userId: string, passwordHash: string) {
    return this.q('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, userId).changes > 0;
  }
  async deleteUserSessions(userId: string, keepHash: string | null) {
    return this.q('DELETE FROM sessions WHERE user_id = ? AND hash IS NOT ?').run(userId, keepHash).changes;
  }

  // --- one-time tokens and invitations (see ../app/tokens.ts, ../app/invitations.ts) ----

  async createToken(t: OneTimeToken) {
    this.q('INSERT INTO one_time_tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
      t.hash,
      t.purpose,
      t.subject_id,
      t.org_id,
      t.email,
      t.created_at,
      t.expires_at,
      t.used_at,
    );
  }
  async findToken(hash: string) {
    return (
      (this.q('SELECT * FROM one_time_tokens WHERE hash = ?').get(hash) as OneTimeToken | undefined) ?? null
    );
  }
  async spendToken(hash: string, now: number) {
    return (
      this.q(
        'UPDATE one_time_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?',
      ).run(now, hash, now).changes > 0
    );
  }
  async restoreToken(hash: string) {
    this.q('UPDATE one_time_tokens SET used_at = NULL WHERE hash = ?').run(hash);
  }
  async deleteUnusedTokens(purpose: TokenPurpose, subjectId: string) {
    this.q('DELETE FROM one_time_tokens WHERE purpose = ? AND subject_id = ? AND used_at IS NULL').run(
      purpose,
      subjectId,
    );
  }
  async lastTokenAt(purpose: TokenPurpose, subjectId: string) {
    return (
      (this.q('SELECT max(created_at) FROM one_time_tokens WHERE purpose = ? AND subject_id = ?')
        .pluck()
        .get(purpose, subjectId) as number | null) ?? null
    );
  }
  async createInvitation(i: Invitation) {
    this.q('INSERT INTO invitations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      i.org_id,
      i.id,
      i.email,
      i.role,
      i.invited_by,
      i.created_at,
      i.expires_at,
      i.accepted_at,
      i.accepted_by,
      i.member_id,
      i.revoked_at,
    );
  }
  async getInvitation(orgId: string, id: string) {
    return (
      (this.q('SELECT * FROM invitations WHERE org_id = ? AND id = ?').get(orgId, id) as
        | Invitation
        | undefined) ?? null
    );
  }
  async listInvitations(orgId: string, limit: number, startingAfter?: string) {
    let rows: Invitation[];
    if (startingAfter === undefined)
      rows = this.q(
        'SELECT * FROM invitations WHERE org_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
      ).all(orgId, limit + 1) as Invitation[];
    else {
      const at = await this.getInvitation(orgId, startingAfter);
      if (!at) throw unknownCursor(startingAfter, 'an invitation of this org');
      rows = this.q(
        `SELECT * FROM invitations WHERE org_id = ? AND (created_at, id) < (?, ?)
         ORDER BY created_at DESC, id DESC LIMIT ?`,
      ).all(orgId, at.created_at, at.id, limit + 1) as Invitation[];
    }
    return page(rows, limit);
  }
  async countOpenInvitations(orgId: string, now: number) {
    return this.q(
      `SELECT count(*) FROM invitations
        WHERE org_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
    )
      .pluck()
      .get(orgId, now) as number;
  }
  async openInvitationsTo(orgId: string, email: string, now: number) {
    return this.q(
      `SELECT * FROM invitations WHERE org_id = ? AND email = ?
          AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
    ).all(orgId, email, now) as Invitation[];
  }
  async markInvitationAccepted(orgId: string, id: string, userId: string, memberId: string, now: number) {
    return (
      this.q(
        `UPDATE invitations SET accepted_at = ?, accepted_by = ?, member_id = ?
          WHERE org_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL`,
      ).run(now, userId, memberId, orgId, id).changes > 0
    );
  }
  async markInvitationRevoked(orgId: string, id: string, now: number) {
    return (
      this.q(
        `UPDATE invitations SET revoked_at = ?
          WHERE org_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL`,
      ).run(now, orgId, id).changes > 0
    );
  }
  async createSession(s: Session) {
    this.q(
      `INSERT INTO sessions (hash, user_id, csrf_token, created_at, expires_at, id, last_seen_at, user_agent, ip)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      s.hash,
      s.user_id,
      s.csrf_token,
      s.created_at,
      s.expires_at,
      s.id,
      s.last_seen_at,
      s.user_agent,
      s.ip,
    );
  }
  async findSession(hash: string, now: number) {
    return (
      (this.q('SELECT * FROM sessions WHERE hash = ? AND expires_at > ?').get(hash, now) as
        | Session
        | undefined) ?? null
    );
  }
  async listUserSessions(userId: string, now: number) {
    return this.q(
      `SELECT * FROM sessions WHERE user_id = ? AND expires_at > ?
        ORDER BY last_seen_at DESC, id LIMIT ${SESSIONS_LISTED}`,
    ).all(userId, now) as Session[];
  }
  async deleteUserSession(userId: string, id: string) {
    return this.q('DELETE FROM sessions WHERE user_id = ? AND id = ?').run(userId, id).changes > 0;
  }
  async touchSession(hash: string, now: number, notBefore: number) {
    this.q('UPDATE sessions SET last_seen_at = ? WHERE hash = ? AND last_seen_at < ?').run(
      now,
      hash,
      notBefore,
    );
  }
  async pruneExpiredSessions(now: number, limit: number) {
    return this.q(
      'DELETE FROM sessions WHERE hash IN (SELECT hash FROM sessions WHERE expires_at <= ? LIMIT ?)',
    ).run(now, limit).changes;
  }
  async deleteSession(hash: string) {
    this.q('DELETE FROM sessions WHERE hash = ?').run(hash);
  }
  async createApiKey(k: ApiKey) {
    this.q('INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
      k.id,
      k.org_id,
      k.name,
      JSON.stringify(k.scopes),
      k.hash,
      k.prefix,
      k.created_at,
      k.revoked_at,
    );
  }
  private keyRow(r: Record<string, unknown> | undefined): ApiKey | null {
    return r ? ({ ...r, scopes: JSON.parse(r.scopes as string) } as ApiKey) : null;
  }
  async findApiKeyByHash(hash: string) {
    return this.keyRow(this.q('SELECT * FROM api_keys WHERE hash = ?').get(hash) as Record<string, unknown>);
  }
  async listApiKeys(orgId: string) {
    return (
      this.q('SELECT * FROM api_keys WHERE org_id = ? ORDER BY created_at, id').all(orgId) as Record<
        string,
        unknown
      >[]
    ).map((r) => this.keyRow(r)!);
  }
  async revokeApiKey(orgId: string, id: string, now: number) {
    return (
      this.q('UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at IS NULL').run(
        now,
        orgId,
        id,
      ).changes > 0
    );
  }
  async membershipsByEmail(email: string): Promise<Membership[]> {
    return this.q(
      'SELECT org_id, member_id, email, role FROM org_members WHERE email = ? ORDER BY org_id',
    ).all(email) as Membership[];
  }
  async claimOrg(userId: string, owned: number, limit: number) {
    // The SELECT form inserts nothing when the person is at the limit already; the upsert
    // reads the claimed count under SQLite's single writer, so claims cannot interleave.
    return (
      this.q(
        `INSERT INTO org_claims (user_id, claimed) SELECT @user, @owned + 1 WHERE @owned < @limit
         ON CONFLICT (user_id) DO UPDATE SET claimed = max(claimed, @owned) + 1
           WHERE max(claimed, @owned) < @limit`,
      ).run({ user: userId, owned, limit }).changes > 0
    );
  }
  async releaseOrgClaim(userId: string) {
    this.q('UPDATE org_claims SET claimed = claimed - 1 WHERE user_id = ? AND claimed > 0').run(userId);
  }
  async reserveIdempotency(
    scope: string,
    key: string,
    fingerprint: string,
    now: number,
    leaseExpiresAt: number,
  ) {
    // One server owns a SQLite file and better-sqlite3 is synchronous: read-then-write is atomic.
    const row = this.q('SELECT * FROM request_idempotency WHERE scope = ? AND key = ?').get(scope, key) as
      | {
          fingerprint: string;
          status: number | null;
          body: string | null;
          done: number;
          created_at: number;
          lease_expires_at: number | null;
        }
      | undefined;
    const kept = row !== undefined && now - row.created_at <= REQUEST_KEYS_KEPT_MS;
    const abandoned = row !== undefined && row.done === 0 && (row.lease_expires_at ?? 0) <= now;
    if (row && kept && !abandoned)
      return {
        fingerprint: row.fingerprint,
        status: row.status ?? 0,
        body: row.body === null ? null : JSON.parse(row.body),
        done: row.done === 1,
      };
    this.q('INSERT OR REPLACE INTO request_idempotency VALUES (?, ?, ?, NULL, NULL, 0, ?, ?)').run(
      scope,
      key,
      fingerprint,
      now,
      leaseExpiresAt,
    );
    return null;
  }
  async renewIdempotencyLease(scope: string, key: string, leaseExpiresAt: number) {
    this.q(
      'UPDATE request_idempotency SET lease_expires_at = ? WHERE scope = ? AND key = ? AND done = 0',
    ).run(leaseExpiresAt, scope, key);
  }
  async signInFailures(subject: string): Promise<SignInFailures | null> {
    const row = this.q('SELECT failures, last_failed_at FROM sign_in_failures WHERE subject = ?').get(
      subject,
    ) as SignInFailures | undefined;
    return row ?? null;
  }
  async recordSignInFailure(subject: string, now: number, forgetBefore: number): Promise<SignInFailures> {
    // Rows of subjects that stopped failing long ago go a few at a time, so the table stays small.
    this.q(
      `DELETE FROM sign_in_failures WHERE subject IN
         (SELECT subject FROM sign_in_failures WHERE last_failed_at < ? LIMIT ${SIGN_IN_ROWS_PRUNED_PER_FAILURE})`,
    ).run(forgetBefore);
    return this.q(
      `INSERT INTO sign_in_failures VALUES (?, 1, ?)
       ON CONFLICT (subject) DO UPDATE SET
         failures = CASE WHEN last_failed_at < ? THEN 1 ELSE failures + 1 END,
         last_failed_at = excluded.last_failed_at
       RETURNING failures, last_failed_at`,
    ).get(subject, now, forgetBefore) as SignInFailures;
  }
  async clearSignInFailures(subject: string) {
    this.q('DELETE FROM sign_in_failures WHERE subject = ?').run(subject);
  }
  async releaseIdempotency(scope: string, key: string) {
    this.q('DELETE FROM request_idempotency WHERE scope = ? AND key = ? AND done = 0').run(scope, key);
  }
  async completeIdempotency(scope: string, key: string, status: number, body: unknown) {
    this.q('UPDATE request_idempotency SET status = ?, body = ?, done = 1 WHERE scope = ? AND key = ?').run(
      status,
      JSON.stringify(body),
      scope,
      key,
    );
  }
}
