/**
 * What differs between SQLite and PostgreSQL, and nothing else: how a batch's org rows
 * are locked and read, how its rows go to the server (per row on SQLite, whose statements
 * cost no round trip; one statement of JSON arrays on PostgreSQL, where each round trip
 * costs), the migrations, and a few functions. Everything built on it is written once
 * (batch-save.ts, auth-repo.ts, outbox-repo.ts, sql-store.ts).
 */
import type { BatchRows, IdempotencyRow } from './batch-rows.ts';

export type { IdempotencyRow };

import type { Proc } from './sql.ts';
import type { StoredTxn } from './txn-rows.ts';

export interface OrgRowVersion {
  id: string;
  version: number;
  /** The state's JSON, or null when the version equals the one the caller has cached. */
  state: string | null;
}

export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  readonly migrations: string[];
  /** `max` (SQLite, two arguments) or `GREATEST` (PostgreSQL). */
  readonly greatest: string;
  /** Matches a transaction row by its id (PostgreSQL keeps an id column, SQLite reads the body). */
  readonly txnIdIs: string;
  /** Appended to a claim's SELECT: PostgreSQL skips rows another server is claiming; SQLite has one writer. */
  readonly skipLocked: string;
  /** Names of the tables of the store's schema. */
  tableNames(): Proc<string[]>;
  /** Inside the migration's transaction: one migrator at a time across every process. */
  lockForMigration(): Proc<void>;
  /**
   * Inside a batch's transaction: the org rows of `ids` (sorted), locked against other
   * writers until commit, each with its state only if its version is not `versions[i]`.
   */
  loadOrgs(ids: string[], versions: number[]): Proc<OrgRowVersion[]>;
  /** Idempotency records of (org, key) pairs, the body as stored (JSON text). */
  loadIdempotency(keys: { org_id: string; key: string }[]): Proc<IdempotencyRow[]>;
  /** Stored transactions (txn-rows.ts) by (org, seq). */
  loadTransactions(refs: { org_id: string; seq: number }[]): Proc<(StoredTxn & { seq: number })[]>;
  /** Writes a batch's rows (already built, see batch-save.ts) inside its transaction. */
  writeBatch(rows: BatchRows, now: number): Proc<void>;
}
