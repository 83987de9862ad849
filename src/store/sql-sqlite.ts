/**
 * SQLite's driver and dialect. better-sqlite3 is synchronous: a procedure runs start to
 * finish on the connection's thread (the writer thread for writes), each statement
 * compiled once and reused. Batches write row by row: a statement costs no round trip here.
 */
import type Database from 'better-sqlite3';
import type { BatchRows } from './batch-save.ts';
import type { Dialect, IdempotencyRow, OrgRowVersion } from './dialect.ts';
import { SQLITE_MIGRATIONS } from './migrations/sqlite.ts';
import { all, get, type Proc, type Result, run, runMany, runSync, type Step } from './sql.ts';
import { type StoredTxn, TXN_COLUMNS } from './txn-rows.ts';

const toSqlite = (v: unknown) => (v === true ? 1 : v === false ? 0 : v === undefined ? null : v);

/** Runs procedures on one connection. */
export class SqliteDriver {
  /** Statements are compiled once and reused: preparing costs more than running a lookup. */
  private readonly statements = new Map<string, Database.Statement>();
  constructor(readonly db: Database.Database) {}

  private statement(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  private readonly exec = (step: Step): unknown => {
    switch (step.kind) {
      case 'query': {
        const st = this.statement(step.sql);
        const args = step.args.map(toSqlite);
        if (st.reader) {
          const rows = st.all(...args) as Result['rows'];
          return { rows, changes: rows.length };
        }
        return { rows: [], changes: st.run(...args).changes };
      }
      case 'many': {
        const st = this.statement(step.sql);
        let n = 0;
        for (const r of step.rows) n += st.run(...r.map(toSqlite)).changes;
        return n;
      }
      case 'script':
        this.db.exec(step.sql);
        return undefined;
      case 'tx': {
        // BEGIN IMMEDIATE: a transaction that reads before it writes takes the write lock
        // first, so another process cannot change what it read. Nested: a savepoint.
        const tx = this.db.transaction(() => this.run(step.body()));
        if (this.db.inTransaction) return tx();
        if (step.waitForDisk !== false) return tx.immediate();
        // A commit that need not be durable on its own (the projection of the command log:
        // the log is durable, and a lost projection is replayed). In WAL mode NORMAL skips
        // the fsync of this commit only; the WAL keeps transactions whole and in order, so a
        // power loss drops at most a suffix of such commits, and the next FULL commit's fsync
        // makes every frame before it durable too.
        const level = this.db.pragma('synchronous', { simple: true }) as number;
        this.db.pragma('synchronous = NORMAL');
        try {
          return tx.immediate();
        } finally {
          this.db.pragma(`synchronous = ${level}`);
        }
      }
    }
  };

  run<T>(proc: Proc<T>): T {
    return runSync(proc, this.exec);
  }
}

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  migrations: SQLITE_MIGRATIONS,
  greatest: 'max',
  txnIdIs: "json_extract(body, '$.id') = ?",
  skipLocked: '',

  *tableNames() {
    return (yield* all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)).map(
      (r) => r.name,
    );
  },

  *lockForMigration() {
    // The migration's transaction is IMMEDIATE: it holds the file's write lock already.
  },

  *loadOrgs(ids, versions) {
    const out: OrgRowVersion[] = [];
    for (let i = 0; i < ids.length; i++) {
      const r = yield* get<{ version: number; state: string | null }>(
        'SELECT version, CASE WHEN version <> ? THEN state END AS state FROM orgs WHERE id = ?',
        versions[i],
        ids[i],
      );
      if (r) out.push({ id: ids[i]!, version: r.version, state: r.state });
    }
    return out;
  },

  *loadIdempotency(keys) {
    const out: IdempotencyRow[] = [];
    for (const k of keys) {
      const r = yield* get<IdempotencyRow>(
        'SELECT org_id, key, fingerprint, status, body, created_at FROM idempotency WHERE org_id = ? AND key = ?',
        k.org_id,
        k.key,
      );
      if (r) out.push(r);
    }
    return out;
  },

  *loadTransactions(refs) {
    const out: (StoredTxn & { seq: number })[] = [];
    for (const x of refs) {
      const r = yield* get<StoredTxn>(
        `SELECT ${TXN_COLUMNS} FROM transactions WHERE org_id = ? AND seq = ?`,
        x.org_id,
        x.seq,
      );
      if (r) out.push({ ...r, seq: x.seq });
    }
    return out;
  },

  *writeBatch(rows: BatchRows, now: number): Proc<void> {
    yield* runMany(
      'INSERT INTO orgs (id, version, next_due_at, state, created_at, updated_at, open_holds) VALUES (?, ?, ?, ?, ?, ?, ?)',
      rows.created.map((o) => [o.id, o.version, o.due, o.state, now, now, o.open]),
    );
    yield* runMany(
      'UPDATE orgs SET version = ?, next_due_at = ?, state = ?, updated_at = ?, open_holds = ? WHERE id = ?',
      rows.updated.map((o) => [o.version, o.due, o.state, now, o.open, o.id]),
    );
    for (const m of rows.members) {
      yield* run('DELETE FROM org_members WHERE org_id = ?', m.org_id);
      yield* runMany(
        'INSERT INTO org_members VALUES (?, ?, ?, ?)',
        m.members.map((x) => [m.org_id, x.id, x.email, x.role]),
      );
    }
    yield* runMany(
      'INSERT INTO transactions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      rows.txns.map((t) => [
        t.org_id,
        t.seq,
        t.type,
        t.visible,
        t.amount,
        t.created_at,
        t.member_id,
        t.project_id,
        t.body,
      ]),
    );
    yield* runMany(
      `INSERT INTO usage_daily VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET credits = credits + excluded.credits, count = count + excluded.count`,
      rows.usage.map((c) => [
        c.org_id,
        c.day,
        c.tool,
        c.operation,
        c.member_id,
        c.project_id,
        c.credits,
        c.count,
      ]),
    );
    yield* runMany(
      `INSERT INTO history (org_id, kind, seq, id, status, payment_id, body) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (org_id, kind, seq) DO UPDATE SET status = excluded.status,
         payment_id = excluded.payment_id, body = excluded.body`,
      rows.history.map((h) => [h.org_id, h.kind, h.seq, h.id, h.status, h.payment_id, h.body]),
    );
    yield* runMany(
      'INSERT INTO events (org_id, type, at, data) VALUES (?, ?, ?, ?)',
      rows.events.map((e) => [e.org_id, e.type, e.at, e.data]),
    );
    yield* runMany(
      `INSERT INTO idempotency VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (org_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, status = excluded.status,
         body = excluded.body, created_at = excluded.created_at`,
      rows.idempotency.map((r) => [r.org_id, r.key, r.fingerprint, r.status, r.body, r.created_at]),
    );
  },
};
