/**
 * Retention over a year on the test clock, on both databases: every day an org is charged
 * with idempotency keys, requests outside the ledger reserve and complete keys, events are
 * raised and delivered, and sessions expire; one scheduler pass a day prunes what is past
 * its window. The tables kept only for a while stay flat: after the first weeks, each
 * holds no more than its window's worth of rows, whatever the day.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/app/clock.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { runScheduledWork } from '../../src/app/scheduler.ts';
import { FAILURES_FORGOTTEN_AFTER_MS } from '../../src/app/sign-in-throttle.ts';
import { type Command, defaultCatalog, IDEMPOTENCY_KEPT_MS } from '../../src/core/index.ts';
import { DELIVERED_EVENTS_KEPT_MS, SIGN_IN_FAILURES_KEPT_MS } from '../../src/store/retention.ts';
import { DIALECTS, type Harness, openHarness, PG_URL } from '../store/dialects.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1, 12);
const CHARGES_PER_DAY = 8;
const REQUEST_KEYS_PER_DAY = 3;
const SESSIONS_PER_DAY = 2;
const consume: Command = {
  type: 'consume',
  usage: { tool: 'image.generate', operation: '720p', quantity: 1 },
};
const TABLES = ['idempotency', 'request_idempotency', 'events', 'sessions'] as const;
type Sizes = Record<(typeof TABLES)[number], number>;

async function sizesOf(h: Harness): Promise<Sizes> {
  const out = {} as Sizes;
  if (h.dialect === 'sqlite') {
    const db = new Database(h.location, { readonly: true });
    try {
      for (const t of TABLES) out[t] = db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
    } finally {
      db.close();
    }
  } else {
    const c = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${h.location}` });
    await c.connect();
    try {
      for (const t of TABLES) out[t] = Number((await c.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
    } finally {
      await c.end();
    }
  }
  return out;
}

describe.each(DIALECTS)('retention on %s', (dialect) => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness(dialect);
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('keeps idempotency records, request keys, delivered events and sessions flat over a year', async () => {
    const clock = new ManualClock(T0);
    const deps: AppDeps = {
      store: h.store,
      catalog: defaultCatalog,
      clock,
      payments: 'disabled',
      sessionTtlMs: DAY,
    };
    expect((await h.store.createOrg({ id: 'org_r', name: 'Retained', tier: 'free' }, { now: T0 })).ok).toBe(
      true,
    );
    const samples: Sizes[] = [];
    for (let day = 0; day < 365; day++) {
      const now = clock.now();
      // A credit a day (an event), spent again by the day's charges (each with its key).
      await h.store.execute(
        'org_r',
        { type: 'adjust', amount: CHARGES_PER_DAY, reason: `day ${day}` },
        { now },
      );
      const charged = await Promise.all(
        Array.from({ length: CHARGES_PER_DAY }, (_, i) =>
          h.store.execute('org_r', consume, { now, idempotencyKey: `d${day}-c${i}` }),
        ),
      );
      expect(charged.every((r) => r.ok)).toBe(true);
      for (let i = 0; i < REQUEST_KEYS_PER_DAY; i++) {
        const key = `d${day}-r${i}`;
        expect(await h.store.reserveIdempotency('org_r', key, 'fp', now, now + 60_000)).toBeNull();
        await h.store.completeIdempotency('org_r', key, 201, { ok: true });
      }
      // Sessions live on wall-clock time: these have already ended.
      for (let i = 0; i < SESSIONS_PER_DAY; i++)
        await h.store.createSession({
          hash: `h-${day}-${i}`,
          id: `ses_${day}_${i}`,
          user_id: 'usr_r',
          csrf_token: 'csrf',
          created_at: Date.now() - 2 * DAY,
          expires_at: Date.now() - DAY,
          last_seen_at: Date.now() - 2 * DAY,
          user_agent: null,
          ip: null,
        });
      await runScheduledWork(deps);
      clock.advance(DAY / 1000);
      if (day % 30 === 29) samples.push(await sizesOf(h));
    }
    const keptDays = (ms: number) => Math.ceil(ms / DAY) + 1;
    for (const s of samples) {
      expect(s.idempotency).toBeLessThanOrEqual(CHARGES_PER_DAY * keptDays(IDEMPOTENCY_KEPT_MS));
      expect(s.request_idempotency).toBeLessThanOrEqual(REQUEST_KEYS_PER_DAY * keptDays(IDEMPOTENCY_KEPT_MS));
      // One credits.granted a day, plus the odd low-balance alert.
      expect(s.events).toBeLessThanOrEqual(2 * keptDays(DELIVERED_EVENTS_KEPT_MS));
      expect(s.sessions).toBe(0);
    }
    // Flat: the last month's sizes are the first month's.
    expect(samples[samples.length - 1]).toEqual(samples[0]);
    expect(await h.store.verify()).toEqual([]);
  }, 600_000);

  it('prunes sign-in failures past their window in the retention pass, not when another sign-in fails', async () => {
    expect(FAILURES_FORGOTTEN_AFTER_MS).toBe(SIGN_IN_FAILURES_KEPT_MS);
    const clock = new ManualClock(T0);
    const deps: AppDeps = {
      store: h.store,
      catalog: defaultCatalog,
      clock,
      payments: 'disabled',
      sessionTtlMs: DAY,
    };
    const fail = (subject: string, at: number) =>
      h.store.recordSignInFailure(subject, at, at - FAILURES_FORGOTTEN_AFTER_MS);
    await fail('old', T0);
    await fail('old', T0 + 1);
    await fail('recent', T0 + SIGN_IN_FAILURES_KEPT_MS);
    // A failure two days on leaves the old row alone: the sign-in path deletes nothing.
    const later = T0 + 2 * DAY;
    await fail('new', later);
    expect(await h.store.signInFailures('old')).toEqual({ failures: 2, last_failed_at: T0 + 1 });
    clock.advance((later - T0) / 1000);
    await runScheduledWork(deps);
    expect(await h.store.signInFailures('old')).toBeNull();
    // Within its window a row stays, counting as before.
    expect(await h.store.signInFailures('recent')).toEqual({
      failures: 1,
      last_failed_at: T0 + SIGN_IN_FAILURES_KEPT_MS,
    });
    expect(await h.store.signInFailures('new')).toEqual({ failures: 1, last_failed_at: later });
  });
});
