/**
 * A real server for API tests: the HTTP app on 127.0.0.1 at a random port over a real
 * store (a fresh SQLite file, or a fresh PostgreSQL schema), driven with fetch. Nothing
 * is mocked; the manual clock lets tests move time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, type LoadOptions, loadConfig } from '../../src/config/config.ts';
import type { App } from '../../src/http/server.ts';
import { type BuildOptions, buildServer } from '../../src/main.ts';
import type { Store } from '../../src/store/types.ts';
import { openHarness } from '../store/dialects.ts';

export { DIALECTS } from '../store/dialects.ts';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely
export interface Res<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as is (no JSON encoding), for malformed-body tests. */
  raw?: string;
  /** Bearer token; null for none. Defaults to the admin key. */
  key?: string | null;
  headers?: Record<string, string>;
  cookie?: string;
  idem?: string;
}

export interface Api {
  url: string;
  app: App;
  store: Store;
  config: Config;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely
  call<T = any>(method: string, path: string, opts?: CallOptions): Promise<Res<T>>;
  close(): Promise<void>;
}

export async function startApi(
  dialect: 'sqlite' | 'postgres',
  overrides: LoadOptions['overrides'] = {},
  /** Puts something between the server and the real store (say, a commit that waits for the test). */
  wrap: (store: Store) => Store = (store) => store,
  /** Sees every route as the server adds it (the access-matrix test lists them). */
  onRoute?: BuildOptions['onRoute'],
): Promise<Api> {
  const h = await openHarness(dialect);
  // Generated images and batch records go to a folder of this server's own, never ./data.
  const dataDir = overrides.data_dir === undefined ? mkdtempSync(join(tmpdir(), 'amisi-api-data-')) : null;
  const config = loadConfig({
    env: {},
    overrides: {
      admin_key: ADMIN_KEY,
      clock: 'manual',
      rate_limit: false,
      log_level: 'silent',
      // scrypt at 2^10 instead of production's 2^15: the suites sign hundreds of people up and
      // in, ≈ 100 ms of a core each at full cost. A test about hashing cost asks for 15.
      password_hash_cost: 10,
      ...(dataDir ? { data_dir: dataDir } : {}),
      ...overrides,
    },
  });
  const app = await buildServer({
    config,
    store: wrap(h.store),
    logger: false,
    ...(onRoute ? { onRoute } : {}),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${addr.port}`;

  async function call<T>(method: string, path: string, o: CallOptions = {}): Promise<Res<T>> {
    const headers: Record<string, string> = { ...o.headers };
    const key = o.key === undefined ? ADMIN_KEY : o.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (o.cookie) headers.cookie = o.cookie;
    if (o.idem) headers['idempotency-key'] = o.idem;
    let body: string | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const r = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await r.text();
    let parsed: unknown = text;
    if ((r.headers.get('content-type') ?? '').includes('json') && text.length > 0) parsed = JSON.parse(text);
    return { status: r.status, headers: r.headers, body: parsed as T, text };
  }

  return {
    url,
    app,
    store: h.store,
    config,
    call,
    async close() {
      await app.close();
      await h.cleanup();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let n = 0;
export const uniqueEmail = (tag = 'user') =>
  `${tag}.${process.pid}.${Date.now().toString(36)}.${n++}@example.com`;

/** Creates an org as the operator and returns its id. */
export async function newOrg(api: Api, body: Record<string, unknown> = { name: 'Acme' }): Promise<string> {
  const r = await api.call('POST', '/v1/orgs', { body });
  if (r.status !== 201) throw new Error(`org creation failed: ${r.status} ${r.text}`);
  return r.body.id as string;
}

/** Creates an API key with these scopes in the org and returns its secret. */
export async function newKey(api: Api, org: string, scopes: string[]): Promise<string> {
  const r = await api.call('POST', `/v1/orgs/${org}/api_keys`, { body: { name: 'test', scopes } });
  if (r.status !== 201) throw new Error(`key creation failed: ${r.status} ${r.text}`);
  return r.body.secret as string;
}

export function expectProblem(r: Res, status: number, code: string) {
  const ct = r.headers.get('content-type') ?? '';
  if (r.status !== status || !ct.startsWith('application/problem+json') || r.body?.code !== code)
    throw new Error(
      `expected ${status} ${code} problem+json, got ${r.status} ${ct}: ${r.text.slice(0, 500)}`,
    );
  for (const f of ['type', 'title', 'status', 'detail', 'code'])
    if (!(f in r.body)) throw new Error(`problem lacks ${f}: ${r.text}`);
}
