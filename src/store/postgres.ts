/**
 * PostgreSQL: for operators who run several stateless instances on one database. A batch
 * locks its orgs with `SELECT … FOR UPDATE` in sorted id order (so two instances can never
 * deadlock), reloads only the states whose version moved since this instance cached them,
 * applies the core's rules in memory, and writes everything back with one statement per
 * table (`unnest` arrays), then commits. Same rules, same batches as SQLite.
 */
import pg from 'pg';
import {
  type Catalog,
  type Command,
  type CreateOrg,
  defaultCatalog,
  execute,
  type IdempotencyRecord,
  nextDueAt,
  type OrgState,
  type Transaction,
  Verifier,
  type Violation,
} from '../core/index.ts';
import { applyBatch, idemKey, type LoadedOrg, type Op, type StoredOutcome } from './batch.ts';
import { APP_MARKER, StoreError } from './errors.ts';
import { GroupCommit, type GroupCommitOptions, QUIET_MS } from './group-commit.ts';
import { POSTGRES_MIGRATIONS } from './migrations/postgres.ts';
import { checkRowColumns, openHolds } from './open-holds.ts';
import { changesChannel, PostgresOrgChanges } from './org-changes-postgres.ts';
import { page } from './outbox-rows.ts';
import { assembleReport, pageOf } from './report.ts';
import { seqOf } from './seq.ts';
import { StateCache } from './state-cache.ts';
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
  type WriteResult,
} from './types.ts';
import { rollUp, splitRange } from './usage-rollup.ts';

export interface PostgresOptions {
  url: string;
  /** Schema to use (created if missing); tests give each run its own. */
  schema?: string;
  poolSize?: number;
  catalog?: Catalog;
  batch?: Partial<GroupCommitOptions>;
  /** Refuse a schema that was never migrated instead of creating it (see OpenOptions). */
  mustExist?: boolean;
}

const int8 = (v: string) => Number(v);
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 ? int8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export async function openPostgresStore(options: PostgresOptions): Promise<PostgresStore> {
  const schema = options.schema ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new StoreError(`invalid PostgreSQL schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 8,
    types,
    options: `-c search_path=${schema}`,
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  let migrated = true;
  try {
    if (options.mustExist) {
      const r = await pool.query(
        `SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'amisi_meta'`,
        [schema],
      );
      migrated = r.rowCount !== null && r.rowCount > 0;
    } else await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (e) {
    await pool.end();
    throw new StoreError(`cannot reach PostgreSQL at ${redact(options.url)}: ${(e as Error).message}`);
  }
  if (!migrated) {
    await pool.end();
    throw new StoreError(
      `schema ${schema} at ${redact(options.url)} holds no Amisi Credits database: check DATABASE_URL, or create it with \`amisi migrate\``,
    );
  }
  const store = new PostgresStore(pool, options, schema);
  await store.migrate();
  return store;
}

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  private readonly catalog: Catalog;
  private readonly cache = new StateCache();
  private readonly writer: GroupCommit;
  readonly orgChanges: PostgresOrgChanges;
  batchSizes: ((size: number, ms: number) => void) | undefined;

  constructor(
    readonly pool: pg.Pool,
    options: PostgresOptions,
    readonly schema: string,
  ) {
    this.catalog = options.catalog ?? defaultCatalog;
    this.orgChanges = new PostgresOrgChanges(options.url, changesChannel(schema));
    this.writer = new GroupCommit((ops) => this.commitBatch(ops), {
      maxBatch: options.batch?.maxBatch ?? 512,
      maxQueue: options.batch?.maxQueue ?? 200_000,
      // Batches on disjoint orgs overlap their round trips to the server (see group-commit.ts).
      concurrency: options.batch?.concurrency ?? 3,
      quietMs: options.batch?.quietMs ?? QUIET_MS,
      onBatch: (n, ms) => this.batchSizes?.(n, ms),
    });
  }

  async migrate() {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      // One migrator at a time across every instance sharing this database.
      await c.query(`SELECT pg_advisory_xact_lock(hashtext('amisi_migrate_' || $1))`, [this.schema]);
      const { rows } = await c.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`,
        [this.schema],
      );
      const names = new Set(rows.map((r) => r.table_name as string));
      if (names.size > 0 && !names.has('amisi_meta'))
        throw new StoreError(
          `schema ${this.schema} holds tables of another application (no amisi_meta); refusing to touch it`,
        );
      let version = 0;
      if (names.has('amisi_meta')) {
        const meta = await c.query('SELECT key, value FROM amisi_meta');
        const m = new Map(meta.rows.map((r) => [r.key as string, r.value as string]));
        if (m.get('app') !== APP_MARKER)
          throw new StoreError('this database is not an Amisi Credits database');
        version = Number(m.get('schema_version'));
      }
      if (version > POSTGRES_MIGRATIONS.length)
        throw new StoreError(
          `the database has schema version ${version}, newer than this build knows (${POSTGRES_MIGRATIONS.length}); upgrade Amisi Credits instead of downgrading the data`,
        );
      if (version === 0) {
        await c.query('CREATE TABLE amisi_meta (key text PRIMARY KEY, value text NOT NULL)');
        await c.query(`INSERT INTO amisi_meta VALUES ('app', $1), ('schema_version', '0')`, [APP_MARKER]);
      }
      for (let v = version; v < POSTGRES_MIGRATIONS.length; v++) await c.query(POSTGRES_MIGRATIONS[v]!);
      await c.query(`UPDATE amisi_meta SET value = $1 WHERE key = 'schema_version'`, [
        String(POSTGRES_MIGRATIONS.length),
      ]);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  private async commitBatch(ops: Op[]): Promise<WriteResult[]> {
    const ids = [...new Set(ops.map((o) => o.orgId))].sort();
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const versions = ids.map((id) => this.cache.get(id)?.version ?? -1);
      const locked = await c.query(
        `SELECT o.id, o.version, CASE WHEN o.version <> c.v THEN o.state END AS state
           FROM orgs o JOIN unnest($1::text[], $2::bigint[]) AS c(id, v) ON o.id = c.id
          ORDER BY o.id FOR UPDATE OF o`,
        [ids, versions],
      );
      const loaded = new Map<string, LoadedOrg>();
      for (const r of locked.rows) {
        if (r.state === null) loaded.set(r.id, this.cache.get(r.id)!);
        else {
          const fresh = { state: JSON.parse(r.state) as OrgState, version: r.version as number };
          this.cache.set(r.id, fresh);
          loaded.set(r.id, fresh);
        }
      }
      for (const id of ids) if (!loaded.has(id)) this.cache.delete(id);

      const keyed = ops.filter((o) => o.opts.idempotencyKey !== undefined);
      const idem = new Map<string, IdempotencyRecord>();
      if (keyed.length > 0) {
        const res = await c.query(
          `SELECT i.org_id, i.key, i.fingerprint, i.status, i.body, i.created_at
             FROM idempotency i JOIN unnest($1::text[], $2::text[]) AS k(org_id, key)
               ON i.org_id = k.org_id AND i.key = k.key`,
          [keyed.map((o) => o.orgId), keyed.map((o) => o.opts.idempotencyKey!)],
        );
        const refs: { rec: IdempotencyRecord & { org_id: string }; body: StoredOutcome }[] = [];
        for (const r of res.rows) {
          const body = JSON.parse(r.body) as StoredOutcome;
          const rec = { ...r, body };
          idem.set(idemKey(r.org_id, r.key), rec);
          if (body.txn_ref !== undefined) refs.push({ rec, body });
        }
        if (refs.length > 0) {
          const txns = await c.query(
            `SELECT t.org_id, t.seq, t.body FROM transactions t
               JOIN unnest($1::text[], $2::bigint[]) AS k(org_id, seq) ON t.org_id = k.org_id AND t.seq = k.seq`,
            [refs.map((x) => x.rec.org_id), refs.map((x) => seqOf(x.body.txn_ref!))],
          );
          const bodies = new Map(txns.rows.map((t) => [`${t.org_id}/${t.seq}`, t.body as string]));
          for (const x of refs)
            x.body.result = JSON.parse(bodies.get(`${x.rec.org_id}/${seqOf(x.body.txn_ref!)}`)!);
        }
      }

      const { outcomes, changes } = applyBatch(ops, loaded, idem, this.catalog);
      const now = ops[ops.length - 1]!.opts.now;

      // Every write of the batch goes to the server as ONE statement, a JSON array per table
      // (data-modifying CTEs, json_to_recordset): JSON.stringify is native, while pg's
      // escaping of text[] parameters costs more than the rules themselves.
      const upd: { id: string; version: number; due: number | null; open: number; state: unknown }[] = [];
      const ins: typeof upd = [];
      const mem = { org: [] as string[], id: [] as string[], email: [] as string[], role: [] as string[] };
      const memOrgs: string[] = [];
      for (const [id, o] of changes.orgs) {
        o.version += 1;
        (o.isNew ? ins : upd).push({
          id,
          version: o.version,
          due: nextDueAt(o.state),
          open: openHolds(o.state),
          state: o.state,
        });
        loaded.get(id)!.version = o.version;
        if (o.membersChanged || o.isNew) {
          memOrgs.push(id);
          for (const m of o.state.members) {
            mem.org.push(id);
            mem.id.push(m.id);
            mem.email.push(m.email);
            mem.role.push(m.role);
          }
        }
      }
      // Two operations of one batch may share a key (the second replayed): keep the first record.
      const seen = new Set<string>();
      const idemRows = changes.idem.filter((r) => {
        const k = idemKey(r.org_id, r.key);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      const parts = {
        upd,
        ins,
        txns: changes.txns.map((t) => ({
          org_id: t.org_id,
          seq: seqOf(t.id),
          id: t.id,
          type: t.type,
          visible: t.visible,
          amount: t.amount,
          created_at: t.created_at,
          member_id: t.usage?.member_id ?? null,
          project_id: t.usage?.project_id ?? null,
          body: t,
        })),
        usage: rollUp(changes.txns),
        events: changes.events.map((e) => ({ org_id: e.org_id, type: e.type, at: e.at, data: e.data })),
        idem: idemRows,
        // Sent by PostgreSQL at COMMIT, to every instance listening (org-changes-postgres.ts).
        changed: [...changes.orgs.keys()],
      };
      await c.query(
        `WITH upd AS (
           UPDATE orgs o SET version = u.version, next_due_at = u.due, state = u.state::text, updated_at = $7,
                  open_holds = u.open
             FROM json_to_recordset($1::json) AS u(id text, version bigint, due bigint, open int, state json)
            WHERE o.id = u.id),
         ins AS (
           INSERT INTO orgs (id, version, next_due_at, state, created_at, updated_at, open_holds)
           SELECT id, version, due, state::text, $7, $7, open
             FROM json_to_recordset($2::json) AS u(id text, version bigint, due bigint, open int, state json)),
         txns AS (
           INSERT INTO transactions
           SELECT org_id, seq, id, type, visible, amount, created_at, member_id, project_id, body::text
             FROM json_to_recordset($3::json) AS t(org_id text, seq bigint, id text, type text,
               visible boolean, amount bigint, created_at bigint, member_id text, project_id text, body json)),
         usage AS (
           INSERT INTO usage_daily
           SELECT org_id, day, tool, operation, member_id, project_id, credits, count
             FROM json_to_recordset($4::json) AS x(org_id text, day bigint, tool text,
               operation text, member_id text, project_id text, credits bigint, count bigint)
           ON CONFLICT (org_id, day, tool, operation, member_id, project_id)
           DO UPDATE SET credits = usage_daily.credits + excluded.credits, count = usage_daily.count + excluded.count),
         events AS (
           INSERT INTO events (org_id, type, at, data)
           SELECT org_id, type, at, data::text
             FROM json_to_recordset($5::json) AS e(org_id text, type text, at bigint, data json)),
         idem AS (
           INSERT INTO idempotency
           SELECT org_id, key, fingerprint, status, body::text, created_at
             FROM json_to_recordset($6::json) AS r(org_id text, key text, fingerprint text,
               status int, body json, created_at bigint)
           ON CONFLICT (org_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, status = excluded.status,
             body = excluded.body, created_at = excluded.created_at),
         notify AS (SELECT pg_notify($8, id) FROM unnest($9::text[]) AS n(id))
         SELECT (SELECT count(*) FROM notify)`,
        [
          JSON.stringify(parts.upd),
          JSON.stringify(parts.ins),
          JSON.stringify(parts.txns),
          JSON.stringify(parts.usage),
          JSON.stringify(parts.events),
          JSON.stringify(parts.idem),
          now,
          this.orgChanges.channel,
          parts.changed,
        ],
      );
      if (memOrgs.length > 0) {
        await c.query('DELETE FROM org_members WHERE org_id = ANY($1)', [memOrgs]);
        await c.query(
          'INSERT INTO org_members SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])',
          [mem.org, mem.id, mem.email, mem.role],
        );
      }
      await c.query('COMMIT');
      return outcomes;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      for (const id of ids) this.cache.delete(id);
      throw e;
    } finally {
      c.release();
    }
  }

  createOrg(c: CreateOrg, opts: WriteOptions) {
    return this.writer.submit({ kind: 'create', orgId: c.id, create: c, opts });
  }

  execute(orgId: string, cmd: Command, opts: WriteOptions) {
    return this.writer.submit({ kind: 'exec', orgId, cmd, opts });
  }

  async getOrg(orgId: string, now: number) {
    const { rows } = await this.pool.query('SELECT state FROM orgs WHERE id = $1', [orgId]);
    if (rows.length === 0) return null;
    const state = JSON.parse(rows[0].state) as OrgState;
    execute(state, { type: 'tick' }, now, this.catalog);
    return state;
  }

  async catchUp(orgId: string, now: number) {
    const { rows } = await this.pool.query('SELECT next_due_at FROM orgs WHERE id = $1', [orgId]);
    const due = rows[0]?.next_due_at as number | null | undefined;
    if (due != null && due <= now) await this.execute(orgId, { type: 'tick' }, { now });
  }

  async dueOrgs(now: number, limit: number) {
    const { rows } = await this.pool.query(
      'SELECT id FROM orgs WHERE next_due_at <= $1 ORDER BY next_due_at LIMIT $2',
      [now, limit],
    );
    return rows.map((r) => r.id as string);
  }

  async listTransactions(orgId: string, f: TransactionFilter): Promise<Page<Transaction>> {
    const args: unknown[] = [orgId];
    const where = ['org_id = $1', 'visible'];
    const add = (sql: string, v: unknown) => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    // `type <> 'usage'` lets the planner use the partial index of the rare types.
    if (f.type) add(f.type === 'usage' ? 'type = ?' : "type = ? AND type <> 'usage'", f.type);
    if (f.member_id) add('member_id = ?', f.member_id);
    if (f.project_id) add('project_id = ?', f.project_id);
    if (f.from != null) add('created_at >= ?', f.from);
    if (f.to != null) add('created_at < ?', f.to);
    if (f.starting_after !== undefined) {
      // The id ends in its seq, but any suffix parses as base 36: only a stored row whose id
      // is exactly the cursor proves it is a transaction of this org's log. Found through
      // the (org_id, seq) key: there is no index on ids alone.
      const seq = seqOf(f.starting_after);
      const known =
        seq !== null &&
        (
          await this.pool.query(
            'SELECT 1 FROM transactions WHERE org_id = $1 AND seq = $2 AND id = $3 AND visible',
            [orgId, seq, f.starting_after],
          )
        ).rows.length > 0;
      if (!known) throw unknownCursor(f.starting_after, 'a transaction of this org');
      add('seq < ?', seq);
    }
    args.push(f.limit + 1);
    const { rows } = await this.pool.query(
      `SELECT body FROM transactions WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${args.length}`,
      args,
    );
    return pageOf(
      rows.map((r) => r.body as string),
      f.limit,
    );
  }

  async usageReport(
    orgId: string,
    group: UsageGroup,
    from: number | null,
    to: number | null,
  ): Promise<UsageRow[]> {
    const { whole, edges } = splitRange(from, to);
    const cells = whole
      ? (
          await this.pool.query(
            'SELECT day, tool, operation, member_id, project_id, credits, count FROM usage_daily WHERE org_id = $1 AND day >= $2 AND day < $3',
            [orgId, whole[0], whole[1]],
          )
        ).rows
      : [];
    const bodies: string[] = [];
    for (const [lo, hi] of edges) {
      const res = await this.pool.query(
        `SELECT body FROM transactions WHERE org_id = $1 AND type = 'usage' AND created_at >= $2 AND created_at < $3`,
        [orgId, lo, hi],
      );
      for (const r of res.rows) bodies.push(r.body);
    }
    return assembleReport(group, cells, bodies);
  }

  async events(afterSeq: number, limit: number): Promise<StoreEvent[]> {
    const { rows } = await this.pool.query('SELECT * FROM events WHERE seq > $1 ORDER BY seq LIMIT $2', [
      afterSeq,
      limit,
    ]);
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
    const total = Number((await this.pool.query('SELECT count(*) AS n FROM orgs')).rows[0].n);
    let done = 0;
    let after = '';
    for (;;) {
      const { rows } = await this.pool.query(
        'SELECT id, state, next_due_at, open_holds FROM orgs WHERE id > $1 ORDER BY id LIMIT 500',
        [after],
      );
      if (rows.length === 0) break;
      for (const r of rows) {
        let seq = -1;
        for (;;) {
          const t = await this.pool.query(
            'SELECT seq, body FROM transactions WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT 5000',
            [r.id, seq],
          );
          for (const x of t.rows) v.addTransaction(JSON.parse(x.body));
          if (t.rows.length < 5000) break;
          seq = t.rows[t.rows.length - 1].seq;
        }
        const state = JSON.parse(r.state) as OrgState;
        v.checkOrg(state);
        checkRowColumns(v, state, r);
        done++;
        if (onProgress && (done % 1000 === 0 || done === total)) onProgress(done, total);
      }
      after = rows[rows.length - 1].id;
    }
    return v.violations;
  }

  async ping() {
    await this.pool.query('SELECT 1');
  }

  async openHoldsTotal() {
    const { rows } = await this.pool.query(
      'SELECT coalesce(sum(open_holds), 0) AS n FROM orgs WHERE open_holds > 0',
    );
    return Number(rows[0].n);
  }

  private closed = false;
  async close() {
    await this.writer.close();
    if (this.closed) return;
    this.closed = true;
    await this.orgChanges.close();
    await this.pool.end();
  }

  // --- auth records -------------------------------------------------------------------

  async createUser(u: User) {
    await this.pool.query(
      `INSERT INTO users (id, email, password_hash, created_at, email_verified_at, first_org_id)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [u.id, u.email, u.password_hash, u.created_at, u.email_verified_at, u.first_org_id],
    );
  }
  async findUserByEmail(email: string) {
    return ((await this.pool.query('SELECT * FROM users WHERE email = $1', [email])).rows[0] as User) ?? null;
  }
  async getUser(id: string) {
    return ((await this.pool.query('SELECT * FROM users WHERE id = $1', [id])).rows[0] as User) ?? null;
  }
  async markEmailVerified(userId: string, email: string, now: number) {
    const r = await this.pool.query(
      'UPDATE users SET email_verified_at = coalesce(email_verified_at, $1) WHERE id = $2 AND email = $3',
      [now, userId, email],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async setUserEmail(userId: string, fromEmail: string, toEmail: string, verifiedAt: number) {
    const r = await this.pool.query(
      'UPDATE users SET email = $1, email_verified_at = $2 WHERE id = $3 AND email = $4',
      [toEmail, verifiedAt, userId, fromEmail],
    );
    return (r.rowCount ?? 0) > 0;
  }
  async deleteUser(userId: string) {
    // The user row first: a session left by a crash after it opens nothing (its user is gone).
    await this.pool.query('DELETE FROM users WHERE id = $1', [userId]);
    await this.pool.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
    await this.pool.query('DELETE FROM one_time_tokens WHERE subject_id = $1 AND used_at IS NULL', [userId]);
    await this.pool.query('DELETE FROM org_claims WHERE user_id = $1', [userId]);
    await this.pool.query('DELETE FROM user_devices WHERE user_id = $1', [userId]);
  }
  async revokeOrgApiKeys(orgId: string, now: number) {
    const r = await this.pool.query(
      'UPDATE api_keys SET revoked_at = $1 WHERE org_id = $2 AND revoked_at IS NULL',
      [now, orgId],
    );
    return r.rowCount ?? 0;
  }
  async rememberDevice(userId: string, device: string, now: number) {
    const any = (await this.pool.query('SELECT 1 FROM user_devices WHERE user_id = $1 LIMIT 1', [userId]))
      .rowCount;
    const r = await this.pool.query('INSERT INTO user_devices VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      userId,
      device,
      now,
    ]);
    return !any ? 'first' : (r.rowCount ?? 0) > 0 ? 'new' : 'known';
  }
  async setPasswordHash(userId: string, passwordHash: string) {
    const r = await this.pool.query('UPDATE users SET password_hash = $1 WHERE id = $2', [
      passwordHash,
      userId,
    ]);
    return (r.rowCount ?? 0) > 0;
  }
  async deleteUserSessions(userId: string, keepHash: string | null) {
    const r = await this.pool.query('DELETE FROM sessions WHERE user_id = $1 AND hash IS DISTINCT FROM $2', [
      userId,
      keepHash,
    ]);
    return r.rowCount ?? 0;
  }

  // --- one-time tokens and invitations (see ../app/tokens.ts, ../app/invitations.ts) ----

  async createToken(t: OneTimeToken) {
    await this.pool.query('INSERT INTO one_time_tokens VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      t.hash,
      t.purpose,
      t.subject_id,
      t.org_id,
      t.email,
      t.created_at,
      t.expires_at,
      t.used_at,
    ]);
  }
  async findToken(hash: string) {
    const { rows } = await this.pool.query('SELECT * FROM one_time_tokens WHERE hash = $1', [hash]);
    return (rows[0] as OneTimeToken | undefined) ?? null;
  }
  async spendToken(hash: string, now: number) {
    // One statement: of two instances redeeming at once, exactly one sees a row change.
    const r = await this.pool.query(
      'UPDATE one_time_tokens SET used_at = $1 WHERE hash = $2 AND used_at IS NULL AND expires_at > $1',
      [now, hash],
    );
    return (r.rowCount ?? 0) > 0;
  }
  async restoreToken(hash: string) {
    await this.pool.query('UPDATE one_time_tokens SET used_at = NULL WHERE hash = $1', [hash]);
  }
  async deleteUnusedTokens(purpose: TokenPurpose, subjectId: string) {
    await this.pool.query(
      'DELETE FROM one_time_tokens WHERE purpose = $1 AND subject_id = $2 AND used_at IS NULL',
      [purpose, subjectId],
    );
  }
  async lastTokenAt(purpose: TokenPurpose, subjectId: string) {
    const { rows } = await this.pool.query(
      'SELECT max(created_at) AS at FROM one_time_tokens WHERE purpose = $1 AND subject_id = $2',
      [purpose, subjectId],
    );
    return (rows[0]?.at as number | null) ?? null;
  }
  async createInvitation(i: Invitation) {
    await this.pool.query('INSERT INTO invitations VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', [
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
    ]);
  }
  async getInvitation(orgId: string, id: string) {
    const { rows } = await this.pool.query('SELECT * FROM invitations WHERE org_id = $1 AND id = $2', [
      orgId,
      id,
    ]);
    return (rows[0] as Invitation | undefined) ?? null;
  }
  async listInvitations(orgId: string, limit: number, startingAfter?: string) {
    let rows: Invitation[];
    if (startingAfter === undefined)
      rows = (
        await this.pool.query(
          'SELECT * FROM invitations WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2',
          [orgId, limit + 1],
        )
      ).rows;
    else {
      const at = await this.getInvitation(orgId, startingAfter);
      if (!at) throw unknownCursor(startingAfter, 'an invitation of this org');
      rows = (
        await this.pool.query(
          `SELECT * FROM invitations WHERE org_id = $1 AND (created_at, id) < ($2, $3)
           ORDER BY created_at DESC, id DESC LIMIT $4`,
          [orgId, at.created_at, at.id, limit + 1],
        )
      ).rows;
    }
    return page(rows, limit);
  }
  async countOpenInvitations(orgId: string, now: number) {
    const { rows } = await this.pool.query(
      `SELECT count(*)::int AS n FROM invitations
        WHERE org_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2`,
      [orgId, now],
    );
    return rows[0].n as number;
  }
  async openInvitationsTo(orgId: string, email: string, now: number) {
    const { rows } = await this.pool.query(
      `SELECT * FROM invitations WHERE org_id = $1 AND email = $2
          AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3`,
      [orgId, email, now],
    );
    return rows as Invitation[];
  }
  async markInvitationAccepted(orgId: string, id: string, userId: string, memberId: string, now: number) {
    const r = await this.pool.query(
      `UPDATE invitations SET accepted_at = $1, accepted_by = $2, member_id = $3
        WHERE org_id = $4 AND id = $5 AND accepted_at IS NULL AND revoked_at IS NULL`,
      [now, userId, memberId, orgId, id],
    );
    return (r.rowCount ?? 0) > 0;
  }
  async markInvitationRevoked(orgId: string, id: string, now: number) {
    const r = await this.pool.query(
      `UPDATE invitations SET revoked_at = $1
        WHERE org_id = $2 AND id = $3 AND accepted_at IS NULL AND revoked_at IS NULL`,
      [now, orgId, id],
    );
    return (r.rowCount ?? 0) > 0;
  }
  async createSession(s: Session) {
    await this.pool.query(
      `INSERT INTO sessions (hash, user_id, csrf_token, created_at, expires_at, id, last_seen_at, user_agent, ip)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [s.hash, s.user_id, s.csrf_token, s.created_at, s.expires_at, s.id, s.last_seen_at, s.user_agent, s.ip],
    );
  }
  async findSession(hash: string, now: number) {
    const row = (
      await this.pool.query('SELECT * FROM sessions WHERE hash = $1 AND expires_at > $2', [hash, now])
    ).rows[0];
    return row ? sessionRow(row) : null;
  }
  async listUserSessions(userId: string, now: number) {
    const { rows } = await this.pool.query(
      `SELECT * FROM sessions WHERE user_id = $1 AND expires_at > $2
        ORDER BY last_seen_at DESC, id LIMIT ${SESSIONS_LISTED}`,
      [userId, now],
    );
    return rows.map(sessionRow);
  }
  async deleteUserSession(userId: string, id: string) {
    const r = await this.pool.query('DELETE FROM sessions WHERE user_id = $1 AND id = $2', [userId, id]);
    return (r.rowCount ?? 0) > 0;
  }
  async touchSession(hash: string, now: number, notBefore: number) {
    await this.pool.query('UPDATE sessions SET last_seen_at = $1 WHERE hash = $2 AND last_seen_at < $3', [
      now,
      hash,
      notBefore,
    ]);
  }
  async pruneExpiredSessions(now: number, limit: number) {
    const r = await this.pool.query(
      'DELETE FROM sessions WHERE hash IN (SELECT hash FROM sessions WHERE expires_at <= $1 LIMIT $2)',
      [now, limit],
    );
    return r.rowCount ?? 0;
  }
  async deleteSession(hash: string) {
    await this.pool.query('DELETE FROM sessions WHERE hash = $1', [hash]);
  }
  async createApiKey(k: ApiKey) {
    await this.pool.query('INSERT INTO api_keys VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      k.id,
      k.org_id,
      k.name,
      JSON.stringify(k.scopes),
      k.hash,
      k.prefix,
      k.created_at,
      k.revoked_at,
    ]);
  }
  private keyRow(r: Record<string, unknown> | undefined): ApiKey | null {
    return r ? ({ ...r, scopes: JSON.parse(r.scopes as string) } as ApiKey) : null;
  }
  async findApiKeyByHash(hash: string) {
    return this.keyRow((await this.pool.query('SELECT * FROM api_keys WHERE hash = $1', [hash])).rows[0]);
  }
  async listApiKeys(orgId: string) {
    const { rows } = await this.pool.query(
      'SELECT * FROM api_keys WHERE org_id = $1 ORDER BY created_at, id',
      [orgId],
    );
    return rows.map((r) => this.keyRow(r)!);
  }
  async revokeApiKey(orgId: string, id: string, now: number) {
    const r = await this.pool.query(
      'UPDATE api_keys SET revoked_at = $1 WHERE org_id = $2 AND id = $3 AND revoked_at IS NULL',
      [now, orgId, id],
    );
    return (r.rowCount ?? 0) > 0;
  }
  async membershipsByEmail(email: string): Promise<Membership[]> {
    const { rows } = await this.pool.query(
      'SELECT org_id, member_id, email, role FROM org_members WHERE email = $1 ORDER BY org_id',
      [email],
    );
    return rows as Membership[];
  }
  async claimOrg(userId: string, owned: number, limit: number) {
    // ON CONFLICT DO UPDATE locks the person's row and re-reads it after a concurrent claim
    // commits, so two instances claiming at once are counted one after the other.
    const r = await this.pool.query(
      `INSERT INTO org_claims (user_id, claimed) SELECT $1, $2::integer + 1 WHERE $2::integer < $3::integer
       ON CONFLICT (user_id) DO UPDATE SET claimed = GREATEST(org_claims.claimed, $2::integer) + 1
         WHERE GREATEST(org_claims.claimed, $2::integer) < $3::integer`,
      [userId, owned, limit],
    );
    return (r.rowCount ?? 0) > 0;
  }
  async releaseOrgClaim(userId: string) {
    await this.pool.query('UPDATE org_claims SET claimed = claimed - 1 WHERE user_id = $1 AND claimed > 0', [
      userId,
    ]);
  }
  async reserveIdempotency(
    scope: string,
    key: string,
    fingerprint: string,
    now: number,
    leaseExpiresAt: number,
  ) {
    // Insert-or-take-over in one statement, so two instances racing on one key agree on who
    // runs it: a key is taken over when it is past keeping, or still running under a lease
    // that ran out (its server died).
    const ins = await this.pool.query(
      `INSERT INTO request_idempotency VALUES ($1, $2, $3, NULL, NULL, false, $4, $5)
       ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, status = NULL, body = NULL,
         done = false, created_at = excluded.created_at, lease_expires_at = excluded.lease_expires_at
         WHERE request_idempotency.created_at < $4 - ${REQUEST_KEYS_KEPT_MS}
            OR (NOT request_idempotency.done AND coalesce(request_idempotency.lease_expires_at, 0) <= $4)
       RETURNING 1`,
      [scope, key, fingerprint, now, leaseExpiresAt],
    );
    if ((ins.rowCount ?? 0) > 0) return null;
    const { rows } = await this.pool.query(
      'SELECT * FROM request_idempotency WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    const r = rows[0];
    return {
      fingerprint: r.fingerprint,
      status: r.status ?? 0,
      body: r.body === null ? null : JSON.parse(r.body),
      done: r.done,
    };
  }
  async renewIdempotencyLease(scope: string, key: string, leaseExpiresAt: number) {
    await this.pool.query(
      'UPDATE request_idempotency SET lease_expires_at = $1 WHERE scope = $2 AND key = $3 AND NOT done',
      [leaseExpiresAt, scope, key],
    );
  }
  async signInFailures(subject: string): Promise<SignInFailures | null> {
    const { rows } = await this.pool.query(
      'SELECT failures, last_failed_at FROM sign_in_failures WHERE subject = $1',
      [subject],
    );
    return rows[0] ? { failures: rows[0].failures, last_failed_at: Number(rows[0].last_failed_at) } : null;
  }
  async recordSignInFailure(subject: string, now: number, forgetBefore: number): Promise<SignInFailures> {
    // Rows of subjects that stopped failing long ago go a few at a time, so the table stays small.
    await this.pool.query(
      `DELETE FROM sign_in_failures WHERE subject IN
         (SELECT subject FROM sign_in_failures WHERE last_failed_at < $1 LIMIT ${SIGN_IN_ROWS_PRUNED_PER_FAILURE})`,
      [forgetBefore],
    );
    // One upsert: instances failing the same account at once each add one, none is lost.
    const { rows } = await this.pool.query(
      `INSERT INTO sign_in_failures VALUES ($1, 1, $2)
       ON CONFLICT (subject) DO UPDATE SET
         failures = CASE WHEN sign_in_failures.last_failed_at < $3 THEN 1 ELSE sign_in_failures.failures + 1 END,
         last_failed_at = excluded.last_failed_at
       RETURNING failures, last_failed_at`,
      [subject, now, forgetBefore],
    );
    return { failures: rows[0].failures, last_failed_at: Number(rows[0].last_failed_at) };
  }
  async clearSignInFailures(subject: string) {
    await this.pool.query('DELETE FROM sign_in_failures WHERE subject = $1', [subject]);
  }
  async releaseIdempotency(scope: string, key: string) {
    await this.pool.query('DELETE FROM request_idempotency WHERE scope = $1 AND key = $2 AND NOT done', [
      scope,
      key,
    ]);
  }
  async completeIdempotency(scope: string, key: string, status: number, body: unknown) {
    await this.pool.query(
      'UPDATE request_idempotency SET status = $1, body = $2, done = true WHERE scope = $3 AND key = $4',
      [status, JSON.stringify(body), scope, key],
    );
  }
}

/** bigint columns arrive as strings (or numbers, with a type parser): times are numbers here. */
function sessionRow(r: Record<string, unknown>): Session {
  return {
    hash: String(r.hash),
    id: String(r.id),
    user_id: String(r.user_id),
    csrf_token: String(r.csrf_token),
    created_at: Number(r.created_at),
    expires_at: Number(r.expires_at),
    last_seen_at: Number(r.last_seen_at),
    user_agent: (r.user_agent as string | null) ?? null,
    ip: (r.ip as string | null) ?? null,
  };
}
