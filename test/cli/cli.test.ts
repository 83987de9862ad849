/** The amisi CLI end to end, as a person runs it: real processes on a real SQLite file. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.ts';
import { PG_URL } from '../store/dialects.ts';

const BIN = new URL('../../bin/amisi.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'amisi-cli-'));
const db = join(dir, 'amisi.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function amisi(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, DATABASE_URL: `sqlite:${db}`, NODE_ENV: 'test' },
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// Real processes: each command starts Node and opens the file, so give every test a wide margin.
describe('amisi CLI', { timeout: 300_000 }, () => {
  it('prints help for every command', () => {
    expect(amisi('--help').out).toMatch(/commands:[\s\S]*verify/);
    for (const c of ['serve', 'migrate', 'verify', 'renew', 'demo', 'export']) {
      const r = amisi(c, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/usage: amisi/);
    }
  });

  it('refuses unknown commands and flags with exit code 2', () => {
    expect(amisi('frobnicate').code).toBe(2);
    const r = amisi('verify', '--bogus');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Unknown option '--bogus'/);
    expect(amisi('demo', '--months', '0').err).toMatch(/--months must be an integer from 1 to 24/);
  });

  it('migrates, builds a demo, verifies it, renews and exports', () => {
    expect(amisi('migrate').code).toBe(0);
    const demo = amisi('demo', '--months', '2', '--seed', '7');
    expect(demo.code).toBe(0);
    expect(demo.out).toMatch(/org_demo_business_7\tbusiness/);
    const verify = amisi('verify');
    expect(verify.code).toBe(0);
    expect(verify.out).toMatch(/verify: OK/);
    expect(amisi('renew').out).toMatch(/renew: \d+ org\(s\)/);
    const csv = amisi('export', '--org', 'org_demo_pro_7');
    expect(csv.code).toBe(0);
    const lines = csv.out.trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,created_at,type,amount,balance_after/);
    expect(lines.length).toBeGreaterThan(3);
    const json = amisi('export', '--org', 'org_demo_pro_7', '--format', 'json', '--type', 'allocation');
    const rows = json.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.every((t) => t.type === 'allocation')).toBe(true);
    expect(amisi('export', '--org', 'org_nope').code).toBe(2);
  });

  it('exports JSON in the API’s shapes: RFC 3339 times, no journal internals', () => {
    const json = amisi('export', '--org', 'org_demo_pro_7', '--format', 'json');
    expect(json.code).toBe(0);
    const rows = json.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThan(3);
    for (const t of rows) {
      expect(t.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(t).not.toHaveProperty('postings');
      expect(t).not.toHaveProperty('visible');
      expect(t).not.toHaveProperty('org_id');
    }
    expect(Object.keys(rows.find((t) => t.type === 'usage')).sort()).toEqual(
      [
        'amount',
        'balance_after',
        'created_at',
        'description',
        'hold_id',
        'id',
        'purchase_id',
        'sources',
        'type',
        'usage',
      ].sort(),
    );
  });

  it('ends quietly with status 0 when the reader closes the pipe (export | head -1)', () => {
    const r = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${BIN}" export --org org_demo_enterprise_7 --format json | head -1; echo "status=\${PIPESTATUS[0]}" >&2`,
      ],
      {
        env: { ...process.env, DATABASE_URL: `sqlite:${db}`, NODE_ENV: 'test' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.stderr).toMatch(/status=0/);
  });

  it('refuses, in every command but serve and migrate, an SQLite database that does not exist, creating nothing', () => {
    const typo = join(dir, 'typo.db');
    for (const args of [
      ['verify'],
      ['renew'],
      ['export', '--org', 'org_x'],
      ['demo', '--months', '1'],
      ['reconcile'],
    ]) {
      const r = spawnSync(process.execPath, [BIN, ...args], {
        env: { ...process.env, DATABASE_URL: `sqlite:${typo}`, NODE_ENV: 'test' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/no database at .*typo\.db .*amisi migrate/);
      expect(existsSync(typo)).toBe(false);
    }
    const m = spawnSync(process.execPath, [BIN, 'migrate'], {
      env: { ...process.env, DATABASE_URL: `sqlite:${typo}`, NODE_ENV: 'test' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(m.status).toBe(0);
    expect(existsSync(typo)).toBe(true);
  });

  it('refuses a PostgreSQL schema that was never migrated, creating nothing', async () => {
    const url = PG_URL;
    const schema = `cli_missing_${process.pid}_${Date.now().toString(36)}`;
    await expect(openStore(url, { schema, mustExist: true })).rejects.toThrow(
      new RegExp(`schema ${schema} .* holds no Amisi Credits database: .*amisi migrate`),
    );
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const r = await c.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
    await c.end();
    expect(r.rowCount).toBe(0);
  });

  it('exits 1 and names the broken invariant when the journal was tampered with', () => {
    const raw = new Database(db);
    const row = raw.prepare(`SELECT rowid, body FROM transactions WHERE type = 'usage' LIMIT 1`).get() as {
      rowid: number;
      body: string;
    };
    const body = JSON.parse(row.body);
    body.balance_after += 1;
    raw.prepare('UPDATE transactions SET body = ? WHERE rowid = ?').run(JSON.stringify(body), row.rowid);
    raw.close();
    const r = amisi('verify');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/balance_after_replays/);
    expect(r.out).toMatch(/verify: FAILED/);
  });

  it('refuses a database file that is not ours, without touching it', () => {
    const r = spawnSync(process.execPath, [BIN, 'migrate'], {
      env: { ...process.env, DATABASE_URL: `sqlite:${BIN}` },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not an SQLite database/);
  });
});
