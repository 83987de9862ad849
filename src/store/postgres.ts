/**
 * PostgreSQL: for operators who run several stateless instances on one database. A batch
 * locks its orgs with `SELECT … FOR UPDATE` in sorted id order (so two instances can never
 * deadlock), reloads only the states whose version moved since this instance cached them,
 * applies the core's rules in memory, and writes everything back with one statement per
 * table (`unnest` arrays), then commits. Same rules, same batches as SQLite.
 */
import pg from 'pg';
import { type Catalog, defaultCatalog } from '../core/index.ts';
import type { Op } from './batch.ts';
import { type Answer, commitBatch } from './batch-save.ts';
import type { Dialect } from './dialect.ts';
import { StoreError } from './errors.ts';
import type { GroupCommitOptions } from './group-commit.ts';
import { QUIET_MS } from './group-commit.ts';
import { changesChannel, PostgresOrgChanges } from './org-changes-postgres.ts';
import type { Proc } from './sql.ts';
import { PostgresDriver, postgresDialect } from './sql-postgres.ts';
import { type Engine, SqlStore } from './sql-store.ts';
import { StateCache } from './state-cache.ts';
import { type WriteArgs, type WriteName, type WriteResultOf, writeProc } from './writes.ts';
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
  try {
    await store.migrate();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

/** Where PostgreSQL runs the store's procedures: all of them on the pool, on the calling thread. */
class PostgresEngine implements Engine {
  readonly dialect: Dialect;
  readonly orgChanges: PostgresOrgChanges;
  readonly batchOptions: GroupCommitOptions;
  private readonly driver: PostgresDriver;
  private readonly cache = new StateCache();

  constructor(
    readonly pool: pg.Pool,
    options: PostgresOptions,
    schema: string,
    private readonly catalog: Catalog,
  ) {
    this.orgChanges = new PostgresOrgChanges(options.url, changesChannel(schema));
    this.dialect = postgresDialect(schema, this.orgChanges.channel);
    this.driver = new PostgresDriver(pool);
    this.batchOptions = {
      maxBatch: options.batch?.maxBatch ?? 512,
      maxQueue: options.batch?.maxQueue ?? 200_000,
      // Batches on disjoint orgs overlap their round trips to the server (see group-commit.ts).
      concurrency: options.batch?.concurrency ?? 3,
      quietMs: options.batch?.quietMs ?? QUIET_MS,
    };
  }

  read<T>(proc: Proc<T>, _org?: string): Promise<T> {
    return this.driver.run(proc);
  }

  /** PostgreSQL writes every row in the batch's own statement: every read is direct. */
  readDirect<T>(proc: Proc<T>): Promise<T> {
    return this.driver.run(proc);
  }

  write<K extends WriteName>(name: K, ...args: WriteArgs<K>): Promise<WriteResultOf<K>> {
    return this.driver.run(writeProc(this.dialect, name, args));
  }

  commit(ops: Op[]): Promise<Answer[]> {
    return this.driver.run(commitBatch({ d: this.dialect, cache: this.cache, catalog: this.catalog }, ops));
  }

  private closed = false;
  async close() {
    if (this.closed) return;
    this.closed = true;
    await this.orgChanges.close();
    await this.pool.end();
  }
}

export class PostgresStore extends SqlStore {
  constructor(
    readonly pool: pg.Pool,
    options: PostgresOptions,
    readonly schema: string,
  ) {
    const catalog = options.catalog ?? defaultCatalog;
    super(new PostgresEngine(pool, options, schema, catalog), catalog);
  }
}
