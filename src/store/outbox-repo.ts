/**
 * The outbox (outbox.ts), written once for both databases as procedures (sql.ts). Part of
 * the store: `store.outbox`. Writes run where the store's writes run (on SQLite, the
 * writer thread), so none waits for the file's lock on the thread that serves requests.
 *
 * Events are fanned out in two steps: the events not yet dispatched are read and planned
 * (the plan is the caller's pure function), then one transaction stores the plan and
 * marks the events dispatched only if none was dispatched meanwhile. A server that lost
 * the race rolls back and dispatches nothing: each event is fanned out exactly once.
 */
import type { DomainEvent } from '../core/index.ts';
import type { Dialect } from './dialect.ts';
import type { BillingAccount, Job, JobUpdate, Notification, Payment, WebhookEndpoint } from './outbox.ts';
import { jobOf, PAYMENT_COLUMNS, paymentValues, type Row } from './outbox-rows.ts';
import { all, get, inTransaction, num, type Proc, run, runMany } from './sql.ts';

const JOB_COLUMNS = `org_id, id, kind, endpoint_id, event_id, event_type, payload, status, attempts,
  next_attempt_at, locked_until, last_status, last_error, created_at, finished_at`;

const jobArgs = (j: Job) => [
  j.org_id,
  j.id,
  j.kind,
  j.endpoint_id,
  j.event_id,
  j.event_type,
  JSON.stringify(j.payload),
  j.status,
  j.attempts,
  j.next_attempt_at,
  j.locked_until,
  j.last_status,
  j.last_error,
  j.created_at,
  j.finished_at,
];

function* insertJobs(jobs: Job[]): Proc<void> {
  yield* runMany(
    `INSERT INTO jobs (${JOB_COLUMNS}) VALUES (${JOB_COLUMNS.split(',')
      .map(() => '?')
      .join(', ')})`,
    jobs.map(jobArgs),
  );
}

function* cancelDeliveries(orgId: string, id: string, now: number, why: string): Proc<void> {
  yield* run(
    `UPDATE jobs SET status = 'cancelled', next_attempt_at = NULL, finished_at = ?, last_error = coalesce(last_error, ?)
      WHERE org_id = ? AND endpoint_id = ? AND status = 'pending'`,
    now,
    why,
    orgId,
    id,
  );
}

/** Named for the SQLite writer thread (writes.ts); each is one transaction. */
export const outboxWrites = {
  *createWebhookEndpoint(_d: Dialect, e: WebhookEndpoint): Proc<void> {
    yield* run(
      `INSERT INTO webhook_endpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) FROM events))`,
      e.org_id,
      e.id,
      e.url,
      JSON.stringify(e.events),
      e.secret,
      e.description,
      e.created_at,
      e.disabled_at,
      e.disabled_reason,
    );
  },
  *deleteWebhookEndpoint(_d: Dialect, orgId: string, id: string, now: number): Proc<boolean> {
    return yield* inTransaction(function* () {
      const n = yield* run('DELETE FROM webhook_endpoints WHERE org_id = ? AND id = ?', orgId, id);
      if (n > 0) yield* cancelDeliveries(orgId, id, now, 'endpoint deleted');
      return n > 0;
    });
  },
  *disableWebhookEndpoint(_d: Dialect, orgId: string, id: string, now: number, reason: string): Proc<void> {
    yield* inTransaction(function* () {
      yield* run(
        'UPDATE webhook_endpoints SET disabled_at = ?, disabled_reason = ? WHERE org_id = ? AND id = ? AND disabled_at IS NULL',
        now,
        reason,
        orgId,
        id,
      );
      yield* cancelDeliveries(orgId, id, now, `endpoint disabled: ${reason}`);
    });
  },
  /** Stores a dispatch plan and marks its events dispatched; 0 (and nothing stored) if another dispatcher took any of them. */
  *storeDispatch(
    _d: Dialect,
    seqs: number[],
    jobs: Job[],
    notifications: Notification[],
    payments: Payment[],
  ): Proc<number> {
    try {
      return yield* inTransaction(function* () {
        const marked = yield* runMany(
          'UPDATE events SET dispatched = ? WHERE seq = ? AND dispatched = ?',
          seqs.map((s) => [true, s, false]),
        );
        if (marked !== seqs.length) throw new LostDispatch();
        yield* insertJobs(jobs);
        yield* runMany(
          'INSERT INTO notifications VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          notifications.map((n) => [
            n.org_id,
            n.id,
            n.type,
            n.title,
            n.body,
            JSON.stringify(n.data),
            n.created_at,
            n.read_at,
          ]),
        );
        for (const p of payments) yield* insertPayment(p);
        return seqs.length;
      });
    } catch (e) {
      if (e instanceof LostDispatch) return 0;
      throw e;
    }
  },
  *recordAlert(_d: Dialect, orgId: string, key: string, event: DomainEvent, now: number): Proc<boolean> {
    return yield* inTransaction(function* () {
      const n = yield* run(
        'INSERT INTO alerts_sent VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        orgId,
        key,
        now,
      );
      if (n > 0)
        yield* run(
          'INSERT INTO events (org_id, type, at, data) VALUES (?, ?, ?, ?)',
          event.org_id,
          event.type,
          event.at,
          JSON.stringify(event.data),
        );
      return n > 0;
    });
  },
  *insertJobs(_d: Dialect, jobs: Job[]): Proc<void> {
    yield* inTransaction(() => insertJobs(jobs));
  },
  *claimJobs(d: Dialect, now: number, limit: number, leaseMs: number): Proc<Job[]> {
    // One statement: on PostgreSQL the jobs another server is claiming are skipped, not waited for.
    const rows = yield* all(
      `UPDATE jobs SET locked_until = ?, attempts = attempts + 1
        WHERE (org_id, id) IN (SELECT org_id, id FROM jobs
                WHERE status = 'pending' AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until <= ?)
                ORDER BY next_attempt_at LIMIT ?${d.skipLocked})
        RETURNING *`,
      now + leaseMs,
      now,
      now,
      limit,
    );
    return rows.map(jobRow).sort((a, b) => (a.next_attempt_at ?? 0) - (b.next_attempt_at ?? 0));
  },
  *finishJob(_d: Dialect, orgId: string, id: string, u: JobUpdate): Proc<void> {
    yield* run(
      `UPDATE jobs SET status = ?, next_attempt_at = ?, locked_until = NULL, last_status = ?, last_error = ?, finished_at = ?
        WHERE org_id = ? AND id = ? AND status = 'pending'`,
      u.status,
      u.next_attempt_at,
      u.last_status,
      u.last_error,
      u.finished_at,
      orgId,
      id,
    );
  },
  *markNotificationRead(_d: Dialect, orgId: string, id: string, now: number): Proc<boolean> {
    const r = yield* get('SELECT 1 AS one FROM notifications WHERE org_id = ? AND id = ?', orgId, id);
    if (!r) return false;
    yield* run(
      'UPDATE notifications SET read_at = ? WHERE org_id = ? AND id = ? AND read_at IS NULL',
      now,
      orgId,
      id,
    );
    return true;
  },
  *markAllNotificationsRead(_d: Dialect, orgId: string, now: number): Proc<number> {
    return yield* run(
      'UPDATE notifications SET read_at = ? WHERE org_id = ? AND read_at IS NULL',
      now,
      orgId,
    );
  },
  *upsertBillingAccount(_d: Dialect, a: BillingAccount): Proc<void> {
    yield* run(
      `INSERT INTO billing_accounts VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (org_id) DO UPDATE SET provider = excluded.provider,
         customer_id = coalesce(excluded.customer_id, billing_accounts.customer_id),
         subscription_id = coalesce(excluded.subscription_id, billing_accounts.subscription_id),
         updated_at = excluded.updated_at`,
      a.org_id,
      a.provider,
      a.customer_id,
      a.subscription_id,
      a.updated_at,
    );
  },
  *recordPayment(_d: Dialect, p: Payment): Proc<boolean> {
    return yield* insertPayment(p);
  },
  *setPaymentReceipt(
    _d: Dialect,
    orgId: string,
    paymentId: string,
    receiptUrl: string | null,
    method: string | null,
  ): Proc<void> {
    yield* run(
      `UPDATE payments SET receipt_url = coalesce(receipt_url, ?), payment_method = coalesce(payment_method, ?)
        WHERE org_id = ? AND payment_id = ?`,
      receiptUrl,
      method,
      orgId,
      paymentId,
    );
  },
  *markPaymentCredited(_d: Dialect, orgId: string, paymentId: string, now: number): Proc<void> {
    yield* run(
      'UPDATE payments SET credited_at = ? WHERE org_id = ? AND payment_id = ? AND credited_at IS NULL',
      now,
      orgId,
      paymentId,
    );
  },
  *markPaymentRefunded(_d: Dialect, orgId: string, paymentId: string, now: number): Proc<void> {
    yield* run(
      'UPDATE payments SET refunded_at = ? WHERE org_id = ? AND payment_id = ? AND refunded_at IS NULL',
      now,
      orgId,
      paymentId,
    );
  },
};

class LostDispatch extends Error {}

export const jobRow = (r: Row): Job =>
  jobOf({
    ...r,
    attempts: num(r.attempts),
    next_attempt_at: r.next_attempt_at === null ? null : num(r.next_attempt_at),
    locked_until: r.locked_until === null ? null : num(r.locked_until),
    created_at: num(r.created_at),
  });

/** Inserts a payment unless one with its id is recorded already; true when it was new. */
function* insertPayment(p: Payment): Proc<boolean> {
  const values = paymentValues(p);
  return (
    (yield* run(
      `INSERT INTO payments (${PAYMENT_COLUMNS}) VALUES (${values.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`,
      ...values,
    )) > 0
  );
}
