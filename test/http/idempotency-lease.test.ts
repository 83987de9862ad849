/**
 * A reservation of an idempotency key is a lease. A server killed with SIGKILL between
 * reserving a key and completing its request leaves the key reserved: retries get 409
 * while the lease may still be held, and once it has run out a retry runs, and its result
 * is replayed from then on. On both databases, with a real child process and a real kill.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/app/clock.ts';
import { loadConfig } from '../../src/config/config.ts';
import { IDEMPOTENCY_LEASE_MS } from '../../src/http/idempotency.ts';
import type { App } from '../../src/http/server.ts';
import { buildServer } from '../../src/main.ts';
import { type Harness, openHarness } from '../store/dialects.ts';
import { ADMIN_KEY, DIALECTS, expectProblem, type Res, uniqueEmail } from './harness.ts';

const SERVER = new URL('./fixtures/stalling-server.ts', import.meta.url).pathname;
const PASSWORD = 'correct horse battery';

/** Starts a server whose store never finishes `stalls`; resolves with its URL and its lines. */
function startStallingServer(dialect: string, location: string, dataDir: string, stalls: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', SERVER, dialect, location, dataDir, stalls.join(',')],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const stalled: string[] = [];
  let onStall = () => {};
  const url = new Promise<string>((resolve, reject) => {
    child.on('exit', (code, signal) => reject(new Error(`server exited early: ${code ?? signal}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as { url?: string; stalled?: string };
      if (msg.url) resolve(msg.url);
      if (msg.stalled) {
        stalled.push(msg.stalled);
        onStall();
      }
    });
  });
  const stalledAll = new Promise<void>((resolve) => {
    onStall = () => {
      if (stalls.every((s) => stalled.includes(s))) resolve();
    };
  });
  return { child, url, stalledAll };
}

async function call(
  base: string,
  path: string,
  body: unknown,
  idem: string,
  key: string | null,
): Promise<Res> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': idem };
  if (key) headers.authorization = `Bearer ${key}`;
  const r = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null, text };
}

describe.each(DIALECTS)('idempotency leases after a SIGKILL, on %s', (dialect) => {
  let h: Harness;
  let dataDir: string;
  let app: App | undefined;
  beforeAll(async () => {
    h = await openHarness(dialect);
    await h.store.close(); // the child owns the database while it runs
    dataDir = mkdtempSync(join(tmpdir(), 'amisi-lease-'));
  });
  afterAll(async () => {
    await app?.close();
    await h.reopen();
    await h.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a retry once the lease of a killed request has run out, then replays it', async () => {
    const email = uniqueEmail('crash');
    const requests = [
      { path: '/v1/orgs', body: { name: 'After the crash' }, idem: 'org-crash', key: ADMIN_KEY },
      { path: '/v1/auth/signup', body: { email, password: PASSWORD }, idem: 'signup-crash', key: null },
    ];
    // 1. A server reserves both keys, then never finishes; it is killed with SIGKILL.
    const server = startStallingServer(dialect, h.location, dataDir, ['createOrg', 'createUser']);
    const base = await server.url;
    const inFlight = requests.map((r) => call(base, r.path, r.body, r.idem, r.key).catch(() => null));
    await server.stalledAll;
    // Both keys were reserved on the child's clock, started before this instant.
    const stalledAt = Date.now();
    const exited = new Promise((resolve) => server.child.on('exit', resolve));
    server.child.kill('SIGKILL');
    await exited;
    expect(server.child.signalCode).toBe('SIGKILL');
    expect(await Promise.all(inFlight)).toEqual([null, null]); // no answer ever came

    // 2. A new server on the same database: within the lease, the key is still in use.
    await h.reopen();
    const clock = new ManualClock(stalledAt);
    const config = loadConfig({
      env: {},
      overrides: {
        admin_key: ADMIN_KEY,
        clock: 'manual',
        rate_limit: false,
        log_level: 'silent',
        data_dir: dataDir,
        password_hash_cost: 10, // as startApi's servers: hashing time is not what this is about
      },
    });
    app = await buildServer({ config, store: h.store, clock, logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    const url = `http://127.0.0.1:${addr.port}`;
    for (const r of requests)
      expectProblem(await call(url, r.path, r.body, r.idem, r.key), 409, 'idempotency_key_in_use');

    // 3. Past the lease nobody renewed, a retry runs; from then on it is replayed.
    clock.advance(IDEMPOTENCY_LEASE_MS / 1000 + 1);
    const org = await call(url, requests[0]!.path, requests[0]!.body, requests[0]!.idem, ADMIN_KEY);
    expect(org.status).toBe(201);
    expect(org.body).toMatchObject({ name: 'After the crash', tier: 'free' });
    const signup = await call(url, requests[1]!.path, requests[1]!.body, requests[1]!.idem, null);
    expect(signup.status).toBe(202);
    expect(signup.body.email).toBe(email);
    const orgAgain = await call(url, requests[0]!.path, requests[0]!.body, requests[0]!.idem, ADMIN_KEY);
    expect(orgAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(orgAgain.body).toEqual(org.body);
    const signupAgain = await call(url, requests[1]!.path, requests[1]!.body, requests[1]!.idem, null);
    expect(signupAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(signupAgain.body).toEqual(signup.body);
    // The account the retry made is whole: its owner signs in to the org sign-up made.
    const login = await fetch(`${url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    expect((await login.json()).memberships).toHaveLength(1);
  });

  it('keeps a live request’s key: the lease is renewed while it runs', async () => {
    // A reservation made now under a lease is in use until the lease ends, whatever its age.
    const clock = new ManualClock();
    const now = clock.now();
    await h.store.reserveIdempotency('orgs:admin', 'live', 'fp', now, now + IDEMPOTENCY_LEASE_MS);
    await h.store.renewIdempotencyLease('orgs:admin', 'live', now + 2 * IDEMPOTENCY_LEASE_MS);
    const later = now + IDEMPOTENCY_LEASE_MS + 1;
    expect(
      await h.store.reserveIdempotency('orgs:admin', 'live', 'fp', later, later + IDEMPOTENCY_LEASE_MS),
    ).toMatchObject({ done: false });
    const past = now + 2 * IDEMPOTENCY_LEASE_MS;
    expect(
      await h.store.reserveIdempotency('orgs:admin', 'live', 'fp', past, past + IDEMPOTENCY_LEASE_MS),
    ).toBeNull();
  });
});
