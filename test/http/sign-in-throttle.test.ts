/**
 * Sign-in under attack: each account backs off exponentially after repeated failures (kept
 * in the database, so servers sharing it count together; never a permanent lockout), each
 * IP has a budget of failures, and password hashing has a bounded queue: past any of them
 * the answer is 429 with Retry-After, at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/app/clock.ts';
import { HASHES_AT_ONCE, HASHES_WAITING } from '../../src/app/hashing-queue.ts';
import { FREE_FAILURES, SIGN_IN_FAILURES_PER_IP_BURST } from '../../src/app/sign-in-throttle.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { App } from '../../src/http/server.ts';
import { buildServer } from '../../src/main.ts';
import { openPostgresStore } from '../../src/store/postgres.ts';
import type { Store } from '../../src/store/types.ts';
import { type Harness, openHarness, PG_URL } from '../store/dialects.ts';
import { type Api, DIALECTS, expectProblem, type Res, startApi, uniqueEmail } from './harness.ts';

const PASSWORD = 'correct horse battery';

async function post(url: string, path: string, body: unknown): Promise<Res> {
  const r = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null, text };
}

/** A server on `store` with its own manual clock, as a second instance would be. */
async function serve(store: Store, clock: ManualClock): Promise<{ app: App; url: string }> {
  const config = loadConfig({
    env: {},
    // Cheap hashes, as startApi's: the back-off is counted in the database, not in hashing time.
    overrides: { clock: 'manual', rate_limit: false, log_level: 'silent', password_hash_cost: 10 },
  });
  const app = await buildServer({ config, store, clock, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return { app, url: `http://127.0.0.1:${addr.port}` };
}

function expectBackOff(r: Res, seconds: number) {
  expectProblem(r, 429, 'rate_limited');
  expect(r.headers.get('retry-after')).toBe(String(seconds));
  expect(r.body.retry_after).toBe(seconds);
}

describe.each(DIALECTS)('sign-in back-off per account, on %s', (dialect) => {
  let h: Harness;
  let second: Store;
  const clock = new ManualClock();
  let a: { app: App; url: string };
  let b: { app: App; url: string };
  beforeAll(async () => {
    h = await openHarness(dialect);
    // On PostgreSQL the second instance has a store of its own over the same schema; a SQLite
    // file belongs to one server, so there the second instance shares the store.
    second =
      dialect === 'postgres'
        ? await openPostgresStore({ url: PG_URL, schema: h.location, poolSize: 2 })
        : h.store;
    a = await serve(h.store, clock);
    b = await serve(second, clock);
  });
  afterAll(async () => {
    await a?.app.close();
    await b?.app.close();
    if (second !== h.store) await second?.close();
    await h?.cleanup();
  });

  it('answers 429 with a growing Retry-After after repeated failures, then lets the right password in', async () => {
    const email = uniqueEmail('target');
    expect((await post(a.url, '/v1/auth/signup', { email, password: PASSWORD })).status).toBe(202);
    // Failures count across instances: they alternate between the two servers.
    for (let i = 0; i < FREE_FAILURES; i++)
      expectProblem(
        await post(i % 2 ? b.url : a.url, '/v1/auth/login', { email, password: `wrong guess ${i}` }),
        401,
        'unauthorized',
      );
    // Even the right password waits out the back-off, and the refusal comes before any hashing.
    expectBackOff(await post(b.url, '/v1/auth/login', { email, password: PASSWORD }), 1);
    clock.advance(1);
    expectProblem(
      await post(a.url, '/v1/auth/login', { email, password: 'wrong again' }),
      401,
      'unauthorized',
    );
    expectBackOff(await post(a.url, '/v1/auth/login', { email, password: 'wrong again' }), 2);
    clock.advance(2);
    expectProblem(
      await post(b.url, '/v1/auth/login', { email, password: 'wrong again' }),
      401,
      'unauthorized',
    );
    expectBackOff(await post(b.url, '/v1/auth/login', { email, password: PASSWORD }), 4);
    // Not a lockout: once the wait is over, the right password signs in ...
    clock.advance(4);
    expect((await post(a.url, '/v1/auth/login', { email, password: PASSWORD })).status).toBe(200);
    // ... and forgets the failures: the next mistakes are free again.
    for (let i = 0; i < FREE_FAILURES - 1; i++)
      expectProblem(await post(b.url, '/v1/auth/login', { email, password: 'typo' }), 401, 'unauthorized');
    expect((await post(b.url, '/v1/auth/login', { email, password: PASSWORD })).status).toBe(200);
  });

  it('backs off an unknown email exactly like a known one', async () => {
    const email = uniqueEmail('nobody');
    for (let i = 0; i < FREE_FAILURES; i++)
      expectProblem(await post(a.url, '/v1/auth/login', { email, password: PASSWORD }), 401, 'unauthorized');
    expectBackOff(await post(b.url, '/v1/auth/login', { email, password: PASSWORD }), 1);
  });
});

describe('sign-in floods', () => {
  let api: Api;
  beforeAll(async () => {
    // Production's hashing cost: the queue fills because each hash takes as long as it will there.
    api = await startApi('sqlite', { password_hash_cost: 15 });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('refuses hashing past the queue with 429 at once, and a real sign-in still gets through', async () => {
    const email = uniqueEmail('real');
    await api.call('POST', '/v1/auth/signup', { key: null, body: { email, password: PASSWORD } });
    // Far more concurrent wrong passwords (each for its own email, so no account backs off)
    // than can run and wait: the rest are refused without being hashed.
    const flood = 4 * (HASHES_AT_ONCE + HASHES_WAITING);
    const answers = await Promise.all(
      Array.from({ length: flood }, () =>
        api.call('POST', '/v1/auth/login', {
          key: null,
          body: { email: uniqueEmail('flood'), password: 'nope nope' },
        }),
      ),
    );
    const refused = answers.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(answers.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    for (const r of refused) {
      expectProblem(r, 429, 'rate_limited');
      expect(r.headers.get('retry-after')).toBe('1');
    }
    expect(
      (await api.call('POST', '/v1/auth/login', { key: null, body: { email, password: PASSWORD } })).status,
    ).toBe(200);
  });
});

describe('failed sign-ins per IP', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi('sqlite', { rate_limit: true });
  });
  afterAll(async () => {
    await api?.close();
  });

  it(`answers 429 with Retry-After once an address has failed ${SIGN_IN_FAILURES_PER_IP_BURST} times`, async () => {
    const statuses: number[] = [];
    let limited: Res | undefined;
    // Each attempt for a different email, so only the address's budget can run out. The
    // budget refills slowly (one every few seconds), so a few more than the burst suffice.
    for (let i = 0; i < SIGN_IN_FAILURES_PER_IP_BURST + 10 && !limited; i++) {
      const r = await api.call('POST', '/v1/auth/login', {
        key: null,
        body: { email: uniqueEmail('spray'), password: 'nope nope' },
      });
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses.slice(0, SIGN_IN_FAILURES_PER_IP_BURST)).toEqual(
      Array(SIGN_IN_FAILURES_PER_IP_BURST).fill(401),
    );
    expectProblem(limited!, 429, 'rate_limited');
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.body.detail).toContain('failed sign-ins from this address');
  });
});
