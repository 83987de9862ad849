/** Files and databases that are not ours, damaged, or newer are refused clearly and never overwritten. */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.ts';
import { POSTGRES_MIGRATIONS } from '../../src/store/migrations/postgres.ts';
import { SQLITE_MIGRATIONS } from '../../src/store/migrations/sqlite.ts';
import { openStore } from '../../src/store/open.ts';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/types.ts';
import { dropSchema, PG_URL, uniqueSchema } from './dialects.ts';

const dir = mkdtempSync(join(tmpdir(), 'amisi-refuse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite files that are not ours', () => {
  it('refuses a file that is not an SQLite database and leaves its bytes alone', async () => {
    const path = join(dir, 'notes.db');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(100));
    const before = readFileSync(path);
    await expect(openSqliteStore({ path })).rejects.toThrow(/not an SQLite database/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("refuses another application's SQLite database", async () => {
    const path = join(dir, 'other.db');
    const db = new Database(path);
    db.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)');
    db.close();
    const before = readFileSync(path);
    await expect(openSqliteStore({ path })).rejects.toThrow(/another application/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a truncated database with a clear error instead of starting empty', async () => {
    const path = join(dir, 'truncated.db');
    const store = await openSqliteStore({ path });
    await store.createOrg({ id: 'org_x', name: 'X', tier: 'basic' }, { now: Date.now() });
    await store.close();
    truncateSync(path, 3000);
    const before = readFileSync(path);
    await expect(openSqliteStore({ path })).rejects.toBeInstanceOf(StoreError);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a database written by a newer schema', async () => {
    const path = join(dir, 'newer.db');
    const store = await openSqliteStore({ path });
    await store.close();
    const db = new Database(path);
    db.prepare(`UPDATE amisi_meta SET value = '999' WHERE key = 'schema_version'`).run();
    db.close();
    await expect(openSqliteStore({ path })).rejects.toThrow(/schema version 999, newer than this build/);
  });

  it('names the accepted DATABASE_URL forms when given another', async () => {
    await expect(openStore('mysql://localhost/x')).rejects.toThrow(
      /must start with sqlite: or postgres:\/\//,
    );
  });
});

describe('PostgreSQL schemas that are not ours', () => {
  it("refuses a schema holding another application's tables, and a newer schema version", async () => {
    const schema = uniqueSchema();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(`CREATE SCHEMA ${schema}`);
      await c.query(`CREATE TABLE ${schema}.invoices (id int)`);
      await expect(openPostgresStore({ url: PG_URL, schema })).rejects.toThrow(/another application/);
      await c.query(`DROP TABLE ${schema}.invoices`);
      const store = await openPostgresStore({ url: PG_URL, schema });
      await store.close();
      await c.query(`UPDATE ${schema}.amisi_meta SET value = '999' WHERE key = 'schema_version'`);
      await expect(openPostgresStore({ url: PG_URL, schema })).rejects.toThrow(/newer than this build/);
    } finally {
      await c.end();
      await dropSchema(schema);
    }
  });

  it('says clearly when the server cannot be reached', async () => {
    await expect(openPostgresStore({ url: 'postgres://postgres@127.0.0.1:1/none' })).rejects.toThrow(
      /cannot reach PostgreSQL/,
    );
  });
});

/** A store opened on an old schema takes writes that use the newest columns (v4's open holds). */
async function writesOnMigrated(store: Store) {
  const now = Date.now();
  expect((await store.createOrg({ id: 'org_old', name: 'Old', tier: 'free' }, { now })).ok).toBe(true);
  expect((await store.execute('org_old', { type: 'hold', amount: 2, ttl_seconds: 60 }, { now })).ok).toBe(
    true,
  );
  expect(await store.openHoldsTotal()).toBe(1);
  await store.close();
}

describe('databases written by an older build', () => {
  it('are migrated forward step by step on open, keeping their data (SQLite)', async () => {
    const path = join(dir, 'old.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE amisi_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    db.prepare(`INSERT INTO amisi_meta VALUES ('app', 'amisi-credits'), ('schema_version', '1')`).run();
    db.exec(SQLITE_MIGRATIONS[0]!);
    db.close();
    await writesOnMigrated(await openSqliteStore({ path }));
    const check = new Database(path);
    const version = check.prepare(`SELECT value FROM amisi_meta WHERE key = 'schema_version'`).pluck().get();
    check.close();
    expect(Number(version)).toBe(SQLITE_MIGRATIONS.length);
  });

  it('are migrated forward step by step on open (PostgreSQL)', async () => {
    const schema = uniqueSchema();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(`CREATE SCHEMA ${schema}`);
      await c.query(`SET search_path TO ${schema}`);
      await c.query('CREATE TABLE amisi_meta (key text PRIMARY KEY, value text NOT NULL)');
      await c.query(`INSERT INTO amisi_meta VALUES ('app', 'amisi-credits'), ('schema_version', '1')`);
      await c.query(POSTGRES_MIGRATIONS[0]!);
      await writesOnMigrated(await openPostgresStore({ url: PG_URL, schema }));
      const v = await c.query(`SELECT value FROM amisi_meta WHERE key = 'schema_version'`);
      expect(Number(v.rows[0].value)).toBe(POSTGRES_MIGRATIONS.length);
    } finally {
      await c.end();
      await dropSchema(schema);
    }
  });
});
