/**
 * Where the store's procedures run: SQLite's writer thread or PostgreSQL's pool. Apart from
 * sql-store.ts so the parts it builds (the outbox) can be handed one without importing it.
 */
import type { Op } from './batch.ts';
import type { Answer } from './batch-save.ts';
import type { Dialect } from './dialect.ts';
import type { BatchInfo, GroupCommitOptions } from './group-commit.ts';
import type { Proc } from './sql.ts';
import type { OrgChanges } from './types.ts';
import type { WriteArgs, WriteName, WriteResultOf } from './writes.ts';

/** Where the store's procedures run (see sqlite.ts and postgres.ts). */
export interface Engine {
  readonly dialect: Dialect;
  readonly orgChanges: OrgChanges;
  readonly batchOptions: GroupCommitOptions;
  /**
   * Runs a procedure that only reads, seeing every write acknowledged before it. `org`: the
   * read is about that org alone (its state, log, history, usage), so only its rows need
   * to be current.
   */
  read<T>(proc: Proc<T>, org?: string): Promise<T>;
  /**
   * Runs a read of tables written in the write's own transaction (accounts, sessions, API
   * keys, request keys, members, the schema): SQLite's read does not first wait for the
   * command log's projection (decision 0013).
   */
  readDirect<T>(proc: Proc<T>): Promise<T>;
  /** Runs a named write procedure (writes.ts) where the store's writes run. */
  write<K extends WriteName>(name: K, ...args: WriteArgs<K>): Promise<WriteResultOf<K>>;
  /** Commits a batch of the group commit (batch-save.ts). */
  commit(ops: Op[], info: BatchInfo): Promise<Answer[]>;
  close(): Promise<void>;
}
