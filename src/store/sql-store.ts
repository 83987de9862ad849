/**
 * The store, once for both databases: every method is a procedure (sql.ts) over the
 * dialect (dialect.ts), run by an engine that knows where it runs. SQLite's engine
 * (sqlite.ts) runs reads on the calling thread and every write (ledger batches, auth,
 * outbox) in the writer thread; PostgreSQL's (postgres.ts) runs them all on its pool.
 */
import {
  type Archived,
  type Catalog,
  type Command,
  type CreateOrg,
  execute,
  type Grant,
  type Hold,
  type OrgState,
  type Purchase,
  type Transaction,
  Verifier,
  type Violation,
} from '../core/index.ts';
import { authReads } from './auth-repo.ts';
import type { Dialect } from './dialect.ts';
import type { Engine } from './engine.ts';
import { APP_MARKER, StoreError } from './errors.ts';
import { GroupCommit } from './group-commit.ts';
import { grantStatus, type HistoryItem, type HistoryKind } from './history-rows.ts';
import { checkRowColumns } from './open-holds.ts';
import type { OutboxStore } from './outbox.ts';
import { page } from './outbox-rows.ts';
import { OutboxRepo } from './outbox-store.ts';
import { assembleReport, pageOf } from './report.ts';
import { seqOf } from './seq.ts';
import { all, get, inTransaction, num, type Proc, query, run, script, value } from './sql.ts';
import { type StoredTxn, TXN_COLUMNS, unpackTxn } from './txn-rows.ts';
import type {
  HistoryFilter,
  OrgChanges,
  Page,
  Store,
  StoreEvent,
  TransactionFilter,
  UsageGroup,
  UsageRow,
  WriteOptions,
} from './types.ts';
import { unknownCursor } from './types.ts';
import { splitRange, type UsageCell } from './usage-rollup.ts';
import type { WriteArgs } from './writes.ts';

export type { Engine };

/** Verify reads this many orgs, and this many transactions of one org, per statement. */
const VERIFY_ORGS_PER_READ = 500;
const VERIFY_TXNS_PER_READ = 5000;

export class SqlStore implements Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly orgChanges: OrgChanges;
  readonly outbox: OutboxStore;
  batchSizes: ((size: number, ms: number) => void) | undefined;
  protected readonly d: Dialect;
  private readonly writer: GroupCommit;
  private closed = false;

  constructor(
    protected readonly engine: Engine,
    protected readonly catalog: Catalog,
  ) {
    this.d = engine.dialect;
    this.dialect = engine.dialect.name;
    this.orgChanges = engine.orgChanges;
    this.writer = new GroupCommit((ops, info) => engine.commit(ops, info), {
      ...engine.batchOptions,
      onBatch: (n, ms) => this.batchSizes?.(n, ms),
    });
    this.outbox = new OutboxRepo(engine);
  }

  /** Applies pending migrations in one transaction; refuses a database written by a newer schema. */
  async migrate() {
    await this.engine.readDirect(migrate(this.d));
  }

  async close() {
    await this.writer.close();
    if (this.closed) return;
    this.closed = true;
    await this.engine.close();
  }

  async ping() {
    await this.engine.readDirect(query('SELECT 1'));
  }

  async openHoldsTotal() {
    return num(
      await this.engine.read(value('SELECT coalesce(sum(open_holds), 0) FROM orgs WHERE open_holds > 0')),
    );
  }

  createOrg(c: CreateOrg, opts: WriteOptions) {
    return this.writer.submit({ kind: 'create', orgId: c.id, create: c, opts });
  }

  execute(orgId: string, cmd: Command, opts: WriteOptions) {
    return this.writer.submit({ kind: 'exec', orgId, cmd, opts });
  }

  async getOrg(orgId: string, now: number): Promise<OrgState | null> {
    const json = await this.engine.read(value<string>('SELECT state FROM orgs WHERE id = ?', orgId), orgId);
    if (json === null) return null;
    const state = JSON.parse(json) as OrgState;
    execute(state, { type: 'tick' }, now, this.catalog);
    return state;
  }

  async catchUp(orgId: string, now: number) {
    const due = await this.engine.read(
      value<number>('SELECT next_due_at FROM orgs WHERE id = ?', orgId),
      orgId,
    );
    if (due !== null && num(due) <= now) await this.execute(orgId, { type: 'tick' }, { now });
  }

  async dueOrgs(now: number, limit: number) {
    const rows = await this.engine.read(
      all<{ id: string }>(
        'SELECT id FROM orgs WHERE next_due_at <= ? ORDER BY next_due_at LIMIT ?',
        now,
        limit,
      ),
    );
    return rows.map((r) => r.id);
  }

  listHistory<K extends HistoryKind>(
    orgId: string,
    kind: K,
    now: number,
    f: HistoryFilter,
  ): Promise<Page<HistoryItem<K>> | null> {
    return this.engine.read(listHistory(this.catalog, orgId, kind, now, f), orgId);
  }

  async findHistory<K extends HistoryKind>(
    orgId: string,
    kind: K,
    id: string,
  ): Promise<HistoryItem<K> | null> {
    const seq = seqOf(id);
    if (seq === null) return null;
    const body = await this.engine.read(
      value<string>(
        'SELECT body FROM history WHERE org_id = ? AND kind = ? AND seq = ? AND id = ?',
        orgId,
        kind,
        seq,
        id,
      ),
      orgId,
    );
    return body === null ? null : (JSON.parse(body) as HistoryItem<K>);
  }

  listTransactions(orgId: string, f: TransactionFilter): Promise<Page<Transaction>> {
    return this.engine.read(listTransactions(this.d, orgId, f), orgId);
  }

  usageReport(orgId: string, group: UsageGroup, from: number | null, to: number | null): Promise<UsageRow[]> {
    return this.engine.read(usageReport(orgId, group, from, to), orgId);
  }

  async events(afterSeq: number, limit: number): Promise<StoreEvent[]> {
    const rows = await this.engine.read(
      all(
        'SELECT seq, org_id, type, at, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?',
        afterSeq,
        limit,
      ),
    );
    return rows.map((r) => ({
      seq: num(r.seq),
      org_id: String(r.org_id),
      type: String(r.type),
      at: num(r.at),
      data: JSON.parse(r.data as string),
    }));
  }

  async verify(onProgress?: (done: number, total: number) => void): Promise<Violation[]> {
    const v = new Verifier();
    const total = num(await this.engine.read(value('SELECT count(*) FROM orgs')));
    let done = 0;
    let after = '';
    for (;;) {
      const rows = await this.engine.read(
        all<{ id: string; state: string; next_due_at: number | null; open_holds: number }>(
          `SELECT id, state, next_due_at, open_holds FROM orgs WHERE id > ? ORDER BY id LIMIT ${VERIFY_ORGS_PER_READ}`,
          after,
        ),
      );
      if (rows.length === 0) break;
      for (const r of rows) {
        let seq = -1;
        for (;;) {
          const t = await this.engine.read(
            all<StoredTxn & { seq: number }>(
              `SELECT seq, ${TXN_COLUMNS} FROM transactions WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ${VERIFY_TXNS_PER_READ}`,
              r.id,
              seq,
            ),
          );
          for (const x of t) v.addTransaction(unpackTxn(x));
          if (t.length < VERIFY_TXNS_PER_READ) break;
          seq = num(t[t.length - 1]!.seq);
        }
        const state = JSON.parse(r.state) as OrgState;
        v.checkOrg(state);
        v.checkHistory(state, await this.engine.read(readHistory(r.id)));
        checkRowColumns(v, state, {
          next_due_at: r.next_due_at === null ? null : num(r.next_due_at),
          open_holds: num(r.open_holds),
        });
        done++;
        if (onProgress && (done % 1000 === 0 || done === total)) onProgress(done, total);
      }
      after = rows[rows.length - 1]!.id;
    }
    return v.violations;
  }

  // --- auth records (auth-repo.ts) ------------------------------------------------------

  findUserByEmail(email: string) {
    return this.engine.readDirect(authReads.findUserByEmail(this.d, email));
  }
  getUser(id: string) {
    return this.engine.readDirect(authReads.getUser(this.d, id));
  }
  findSession(hash: string, now: number) {
    return this.engine.readDirect(authReads.findSession(this.d, hash, now));
  }
  listUserSessions(userId: string, now: number) {
    return this.engine.readDirect(authReads.listUserSessions(this.d, userId, now));
  }
  findApiKeyByHash(hash: string) {
    return this.engine.readDirect(authReads.findApiKeyByHash(this.d, hash));
  }
  listApiKeys(orgId: string) {
    return this.engine.readDirect(authReads.listApiKeys(this.d, orgId));
  }
  membershipsByEmail(email: string) {
    return this.engine.readDirect(authReads.membershipsByEmail(this.d, email));
  }
  findToken(hash: string) {
    return this.engine.readDirect(authReads.findToken(this.d, hash));
  }
  lastTokenAt(purpose: Parameters<typeof authReads.lastTokenAt>[1], subjectId: string) {
    return this.engine.readDirect(authReads.lastTokenAt(this.d, purpose, subjectId));
  }
  getInvitation(orgId: string, id: string) {
    return this.engine.readDirect(authReads.getInvitation(this.d, orgId, id));
  }
  listInvitations(orgId: string, limit: number, startingAfter?: string) {
    return this.engine.readDirect(authReads.listInvitations(this.d, orgId, limit, startingAfter));
  }
  countOpenInvitations(orgId: string, now: number) {
    return this.engine.readDirect(authReads.countOpenInvitations(this.d, orgId, now));
  }
  openInvitationsTo(orgId: string, email: string, now: number) {
    return this.engine.readDirect(authReads.openInvitationsTo(this.d, orgId, email, now));
  }
  signInFailures(subject: string) {
    return this.engine.readDirect(authReads.signInFailures(this.d, subject));
  }

  createUser(...a: WriteArgs<'createUser'>) {
    return this.engine.write('createUser', ...a);
  }
  markEmailVerified(...a: WriteArgs<'markEmailVerified'>) {
    return this.engine.write('markEmailVerified', ...a);
  }
  setUserEmail(...a: WriteArgs<'setUserEmail'>) {
    return this.engine.write('setUserEmail', ...a);
  }
  finishEmailMove(...a: WriteArgs<'finishEmailMove'>) {
    return this.engine.write('finishEmailMove', ...a);
  }
  emailMovesInFlight(limit: number) {
    return this.engine.readDirect(authReads.emailMovesInFlight(this.d, limit));
  }
  deleteUser(...a: WriteArgs<'deleteUser'>) {
    return this.engine.write('deleteUser', ...a);
  }
  revokeOrgApiKeys(...a: WriteArgs<'revokeOrgApiKeys'>) {
    return this.engine.write('revokeOrgApiKeys', ...a);
  }
  rememberDevice(...a: WriteArgs<'rememberDevice'>) {
    return this.engine.write('rememberDevice', ...a);
  }
  setPasswordHash(...a: WriteArgs<'setPasswordHash'>) {
    return this.engine.write('setPasswordHash', ...a);
  }
  deleteUserSessions(...a: WriteArgs<'deleteUserSessions'>) {
    return this.engine.write('deleteUserSessions', ...a);
  }
  createSession(...a: WriteArgs<'createSession'>) {
    return this.engine.write('createSession', ...a);
  }
  deleteUserSession(...a: WriteArgs<'deleteUserSession'>) {
    return this.engine.write('deleteUserSession', ...a);
  }
  touchSession(...a: WriteArgs<'touchSession'>) {
    return this.engine.write('touchSession', ...a);
  }
  pruneExpiredSessions(...a: WriteArgs<'pruneExpiredSessions'>) {
    return this.engine.write('pruneExpiredSessions', ...a);
  }
  deleteSession(...a: WriteArgs<'deleteSession'>) {
    return this.engine.write('deleteSession', ...a);
  }
  createApiKey(...a: WriteArgs<'createApiKey'>) {
    return this.engine.write('createApiKey', ...a);
  }
  revokeApiKey(...a: WriteArgs<'revokeApiKey'>) {
    return this.engine.write('revokeApiKey', ...a);
  }
  createToken(...a: WriteArgs<'createToken'>) {
    return this.engine.write('createToken', ...a);
  }
  spendToken(...a: WriteArgs<'spendToken'>) {
    return this.engine.write('spendToken', ...a);
  }
  restoreToken(...a: WriteArgs<'restoreToken'>) {
    return this.engine.write('restoreToken', ...a);
  }
  deleteUnusedTokens(...a: WriteArgs<'deleteUnusedTokens'>) {
    return this.engine.write('deleteUnusedTokens', ...a);
  }
  createInvitation(...a: WriteArgs<'createInvitation'>) {
    return this.engine.write('createInvitation', ...a);
  }
  markInvitationAccepted(...a: WriteArgs<'markInvitationAccepted'>) {
    return this.engine.write('markInvitationAccepted', ...a);
  }
  markInvitationRevoked(...a: WriteArgs<'markInvitationRevoked'>) {
    return this.engine.write('markInvitationRevoked', ...a);
  }
  claimOrg(...a: WriteArgs<'claimOrg'>) {
    return this.engine.write('claimOrg', ...a);
  }
  releaseOrgClaim(...a: WriteArgs<'releaseOrgClaim'>) {
    return this.engine.write('releaseOrgClaim', ...a);
  }
  reserveIdempotency(...a: WriteArgs<'reserveIdempotency'>) {
    return this.engine.write('reserveIdempotency', ...a);
  }
  renewIdempotencyLease(...a: WriteArgs<'renewIdempotencyLease'>) {
    return this.engine.write('renewIdempotencyLease', ...a);
  }
  completeIdempotency(...a: WriteArgs<'completeIdempotency'>) {
    return this.engine.write('completeIdempotency', ...a);
  }
  releaseIdempotency(...a: WriteArgs<'releaseIdempotency'>) {
    return this.engine.write('releaseIdempotency', ...a);
  }
  recordSignInFailure(...a: WriteArgs<'recordSignInFailure'>) {
    return this.engine.write('recordSignInFailure', ...a);
  }
  clearSignInFailures(...a: WriteArgs<'clearSignInFailures'>) {
    return this.engine.write('clearSignInFailures', ...a);
  }

  // --- retention (retention.ts) -----------------------------------------------------------

  pruneRetained(...a: WriteArgs<'pruneRetained'>) {
    return this.engine.write('pruneRetained', ...a);
  }
}

/** The migrator: one transaction, one migrator at a time, refusing foreign or newer schemas. */
export function* migrate(d: Dialect): Proc<void> {
  yield* inTransaction(function* () {
    yield* d.lockForMigration();
    const names = new Set(yield* d.tableNames());
    if (names.size > 0 && !names.has('amisi_meta'))
      throw new StoreError(
        'the database holds tables of another application (no amisi_meta table); refusing to touch it',
      );
    let version = 0;
    if (names.has('amisi_meta')) {
      const app = yield* value<string>(`SELECT value FROM amisi_meta WHERE key = 'app'`);
      if (app !== APP_MARKER) throw new StoreError('this database is not an Amisi Credits database');
      version = Number(yield* value<string>(`SELECT value FROM amisi_meta WHERE key = 'schema_version'`));
    }
    const known = d.migrations.length;
    if (version > known)
      throw new StoreError(
        `the database has schema version ${version}, newer than this build knows (${known}); upgrade Amisi Credits instead of downgrading the data`,
      );
    if (version === known) return;
    if (version === 0) {
      yield* script('CREATE TABLE amisi_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
      yield* run(`INSERT INTO amisi_meta VALUES ('app', ?), ('schema_version', '0')`, APP_MARKER);
    }
    for (let v = version; v < known; v++) yield* script(d.migrations[v]!);
    yield* run(`UPDATE amisi_meta SET value = ? WHERE key = 'schema_version'`, String(known));
  });
}

function* listTransactions(d: Dialect, orgId: string, f: TransactionFilter): Proc<Page<Transaction>> {
  const where = ['org_id = ?', 'visible = ?'];
  const args: unknown[] = [orgId, true];
  const add = (sql: string, v: unknown) => {
    where.push(sql);
    args.push(v);
  };
  // `type <> 'usage'` lets the planner use the partial index of the rare types.
  if (f.type) add(f.type === 'usage' ? 'type = ?' : "type = ? AND type <> 'usage'", f.type);
  if (f.member_id) add('member_id = ?', f.member_id);
  if (f.project_id) add('project_id = ?', f.project_id);
  if (f.from != null) add('created_at >= ?', f.from);
  if (f.to != null) add('created_at < ?', f.to);
  if (f.starting_after !== undefined) {
    // The id ends in its seq, but any suffix parses as base 36: only a stored row whose id
    // is exactly the cursor proves it is a transaction of this org's log (found through the
    // (org_id, seq) key).
    const seq = seqOf(f.starting_after);
    const known =
      seq !== null &&
      (yield* get(
        `SELECT 1 AS one FROM transactions WHERE org_id = ? AND seq = ? AND visible = ? AND ${d.txnIdIs}`,
        orgId,
        seq,
        true,
        f.starting_after,
      )) !== undefined;
    if (!known) throw unknownCursor(f.starting_after, 'a transaction of this org');
    add('seq < ?', seq);
  }
  const rows = yield* all<StoredTxn>(
    `SELECT ${TXN_COLUMNS} FROM transactions WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`,
    ...args,
    f.limit + 1,
  );
  return pageOf(rows, f.limit);
}

/** Everything of one org in the history table (for verify), read a page at a time. */
function* readHistory(orgId: string): Proc<Archived> {
  const a: Archived = { grants: [], holds: [], purchases: [] };
  for (const kind of ['grant', 'hold', 'purchase'] as const) {
    let seq = -1;
    for (;;) {
      const rows = yield* all<{ seq: number; body: string }>(
        `SELECT seq, body FROM history WHERE org_id = ? AND kind = ? AND seq > ? ORDER BY seq LIMIT ${VERIFY_TXNS_PER_READ}`,
        orgId,
        kind,
        seq,
      );
      for (const r of rows) (a[LISTS[kind]] as unknown[]).push(JSON.parse(r.body));
      if (rows.length < VERIFY_TXNS_PER_READ) break;
      seq = num(rows[rows.length - 1]!.seq);
    }
  }
  return a;
}

const LISTS = { grant: 'grants', hold: 'holds', purchase: 'purchases' } as const;

/**
 * Grants, holds or purchases of an org, newest first: the open ones from its state (as of
 * `now`, with what time alone closed since the last write), the closed ones from the
 * history table, merged by seq (ids sort by creation). The cursor is an id of either.
 */
function* listHistory<K extends HistoryKind>(
  catalog: Catalog,
  orgId: string,
  kind: K,
  now: number,
  f: HistoryFilter,
): Proc<Page<HistoryItem<K>> | null> {
  const json = yield* value<string>('SELECT state FROM orgs WHERE id = ?', orgId);
  if (json === null) return null;
  const state = JSON.parse(json) as OrgState;
  const out = execute(state, { type: 'tick' }, now, catalog);
  const inMemory = [
    ...(state[LISTS[kind]] as HistoryItem<K>[]),
    ...(out.archived[LISTS[kind]] as HistoryItem<K>[]),
  ].map((x) => ({ x, seq: seqOf(x.id)! }));
  const statusOf = (x: HistoryItem<K>) =>
    kind === 'grant' ? grantStatus(x as Grant) : (x as Hold | Purchase).status;
  let below = Number.MAX_SAFE_INTEGER;
  if (f.starting_after !== undefined) {
    const seq = seqOf(f.starting_after);
    const known =
      seq !== null &&
      (inMemory.some((m) => m.x.id === f.starting_after) ||
        (yield* get(
          'SELECT 1 AS one FROM history WHERE org_id = ? AND kind = ? AND seq = ? AND id = ?',
          orgId,
          kind,
          seq,
          f.starting_after,
        )) !== undefined);
    if (!known) throw unknownCursor(f.starting_after, `a ${kind} of this org`);
    below = seq;
  }
  const where = ['org_id = ?', 'kind = ?', 'seq < ?'];
  const args: unknown[] = [orgId, kind, below];
  if (f.status !== undefined) {
    where.push('status = ?');
    args.push(f.status);
  }
  const rows = yield* all<{ seq: number; body: string }>(
    `SELECT seq, body FROM history WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`,
    ...args,
    f.limit + 1,
  );
  // The state was read before the table, outside one snapshot: an item a batch archived in
  // between is in both, and the table's copy is the newer.
  const fromTable = rows.map((r) => ({ x: JSON.parse(r.body) as HistoryItem<K>, seq: num(r.seq) }));
  const inTable = new Set(fromTable.map((m) => m.x.id));
  const merged = [
    ...inMemory.filter(
      (m) => m.seq < below && !inTable.has(m.x.id) && (f.status === undefined || statusOf(m.x) === f.status),
    ),
    ...fromTable,
  ]
    .sort((a, b) => b.seq - a.seq)
    .slice(0, f.limit + 1)
    .map((m) => m.x);
  return page(merged, f.limit);
}

function* usageReport(
  orgId: string,
  group: UsageGroup,
  from: number | null,
  to: number | null,
): Proc<UsageRow[]> {
  const { whole, edges } = splitRange(from, to);
  const cells = whole
    ? (yield* all<Omit<UsageCell, 'org_id'>>(
        'SELECT day, tool, operation, member_id, project_id, credits, count FROM usage_daily WHERE org_id = ? AND day >= ? AND day < ?',
        orgId,
        whole[0],
        whole[1],
      )).map((c) => ({ ...c, day: num(c.day), credits: num(c.credits), count: num(c.count) }))
    : [];
  const edge: Transaction[] = [];
  for (const [lo, hi] of edges)
    for (const r of yield* all<StoredTxn>(
      `SELECT ${TXN_COLUMNS} FROM transactions WHERE org_id = ? AND type = 'usage' AND created_at >= ? AND created_at < ?`,
      orgId,
      lo,
      hi,
    ))
      edge.push(unpackTxn(r));
  return assembleReport(group, cells, edge);
}
