/**
 * The outbox's conformance suite, one set of rules run on both databases: events become
 * work exactly once; a job is claimed by one worker at a time under a lease, each claim
 * counting an attempt; a completed job is done for good; a retried one comes back at its
 * next attempt time, not before; a dead-lettered (failed) one never comes back; a job whose
 * worker died is claimed again once its lease has passed. As exposed today through
 * `outboxOf(store)` (enqueue = `dispatchEvents` / `insertJobs`, claim = `claimJobs`,
 * complete / retry / dead-letter = `finishJob`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId, type Job, type JobUpdate, type OutboxStore, outboxOf } from '../../src/store/outbox.ts';
import { type Harness, openHarness } from './dialects.ts';

const t0 = Date.parse('2026-03-01T00:00:00Z');
const LEASE_MS = 60_000;
// Opening a database and migrating it takes seconds on a busy machine; the limit is wide.
const TIMEOUT_MS = 120_000;

let next = 0;
function job(orgId: string, dueAt: number, over: Partial<Job> = {}): Job {
  next += 1;
  return {
    org_id: orgId,
    id: `job_conf_${next.toString().padStart(4, '0')}`,
    kind: 'webhook',
    endpoint_id: null,
    event_id: null,
    event_type: 'credits.low',
    payload: { n: next },
    status: 'pending',
    attempts: 0,
    next_attempt_at: dueAt,
    locked_until: null,
    last_status: null,
    last_error: null,
    created_at: dueAt,
    finished_at: null,
    ...over,
  };
}

const done = (at: number): JobUpdate => ({
  status: 'succeeded',
  next_attempt_at: null,
  last_status: 200,
  last_error: null,
  finished_at: at,
});
const retryAt = (at: number, error: string): JobUpdate => ({
  status: 'pending',
  next_attempt_at: at,
  last_status: 503,
  last_error: error,
  finished_at: null,
});
const deadLetter = (at: number, error: string): JobUpdate => ({
  status: 'failed',
  next_attempt_at: null,
  last_status: 500,
  last_error: error,
  finished_at: at,
});

async function stored(outbox: OutboxStore, orgId: string, id: string): Promise<Job> {
  const page = await outbox.listJobs(orgId, { kind: 'webhook', limit: 100 });
  const j = page.data.find((x) => x.id === id);
  if (!j) throw new Error(`job ${id} not stored`);
  return j;
}

describe.each(['sqlite', 'postgres'] as const)('the outbox on %s', (dialect) => {
  let h: Harness;
  let outbox: OutboxStore;
  // Each test works in its own org and its own stretch of time, so claims never meet.
  let orgs = 0;
  const freshOrg = async () => {
    const id = `org_outbox_${dialect}_${++orgs}`;
    const r = await h.store.createOrg({ id, name: 'Outbox', tier: 'free' }, { now: t0 });
    if (!r.ok) throw r.error;
    return id;
  };
  let era = 0;
  /** A time far from every other test's, so their due jobs are not claimed here. */
  const freshTime = () => t0 + ++era * 365 * 24 * 3_600_000;

  beforeAll(async () => {
    h = await openHarness(dialect);
    outbox = await outboxOf(h.store);
  }, TIMEOUT_MS);
  afterAll(() => h?.cleanup(), TIMEOUT_MS);

  it('turns each event into work exactly once: a dispatched event is never handed out again', {
    timeout: TIMEOUT_MS,
  }, async () => {
    const org = await freshOrg();
    const r = await h.store.execute(org, { type: 'adjust', amount: 10, reason: 'conformance' }, { now: t0 });
    if (!r.ok) throw r.error;
    const seen: number[] = [];
    let dispatched = 0;
    for (;;) {
      const n = await outbox.dispatchEvents(50, ({ events }) => {
        seen.push(...events.map((e) => e.seq));
        return {
          jobs: events
            .filter((e) => e.org_id === org)
            .map((e) => job(org, t0, { event_id: eventId(e.seq), event_type: e.type })),
          notifications: [],
        };
      });
      if (n === 0) break;
      dispatched += n;
    }
    expect(dispatched).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length);
    expect(await outbox.dispatchEvents(50, () => ({ jobs: [], notifications: [] }))).toBe(0);
    const jobs = await outbox.listJobs(org, { kind: 'webhook', limit: 100 });
    expect(jobs.data.length).toBeGreaterThan(0);
    expect(jobs.data.every((j) => j.status === 'pending' && j.event_id !== null)).toBe(true);
    // The work is claimable, once: claim and complete it, so later tests meet none of it.
    const claimed = await outbox.claimJobs(t0, 100, LEASE_MS);
    expect(claimed.map((j) => j.id).sort()).toEqual(jobs.data.map((j) => j.id).sort());
    for (const j of claimed) await outbox.finishJob(org, j.id, done(t0));
    expect(await outbox.claimJobs(t0 + LEASE_MS, 100, LEASE_MS)).toEqual([]);
  });

  it('claims a due job once while its lease runs, counting the attempt, and not before it is due', {
    timeout: TIMEOUT_MS,
  }, async () => {
    const org = await freshOrg();
    const at = freshTime();
    const j = job(org, at);
    await outbox.insertJobs([j]);
    expect(await outbox.claimJobs(at - 1, 10, LEASE_MS)).toEqual([]);
    const [claimed, ...rest] = await outbox.claimJobs(at, 10, LEASE_MS);
    expect(rest).toEqual([]);
    expect(claimed).toMatchObject({ id: j.id, attempts: 1, locked_until: at + LEASE_MS, status: 'pending' });
    expect(await outbox.claimJobs(at + 1, 10, LEASE_MS)).toEqual([]);
    expect(await outbox.claimJobs(at + LEASE_MS - 1, 10, LEASE_MS)).toEqual([]);
    // Its worker died: once the lease has passed, another claims it, and it counts again.
    const [again] = await outbox.claimJobs(at + LEASE_MS, 10, LEASE_MS);
    expect(again).toMatchObject({ id: j.id, attempts: 2 });
    await outbox.finishJob(org, j.id, done(at + LEASE_MS));
  });

  it('completes a job for good: a succeeded job is never claimed again', {
    timeout: TIMEOUT_MS,
  }, async () => {
    const org = await freshOrg();
    const at = freshTime();
    const j = job(org, at);
    await outbox.insertJobs([j]);
    expect((await outbox.claimJobs(at, 10, LEASE_MS)).map((x) => x.id)).toEqual([j.id]);
    await outbox.finishJob(org, j.id, done(at + 5));
    expect(await outbox.claimJobs(at + 10 * LEASE_MS, 10, LEASE_MS)).toEqual([]);
    expect(await stored(outbox, org, j.id)).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      locked_until: null,
      last_status: 200,
      finished_at: at + 5,
    });
  });

  it('retries a job at its next attempt time, not before, keeping why the last attempt failed', {
    timeout: TIMEOUT_MS,
  }, async () => {
    const org = await freshOrg();
    const at = freshTime();
    const j = job(org, at);
    await outbox.insertJobs([j]);
    await outbox.claimJobs(at, 10, LEASE_MS);
    await outbox.finishJob(org, j.id, retryAt(at + 5_000, 'HTTP 503'));
    expect(await stored(outbox, org, j.id)).toMatchObject({
      status: 'pending',
      locked_until: null,
      next_attempt_at: at + 5_000,
      last_status: 503,
      last_error: 'HTTP 503',
    });
    expect(await outbox.claimJobs(at + 4_999, 10, LEASE_MS)).toEqual([]);
    const [retried] = await outbox.claimJobs(at + 5_000, 10, LEASE_MS);
    expect(retried).toMatchObject({ id: j.id, attempts: 2, last_error: 'HTTP 503' });
    await outbox.finishJob(org, j.id, done(at + 5_001));
  });

  it('dead-letters a job that failed for good: it is kept, with its error, and never claimed again', {
    timeout: TIMEOUT_MS,
  }, async () => {
    const org = await freshOrg();
    const at = freshTime();
    const j = job(org, at);
    await outbox.insertJobs([j]);
    await outbox.claimJobs(at, 10, LEASE_MS);
    await outbox.finishJob(org, j.id, deadLetter(at + 1, 'gave up after 1 attempt'));
    expect(await outbox.claimJobs(at + 100 * LEASE_MS, 10, LEASE_MS)).toEqual([]);
    expect(await stored(outbox, org, j.id)).toMatchObject({
      status: 'failed',
      last_error: 'gave up after 1 attempt',
      finished_at: at + 1,
    });
  });

  it('changes nothing when a job that is no longer pending is finished again', {
    timeout: TIMEOUT_MS,
  }, async () => {
    const org = await freshOrg();
    const at = freshTime();
    const j = job(org, at);
    await outbox.insertJobs([j]);
    await outbox.claimJobs(at, 10, LEASE_MS);
    await outbox.finishJob(org, j.id, done(at + 1));
    // A late worker whose lease had run out reports a failure: the success stands.
    await outbox.finishJob(org, j.id, retryAt(at + 2, 'late'));
    expect(await stored(outbox, org, j.id)).toMatchObject({ status: 'succeeded', last_error: null });
    expect(await outbox.claimJobs(at + 10 * LEASE_MS, 10, LEASE_MS)).toEqual([]);
  });

  it('claims at most the limit, the earliest due first', { timeout: TIMEOUT_MS }, async () => {
    const org = await freshOrg();
    const at = freshTime();
    const jobs = [job(org, at + 3), job(org, at + 1), job(org, at + 2)];
    await outbox.insertJobs(jobs);
    const first = await outbox.claimJobs(at + 10, 2, LEASE_MS);
    expect(first.map((x) => x.id)).toEqual([jobs[1]!.id, jobs[2]!.id]);
    const second = await outbox.claimJobs(at + 10, 2, LEASE_MS);
    expect(second.map((x) => x.id)).toEqual([jobs[0]!.id]);
    for (const x of jobs) await outbox.finishJob(org, x.id, done(at + 11));
  });
});
