/**
 * Running the server: health and readiness, metrics, the OpenAPI document and docs page,
 * request ids, logs without secrets, settings refused at start, and `amisi serve` starting,
 * logging its URL and stopping cleanly.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { REDACT } from '../../src/http/server.ts';
import { buildServer } from '../../src/main.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { ADMIN_KEY, type Api, expectProblem, newOrg, startApi, uniqueEmail } from './harness.ts';

describe('operations', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi('sqlite');
  });
  afterAll(async () => {
    await api?.close();
  });

  it('reports liveness, health and readiness without credentials', async () => {
    for (const path of ['/livez', '/healthz', '/readyz']) {
      const r = await api.call('GET', path, { key: null });
      expect(r.status, path).toBe(200);
    }
  });

  it('exports Prometheus metrics: request durations, credits charged, holds, batch sizes', async () => {
    const org = await newOrg(api);
    await api.call('POST', `/v1/orgs/${org}/usage`, { body: { tool: 'image.generate', operation: '4k' } });
    const h = await api.call('POST', `/v1/orgs/${org}/holds`, { body: { amount: 1 } });
    await api.call('POST', `/v1/orgs/${org}/holds/${h.body.id}/release`);
    const m = await api.call('GET', '/metrics', { key: null });
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toContain('text/plain');
    expect(m.text).toMatch(/amisi_http_request_duration_seconds_bucket\{.*route="\/v1\/orgs\/:org\/usage"/);
    expect(m.text).toMatch(/^amisi_credits_charged_total 3$/m);
    expect(m.text).toMatch(/^amisi_holds_total\{event="created"\} 1$/m);
    expect(m.text).toMatch(/^amisi_holds_total\{event="released"\} 1$/m);
    expect(m.text).toMatch(/^amisi_store_batch_size_count [1-9]/m);
    expect(m.text).toMatch(/amisi_ledger_writes_total\{command="consume",outcome="ok"\} 1/);
  });

  it('serves an OpenAPI 3.1 document describing every resource, and a docs page', async () => {
    const r = await api.call('GET', '/openapi.json', { key: null });
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    const paths = r.body.paths as Record<string, Record<string, unknown>>;
    const expected: [string, string][] = [
      ['get', '/v1/catalog'],
      ['post', '/v1/orgs'],
      ['get', '/v1/orgs/{org}'],
      ['get', '/v1/orgs/{org}/balance'],
      ['get', '/v1/orgs/{org}/subscription'],
      ['post', '/v1/orgs/{org}/subscription'],
      ['post', '/v1/orgs/{org}/subscription/cancel'],
      ['post', '/v1/orgs/{org}/quotes'],
      ['post', '/v1/orgs/{org}/usage'],
      ['post', '/v1/orgs/{org}/holds'],
      ['post', '/v1/orgs/{org}/holds/{hold}/capture'],
      ['post', '/v1/orgs/{org}/holds/{hold}/release'],
      ['get', '/v1/orgs/{org}/holds'],
      ['get', '/v1/orgs/{org}/transactions'],
      ['get', '/v1/orgs/{org}/transactions.csv'],
      ['get', '/v1/orgs/{org}/grants'],
      ['post', '/v1/orgs/{org}/purchases'],
      ['get', '/v1/orgs/{org}/purchases'],
      ['post', '/v1/orgs/{org}/purchases/{id}/refund'],
      ['post', '/v1/orgs/{org}/adjustments'],
      ['post', '/v1/orgs/{org}/members'],
      ['post', '/v1/orgs/{org}/invitations'],
      ['get', '/v1/orgs/{org}/invitations'],
      ['get', '/v1/orgs/{org}/invitations/{id}'],
      ['delete', '/v1/orgs/{org}/invitations/{id}'],
      ['post', '/v1/invitations/preview'],
      ['post', '/v1/invitations/accept'],
      ['post', '/v1/auth/verify-email'],
      ['post', '/v1/auth/verify-email/resend'],
      ['post', '/v1/orgs/{org}/projects'],
      ['put', '/v1/orgs/{org}/budgets'],
      ['get', '/v1/orgs/{org}/budgets'],
      ['get', '/v1/orgs/{org}/reports/usage'],
      ['post', '/v1/orgs/{org}/api_keys'],
      ['get', '/v1/orgs/{org}/api_keys'],
      ['delete', '/v1/orgs/{org}/api_keys/{id}'],
      ['post', '/v1/auth/signup'],
      ['post', '/v1/auth/login'],
      ['post', '/v1/auth/logout'],
      ['get', '/v1/auth/me'],
      ['get', '/v1/admin/clock'],
      ['post', '/v1/admin/clock/advance'],
      ['post', '/v1/admin/renewals/run'],
    ];
    for (const [method, path] of expected) expect(paths[path]?.[method], `${method} ${path}`).toBeDefined();
    const usage = paths['/v1/orgs/{org}/usage']!.post as {
      requestBody: {
        content: { 'application/json': { schema: { additionalProperties: boolean; required: string[] } } };
      };
      parameters: { name: string; in: string }[];
    };
    const schema = usage.requestBody.content['application/json'].schema;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['tool', 'operation']);
    expect(usage.parameters.some((p) => p.in === 'header' && p.name === 'idempotency-key')).toBe(true);
    const docs = await fetch(`${api.url}/docs`);
    expect(docs.status).toBe(200);
    const html = await docs.text();
    expect(html).toMatch(/swagger/i);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[^"']*\.js/); // no assets from a CDN
  });

  it('answers a known path called with another method with 405 and Allow, an unknown path with 404', async () => {
    const org = await newOrg(api);
    const r = await api.call('DELETE', `/v1/orgs/${org}/balance`);
    expectProblem(r, 405, 'method_not_allowed');
    expect(r.headers.get('allow')).toBe('GET, HEAD');
    const put = await api.call('PUT', `/v1/orgs/${org}/holds`, { body: {} });
    expectProblem(put, 405, 'method_not_allowed');
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    expectProblem(await api.call('GET', `/v1/orgs/${org}/nothing_here`), 404, 'not_found');
    expectProblem(await api.call('DELETE', '/v1/nowhere'), 404, 'not_found');
  });

  it('echoes a request id, and names it in a 500-free problem', async () => {
    const r = await api.call('GET', '/v1/orgs/org_x/balance', { headers: { 'x-request-id': 'trace-123' } });
    expect(r.headers.get('x-request-id')).toBe('trace-123');
    expectProblem(r, 404, 'not_found');
    const gen = await api.call('GET', '/livez', { key: null });
    expect(gen.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const type = await api.call('GET', '/problems/insufficient_credits', { key: null });
    expect(type.body).toEqual({ code: 'insufficient_credits', status: 402, title: 'Not enough credits' });
  });
});

describe('a server on the system clock', () => {
  it('has no test clock endpoints', async () => {
    const api = await startApi('sqlite', { clock: 'system' });
    try {
      expectProblem(await api.call('GET', '/v1/admin/clock'), 404, 'not_found');
      expectProblem(
        await api.call('POST', '/v1/admin/clock/advance', { body: { seconds: 1 } }),
        404,
        'not_found',
      );
      expect((await api.call('POST', '/v1/admin/renewals/run')).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('closes operator endpoints when no admin key is configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'amisi-noadmin-'));
    const store = await openSqliteStore({ path: join(dir, 'a.db') });
    const config = loadConfig({ env: {}, overrides: { rate_limit: false } });
    const app = await buildServer({ config, store, logger: false });
    try {
      const r = await app.inject({
        method: 'POST',
        url: '/v1/orgs',
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      expect(r.statusCode).toBe(401);
    } finally {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('an unexpected failure', () => {
  it('is a 500 problem naming the request id, with no internals; /readyz says not ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'amisi-down-'));
    const store = await openSqliteStore({ path: join(dir, 'a.db') });
    const config = loadConfig({ env: {}, overrides: { admin_key: ADMIN_KEY, rate_limit: false } });
    const app = await buildServer({ config, store, logger: false });
    try {
      await store.close(); // the database goes away under a running server
      const r = await app.inject({
        method: 'GET',
        url: '/v1/orgs/org_x/balance',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'x-request-id': 'req-500' },
      });
      expect(r.statusCode).toBe(500);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = r.json();
      expect(body).toMatchObject({ status: 500, code: 'internal_error' });
      expect(body.detail).toContain('req-500');
      expect(r.body).not.toMatch(/sqlite|database|\.ts:|at /i);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().code).toBe('not_ready');
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('session cookies', () => {
  it('are Secure when the request came over TLS through a trusted proxy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'amisi-tls-'));
    const store = await openSqliteStore({ path: join(dir, 'a.db') });
    const config = loadConfig({ env: {}, overrides: { rate_limit: false, trust_proxy: true } });
    const app = await buildServer({ config, store, logger: false });
    try {
      const email = uniqueEmail();
      await app.inject({
        method: 'POST',
        url: '/v1/auth/signup',
        payload: { email, password: 'long enough to pass' },
      });
      const login = (proto: string) =>
        app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          headers: { 'x-forwarded-proto': proto },
          payload: { email, password: 'long enough to pass' },
        });
      expect(String((await login('https')).headers['set-cookie'])).toMatch(/; Secure/i);
      expect(String((await login('http')).headers['set-cookie'])).not.toMatch(/; Secure/i);
    } finally {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('logs', () => {
  it('carry request ids and never credentials, cookies or passwords', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'amisi-logs-'));
    const store = await openSqliteStore({ path: join(dir, 'a.db') });
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const config = loadConfig({ env: {}, overrides: { admin_key: ADMIN_KEY, rate_limit: false } });
    const app = await buildServer({
      config,
      store,
      logger: { level: 'debug', stream, redact: { paths: REDACT, censor: '[redacted]' } },
    });
    try {
      const password = 'hunter2-secret-password';
      await app.inject({
        method: 'POST',
        url: '/v1/auth/signup',
        payload: { email: uniqueEmail(), password },
      });
      await app.inject({
        method: 'GET',
        url: '/v1/catalog',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, cookie: 'amisi_session=cookie-secret-value' },
      });
      const all = lines.join('');
      expect(all).toContain('"reqId"');
      expect(all).not.toContain(ADMIN_KEY);
      expect(all).not.toContain('cookie-secret-value');
      expect(all).not.toContain(password);
    } finally {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('settings', () => {
  const refuses = (env: NodeJS.ProcessEnv, pattern: RegExp) => {
    expect(() => loadConfig({ env })).toThrow(ConfigError);
    expect(() => loadConfig({ env })).toThrow(pattern);
  };

  it('default to port 3000 on 127.0.0.1 with SQLite under ./data', () => {
    const c = loadConfig({ env: {} });
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      database_url: 'sqlite:./data/amisi.db',
      admin_key: null,
      clock: 'system',
      payments: 'development',
    });
  });

  it('refuse invalid values at start, naming the setting', () => {
    refuses({ PORT: 'eighty' }, /PORT="eighty" is invalid: expected an integer from 0 to 65535/);
    refuses({ PORT: '70000' }, /PORT/);
    refuses({ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/);
    refuses({ AMISI_CLOCK: 'fast' }, /AMISI_CLOCK="fast" is invalid: expected one of system, manual/);
    refuses({ AMISI_ADMIN_KEY: 'short' }, /AMISI_ADMIN_KEY is invalid/);
    refuses({ AMISI_RATE_LIMIT: 'maybe' }, /AMISI_RATE_LIMIT/);
    refuses(
      { AMISI_PASSWORD_HASH_COST: '9' },
      /AMISI_PASSWORD_HASH_COST="9" is invalid: expected an integer from 10 to 15/,
    );
    refuses({ AMISI_PASSWORD_HASH_COST: '16' }, /AMISI_PASSWORD_HASH_COST/);
    refuses({ AMISI_CATALOG: '/nonexistent/catalog.json' }, /AMISI_CATALOG.*cannot read/);
  });

  it('refuse insecure settings in production', () => {
    const key = 'k'.repeat(40);
    refuses({ NODE_ENV: 'production', AMISI_ADMIN_KEY: key }, /development payment provider/);
    refuses(
      { NODE_ENV: 'production', AMISI_PAYMENTS: 'disabled', AMISI_CLOCK: 'manual' },
      /AMISI_CLOCK=manual/,
    );
    refuses(
      { NODE_ENV: 'production', AMISI_PAYMENTS: 'disabled', AMISI_ADMIN_KEY: 'k'.repeat(20) },
      /shorter than 32/,
    );
    refuses(
      { NODE_ENV: 'production', AMISI_PAYMENTS: 'disabled', AMISI_PASSWORD_HASH_COST: '14' },
      /AMISI_PASSWORD_HASH_COST below 15/,
    );
    const ok = loadConfig({
      env: { NODE_ENV: 'production', AMISI_PAYMENTS: 'disabled', AMISI_ADMIN_KEY: key },
    });
    expect(ok).toMatchObject({ production: true, secure_cookies: true, password_hash_cost: 15 });
  });

  it('read a config file that env vars override, and a catalog it names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amisi-config-'));
    try {
      const catalog = JSON.parse(JSON.stringify(loadConfig({ env: {} }).catalog));
      catalog.packs[0].credits = 25;
      writeFileSync(join(dir, 'catalog.json'), JSON.stringify(catalog));
      writeFileSync(
        join(dir, 'amisi.json'),
        JSON.stringify({ port: 4000, host: '0.0.0.0', catalog: 'catalog.json' }),
      );
      const c = loadConfig({ env: { AMISI_CONFIG: 'amisi.json', HOST: '127.0.0.2' }, cwd: dir });
      expect(c).toMatchObject({ port: 4000, host: '127.0.0.2' });
      expect(c.catalog.packs[0]!.credits).toBe(25);
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ prot: 1 }));
      expect(() => loadConfig({ env: { AMISI_CONFIG: 'bad.json' }, cwd: dir })).toThrow(
        /unknown setting "prot"/,
      );
      catalog.packs[0].credits = -1;
      writeFileSync(join(dir, 'catalog.json'), JSON.stringify(catalog));
      expect(() => loadConfig({ env: { AMISI_CONFIG: 'amisi.json' }, cwd: dir })).toThrow(
        /\$\.packs\[0\]\.credits/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('amisi serve', () => {
  it('logs one line with its URL when ready, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'amisi-serve-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        DATABASE_URL: `sqlite:${join(dir, 'amisi.db')}`,
        AMISI_ADMIN_KEY: ADMIN_KEY,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      out += String(d);
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no URL logged: ${out}`)), 30_000);
        const check = () => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        };
        child.stdout.on('data', check);
        child.on('exit', () => reject(new Error(`exited early: ${out}`)));
      });
      expect(out.split('\n').filter((l) => l.includes('listening on'))).toHaveLength(1);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const org = await fetch(`${url}/v1/orgs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Live' }),
      });
      expect(org.status).toBe(201);
      const code = await new Promise<number | null>((resolve) => {
        child.on('exit', (c) => resolve(c));
        child.kill('SIGTERM');
      });
      expect(code).toBe(0);
      expect(out).toContain('"msg":"stopped"');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad setting with one clear line and exit code 1', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
      env: { PATH: process.env.PATH, PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(err.trim()).toBe('amisi: PORT="eighty" is invalid: expected an integer from 0 to 65535');
  });
});
