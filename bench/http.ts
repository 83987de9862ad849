/**
 * The HTTP API under load, against a bare Fastify route returning a constant JSON measured
 * in the same run: POST /v1/orgs/{org}/usage with an org API key and an Idempotency-Key,
 * durable on SQLite, at 64 connections spread over many orgs and on one hot org.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { loadConfig } from '../src/config/config.ts';
import { buildServer } from '../src/main.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import type { Store } from '../src/store/types.ts';
import { tempDir } from './lib.ts';
import type { Row } from './store.ts';

const ADMIN = 'bench-admin-key-0123456789abcdef0123';
const LOAD = new URL('./http-load.ts', import.meta.url).pathname;
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 8);

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
  /**
   * CPU time of this process (the server's request thread and its writer thread) per
   * request: steadier than requests per second on a shared machine, since waiting for a core
   * costs no CPU time. The load generator runs in its own process and is not counted.
   */
  cpuUs: number;
}

/** Asynchronous on purpose: the server under test runs on this process's event loop. */
export async function load(
  url: string,
  targets: { path: string; key: string | null }[],
  method: 'GET' | 'POST',
  body: string | null,
  connections = 64,
): Promise<LoadResult> {
  const cpu = process.cpuUsage();
  const { stdout: out } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', LOAD, JSON.stringify({ url, connections, seconds: SECONDS, targets, method, body })],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  const used = process.cpuUsage(cpu);
  const r = JSON.parse(out) as Omit<LoadResult, 'cpuUs'>;
  return { ...r, cpuUs: (used.user + used.system) / Math.max(1, r.total) };
}

/** The API server on `store`, listening on a free loopback port, with its files under `dir`. */
export async function serveOn(store: Store, dir: string) {
  const config = loadConfig({
    env: {},
    overrides: { admin_key: ADMIN, rate_limit: false, log_level: 'silent', data_dir: dir },
  });
  const app = await buildServer({ config, store, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
}

/**
 * Reads while the server is busy writing: GET balance latency, one request at a time,
 * during 48 connections of POST /usage, with SQLite commits in the writer thread or inline.
 */
async function readsUnderWriteLoad(writerThread: boolean): Promise<Row[]> {
  const dir = tempDir('reads');
  const store = await openSqliteStore({ path: join(dir, 'amisi.db'), writerThread });
  const { app, url } = await serveOn(store, dir);
  try {
    const targets = await seed(url, 200, ['usage', 'read']);
    const writing = load(url, targets, 'POST', '{"tool":"image.generate","operation":"720p"}', 48);
    await new Promise((r) => setTimeout(r, 1500));
    const lat: number[] = [];
    const started = performance.now();
    while (performance.now() - started < (SECONDS - 3) * 1000) {
      const t = targets[lat.length % targets.length]!;
      const began = performance.now();
      await fetch(url + t.path.replace('/usage', '/balance'), {
        headers: { authorization: `Bearer ${t.key}` },
      }).then((r) => r.text());
      lat.push(performance.now() - began);
    }
    const w = await writing;
    lat.sort((a, b) => a - b);
    const mode = writerThread ? 'writer thread' : 'inline commits';
    return [
      {
        name: `GET balance p99 during 48 conns of POST /usage (${mode})`,
        value: lat[Math.floor(lat.length * 0.99)]!,
        unit: 'ms',
        note: `p50 ${lat[Math.floor(lat.length / 2)]!.toFixed(1)} ms, ${lat.length} reads, writes ${Math.round(w.rps)}/s`,
      },
    ];
  } finally {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same POST /usage on an in-memory SQLite store (no fsync, commits on the request
 * thread): what the request path costs on its own, to tell it apart from durability.
 */
async function withoutDurability(bare: LoadResult): Promise<Row[]> {
  const store = await openSqliteStore({ path: ':memory:' });
  const dir = tempDir('http-mem');
  const { app, url } = await serveOn(store, dir);
  try {
    const targets = await seed(url, 200, ['usage']);
    const r = await load(url, targets, 'POST', '{"tool":"image.generate","operation":"720p"}');
    return [
      {
        name: 'POST /usage on an in-memory store (not durable), 64 conns over 200 orgs',
        value: r.rps,
        unit: 'req/s',
        note: `p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}: the request path without fsync`,
      },
      {
        name: 'ratio in-memory usage / bare route (no target; diagnosis)',
        value: r.rps / bare.rps,
        unit: '×',
      },
      {
        name: 'server CPU per POST /usage on an in-memory store (the request path and the rules)',
        value: r.cpuUs,
        unit: 'µs',
        note: `bare route ${bare.cpuUs.toFixed(0)} µs: ratio ${(bare.cpuUs / r.cpuUs).toFixed(2)}`,
      },
    ];
  } finally {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Orgs with credits and an API key each, made through the API as the operator. */
export async function seed(url: string, orgs: number, scopes: string[]) {
  const admin = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, unknown>;
  };
  const targets: { path: string; key: string }[] = [];
  for (let i = 0; i < orgs; i++) {
    const org = await admin('POST', '/v1/orgs', { name: `bench ${i}` });
    await admin('POST', `/v1/orgs/${org.id}/adjustments`, { amount: 10_000_000, reason: 'bench' });
    const key = await admin('POST', `/v1/orgs/${org.id}/api_keys`, { name: 'bench', scopes });
    targets.push({ path: `/v1/orgs/${org.id}/usage`, key: key.secret as string });
  }
  return targets;
}

export async function httpBench(): Promise<Row[]> {
  const rows: Row[] = [];
  // The baseline: the same framework, one route, a constant answer, no auth, no store.
  const bare = Fastify({ logger: false });
  bare.post('/v1/constant', async () => ({
    id: 'txn_constant',
    type: 'usage',
    amount: -1,
    balance_after: 99,
  }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;
  const base = await load(
    bareUrl,
    [{ path: '/v1/constant', key: null }],
    'POST',
    '{"tool":"image.generate","operation":"720p"}',
  );
  await bare.close();
  rows.push({
    name: 'bare Fastify route, constant JSON, 64 connections',
    value: base.rps,
    unit: 'req/s',
    note: `p99 ${base.p99} ms, ${base.cpuUs.toFixed(0)} µs of server CPU per request`,
  });

  const dir = tempDir('http');
  const store = await openSqliteStore({
    path: join(dir, 'amisi.db'),
    writerThread: process.env.BENCH_WRITER_THREAD !== '0',
  });
  const { app, url } = await serveOn(store, dir);
  try {
    const targets = await seed(url, 200, ['usage']);
    const body = '{"tool":"image.generate","operation":"720p"}';
    const spread = await load(url, targets, 'POST', body);
    const hot = await load(url, [targets[0]!], 'POST', body);
    rows.push({
      name: 'POST /usage, API key + Idempotency-Key, durable, 64 conns over 200 orgs',
      value: spread.rps,
      unit: 'req/s',
      note: `p50 ${spread.p50} ms, p99 ${spread.p99} ms, non-2xx ${spread.non2xx}`,
    });
    rows.push({
      name: 'server CPU per POST /usage, durable, spread (both threads)',
      value: spread.cpuUs,
      unit: 'µs',
      note: `bare route ${base.cpuUs.toFixed(0)} µs: ratio ${(base.cpuUs / spread.cpuUs).toFixed(2)}`,
    });
    rows.push({
      name: 'ratio usage / bare route, spread (target ≥ 0.4)',
      value: spread.rps / base.rps,
      unit: '×',
    });
    rows.push({ name: 'p99 latency of POST /usage, spread (target ≤ 10 ms)', value: spread.p99, unit: 'ms' });
    rows.push({
      name: 'POST /usage on ONE hot org, 64 conns',
      value: hot.rps,
      unit: 'req/s',
      note: `p50 ${hot.p50} ms, p99 ${hot.p99} ms, non-2xx ${hot.non2xx}`,
    });
    rows.push({
      name: 'ratio usage / bare route, hot org (target ≥ 0.3)',
      value: hot.rps / base.rps,
      unit: '×',
    });
  } finally {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  rows.push(...(await withoutDurability(base)));
  rows.push(...(await readsUnderWriteLoad(true)), ...(await readsUnderWriteLoad(false)));
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await httpBench())
    console.log(r.name, Math.round(r.value * 100) / 100, r.unit, r.note ?? '');
}
