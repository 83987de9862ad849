/**
 * The two real databases every store test runs against: a fresh SQLite file in a temp
 * directory, and a fresh schema on the PostgreSQL server named by AMISI_TEST_PG_URL
 * (default: the machine's own server). Nothing is mocked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Catalog } from '../../src/core/index.ts';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/types.ts';

export const PG_URL = process.env.AMISI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Harness {
  dialect: 'sqlite' | 'postgres';
  store: Store;
  /** Closes and opens the same database again, like a server restart. */
  reopen(): Promise<Store>;
  /** Where the data lives: a file path or a schema name (for child processes). */
  location: string;
  cleanup(): Promise<void>;
}

let counter = 0;
export const uniqueSchema = () => `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;

export async function openHarness(dialect: 'sqlite' | 'postgres', catalog?: Catalog): Promise<Harness> {
  const opts = catalog ? { catalog } : {};
  let open: () => Promise<Store>;
  let location: string;
  let remove: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'amisi-store-'));
    location = join(dir, 'amisi.db');
    open = () => openSqliteStore({ path: location, ...opts });
    remove = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    location = uniqueSchema();
    open = () => openPostgresStore({ url: PG_URL, schema: location, ...opts });
    remove = () => dropSchema(location);
  }
  const h: Harness = {
    dialect,
    store: await open(),
    location,
    async reopen() {
      await h.store.close();
      h.store = await open();
      return h.store;
    },
    async cleanup() {
      await h.store.close();
      await remove();
    },
  };
  return h;
}

export async function dropSchema(schema: string) {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
}

export const DIALECTS = ['sqlite', 'postgres'] as const;
