/** Opens the store a DATABASE_URL names: `sqlite:<path>` (the default) or `postgres://…`. */
import { existsSync } from 'node:fs';
import type { Catalog } from '../core/index.ts';
import { StoreError } from './errors.ts';
import type { Store } from './types.ts';

export const DEFAULT_DATABASE_URL = 'sqlite:./data/amisi.db';

export interface OpenOptions {
  catalog?: Catalog;
  /** PostgreSQL schema (tests isolate themselves with one each). */
  schema?: string;
  /**
   * Refuse a database that does not exist yet instead of creating it: every CLI command
   * but `serve` and `migrate` (a typo in DATABASE_URL must not verify an empty database).
   */
  mustExist?: boolean;
}

export async function openStore(
  databaseUrl: string = DEFAULT_DATABASE_URL,
  options: OpenOptions = {},
): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) {
    const path = databaseUrl.slice('sqlite:'.length);
    if (path.length === 0)
      throw new StoreError('DATABASE_URL sqlite: needs a file path, e.g. sqlite:./data/amisi.db');
    if (options.mustExist && path !== ':memory:' && !existsSync(path))
      throw new StoreError(
        `no database at ${path} (DATABASE_URL=${databaseUrl}): check the path, or create it with \`amisi migrate\``,
      );
    const { openSqliteStore } = await import('./sqlite.ts');
    return openSqliteStore({ path, ...(options.catalog ? { catalog: options.catalog } : {}) });
  }
  if (databaseUrl.startsWith('postgres://') || databaseUrl.startsWith('postgresql://')) {
    const { openPostgresStore } = await import('./postgres.ts');
    return openPostgresStore({ url: databaseUrl, ...options });
  }
  throw new StoreError(
    `DATABASE_URL must start with sqlite: or postgres:// (got ${databaseUrl.split(':')[0]}:…)`,
  );
}
