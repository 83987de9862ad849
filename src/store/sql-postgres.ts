/**
 * PostgreSQL's driver and dialect. A procedure runs on the pool, one round trip per
 * statement; a transaction takes one client for its whole length. A batch locks its org
 * rows with `SELECT … FOR UPDATE` in sorted id order (two instances never deadlock) and
 * writes everything in ONE statement of JSON arrays (data-modifying CTEs,
 * json_to_recordset): JSON.stringify is native, while pg's escaping of text[] parameters
 * costs more than the rules themselves.
 */
import type pg from 'pg';
import type { BatchRows } from './batch-save.ts';
import type { Dialect, IdempotencyRow, OrgRowVersion } from './dialect.ts';
import { POSTGRES_MIGRATIONS } from './migrations/postgres.ts';
import { all, num, type Proc, query, runAsync, type Step } from './sql.ts';
import type { StoredTxn } from './txn-rows.ts';

/** `?` placeholders numbered as PostgreSQL wants them (`$1`, `$2`, …), outside quoted text. */
const numbered = new Map<string, string>();
export function dollarPlaceholders(sql: string): string {
  let out = numbered.get(sql);
  if (out !== undefined) return out;
  let n = 0;
  let quoted = false;
  out = '';
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    out += ch === '?' && !quoted ? `$${++n}` : ch;
  }
  numbered.set(sql, out);
  return out;
}

export class PostgresDriver {
  constructor(readonly pool: pg.Pool) {}

  private exec(on: pg.Pool | pg.PoolClient): (step: Step) => Promise<unknown> {
    return async (step) => {
      switch (step.kind) {
        case 'query': {
          const r = await on.query(dollarPlaceholders(step.sql), step.args);
          return { rows: r.rows, changes: r.rowCount ?? r.rows.length };
        }
        case 'many': {
          let n = 0;
          const sql = dollarPlaceholders(step.sql);
          for (const args of step.rows) n += (await on.query(sql, args)).rowCount ?? 0;
          return n;
        }
        case 'script':
          await on.query(step.sql);
          return undefined;
        case 'tx': {
          // Nested: already on the transaction's client.
          if (on !== this.pool) return runAsync(step.body(), this.exec(on));
          const c = await this.pool.connect();
          try {
            await c.query('BEGIN');
            const v = await runAsync(step.body(), this.exec(c));
            await c.query('COMMIT');
            return v;
          } catch (e) {
            await c.query('ROLLBACK').catch(() => {});
            throw e;
          } finally {
            c.release();
          }
        }
      }
    };
  }

  run<T>(proc: Proc<T>): Promise<T> {
    return runAsync(proc, this.exec(this.pool));
  }
}

export function postgresDialect(schema: string, changesChannel: string): Dialect {
  return {
    name: 'postgres',
    migrations: POSTGRES_MIGRATIONS,
    greatest: 'GREATEST',
    txnIdIs: 'id = ?',
    skipLocked: ' FOR UPDATE SKIP LOCKED',

    *tableNames() {
      return (yield* all<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = ?',
        schema,
      )).map((r) => r.table_name);
    },

    *lockForMigration() {
      yield* query(`SELECT pg_advisory_xact_lock(hashtext('amisi_migrate_' || ?::text))`, schema);
    },

    *loadOrgs(ids, versions) {
      return yield* all<OrgRowVersion>(
        `SELECT o.id, o.version, CASE WHEN o.version <> c.v THEN o.state END AS state
           FROM orgs o JOIN unnest(?::text[], ?::bigint[]) AS c(id, v) ON o.id = c.id
          ORDER BY o.id FOR UPDATE OF o`,
        ids,
        versions,
      );
    },

    *loadIdempotency(keys) {
      return yield* all<IdempotencyRow>(
        `SELECT i.org_id, i.key, i.fingerprint, i.status, i.body, i.created_at
           FROM idempotency i JOIN unnest(?::text[], ?::text[]) AS k(org_id, key)
             ON i.org_id = k.org_id AND i.key = k.key`,
        keys.map((k) => k.org_id),
        keys.map((k) => k.key),
      );
    },

    *loadTransactions(refs) {
      const rows = yield* all<StoredTxn & { seq: unknown }>(
        `SELECT t.org_id, t.seq, t.type, t.amount, t.created_at, t.visible, t.body FROM transactions t
           JOIN unnest(?::text[], ?::bigint[]) AS k(org_id, seq) ON t.org_id = k.org_id AND t.seq = k.seq`,
        refs.map((x) => x.org_id),
        refs.map((x) => x.seq),
      );
      return rows.map((r) => ({ ...r, seq: num(r.seq) }));
    },

    *writeBatch(rows: BatchRows, now: number): Proc<void> {
      const members = rows.members.flatMap((m) =>
        m.members.map((x) => ({ org_id: m.org_id, member_id: x.id, email: x.email, role: x.role })),
      );
      yield* query(
        `WITH upd AS (
           UPDATE orgs o SET version = u.version, next_due_at = u.due, state = u.state, updated_at = ?,
                  open_holds = u.open
             FROM json_to_recordset(?::json) AS u(id text, version bigint, due bigint, open int, state text)
            WHERE o.id = u.id),
         ins AS (
           INSERT INTO orgs (id, version, next_due_at, state, created_at, updated_at, open_holds)
           SELECT id, version, due, state, ?, ?, open
             FROM json_to_recordset(?::json) AS u(id text, version bigint, due bigint, open int, state text)),
         txns AS (
           INSERT INTO transactions
           SELECT org_id, seq, id, type, visible, amount, created_at, member_id, project_id, body
             FROM json_to_recordset(?::json) AS t(org_id text, seq bigint, id text, type text,
               visible boolean, amount bigint, created_at bigint, member_id text, project_id text, body text)),
         usage AS (
           INSERT INTO usage_daily
           SELECT org_id, day, tool, operation, member_id, project_id, credits, count
             FROM json_to_recordset(?::json) AS x(org_id text, day bigint, tool text,
               operation text, member_id text, project_id text, credits bigint, count bigint)
           ON CONFLICT (org_id, day, tool, operation, member_id, project_id)
           DO UPDATE SET credits = usage_daily.credits + excluded.credits, count = usage_daily.count + excluded.count),
         hist AS (
           INSERT INTO history (org_id, kind, seq, id, status, payment_id, body)
           SELECT org_id, kind, seq, id, status, payment_id, body
             FROM json_to_recordset(?::json) AS h(org_id text, kind text, seq bigint, id text,
               status text, payment_id text, body text)
           ON CONFLICT (org_id, kind, seq) DO UPDATE SET status = excluded.status,
             payment_id = excluded.payment_id, body = excluded.body),
         events AS (
           INSERT INTO events (org_id, type, at, data)
           SELECT org_id, type, at, data
             FROM json_to_recordset(?::json) AS e(org_id text, type text, at bigint, data text)),
         idem AS (
           INSERT INTO idempotency
           SELECT org_id, key, fingerprint, status, body, created_at
             FROM json_to_recordset(?::json) AS r(org_id text, key text, fingerprint text,
               status int, body text, created_at bigint)
           ON CONFLICT (org_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, status = excluded.status,
             body = excluded.body, created_at = excluded.created_at),
         gone AS (
           DELETE FROM org_members WHERE org_id IN (SELECT unnest(?::text[]))),
         notify AS (SELECT pg_notify(?, id) FROM unnest(?::text[]) AS n(id))
         SELECT (SELECT count(*) FROM notify)`,
        now,
        JSON.stringify(rows.updated),
        now,
        now,
        JSON.stringify(rows.created),
        JSON.stringify(rows.txns),
        JSON.stringify(rows.usage),
        JSON.stringify(rows.history),
        JSON.stringify(rows.events),
        JSON.stringify(rows.idempotency),
        rows.members.map((m) => m.org_id),
        changesChannel,
        rows.changed,
      );
      // After the delete above (a CTE's statements see the same snapshot, so not within it).
      if (members.length > 0)
        yield* query(
          `INSERT INTO org_members
           SELECT org_id, member_id, email, role
             FROM json_to_recordset(?::json) AS m(org_id text, member_id text, email text, role text)`,
          JSON.stringify(members),
        );
    },
  };
}
