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
import type {
  BillingAccount,
  DispatchInput,
  DispatchPlan,
  Job,
  JobFilter,
  JobUpdate,
  Notification,
  OutboxStore,
  Payment,
  WebhookEndpoint,
} from './outbox.ts';
import {
  endpointOf,
  jobItem,
  jobOf,
  notificationOf,
  PAYMENT_COLUMNS,
  page,
  paymentOf,
  paymentPage,
  paymentValues,
  type Row,
} from './outbox-rows.ts';
import { all, get, inTransaction, num, type Proc, run, runMany, value } from './sql.ts';
import type { Engine } from './sql-store.ts';
import { type Page, type StoreEvent, unknownCursor } from './types.ts';

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

const jobRow = (r: Row): Job =>
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

export class OutboxRepo implements OutboxStore {
  constructor(private readonly engine: Engine) {}

  createWebhookEndpoint(e: WebhookEndpoint) {
    return this.engine.write('createWebhookEndpoint', e);
  }
  async listWebhookEndpoints(orgId: string) {
    const rows = await this.engine.read(
      all('SELECT * FROM webhook_endpoints WHERE org_id = ? ORDER BY created_at, id', orgId),
    );
    return rows.map(endpointOf);
  }
  async getWebhookEndpoint(orgId: string, id: string) {
    const r = await this.engine.read(
      get('SELECT * FROM webhook_endpoints WHERE org_id = ? AND id = ?', orgId, id),
    );
    return r ? endpointOf(r) : null;
  }
  deleteWebhookEndpoint(orgId: string, id: string, now: number) {
    return this.engine.write('deleteWebhookEndpoint', orgId, id, now);
  }
  disableWebhookEndpoint(orgId: string, id: string, now: number, reason: string) {
    return this.engine.write('disableWebhookEndpoint', orgId, id, now, reason);
  }

  async dispatchEvents(limit: number, plan: (input: DispatchInput) => DispatchPlan) {
    const input = await this.engine.read(dispatchInput(limit));
    if (input.events.length === 0) return 0;
    const out = plan(input);
    return this.engine.write(
      'storeDispatch',
      input.events.map((e) => e.seq),
      out.jobs,
      out.notifications,
      out.payments ?? [],
    );
  }
  recordAlert(orgId: string, key: string, event: DomainEvent, now: number) {
    return this.engine.write('recordAlert', orgId, key, event, now);
  }
  insertJobs(jobs: Job[]) {
    return this.engine.write('insertJobs', jobs);
  }
  claimJobs(now: number, limit: number, leaseMs: number) {
    return this.engine.write('claimJobs', now, limit, leaseMs);
  }
  finishJob(orgId: string, id: string, u: JobUpdate) {
    return this.engine.write('finishJob', orgId, id, u);
  }
  listJobs(orgId: string, f: JobFilter): Promise<Page<Job>> {
    return this.engine.read(listJobs(orgId, f));
  }
  listNotifications(orgId: string, limit: number, startingAfter?: string) {
    return this.engine.read(listNotifications(orgId, limit, startingAfter));
  }
  markNotificationRead(orgId: string, id: string, now: number) {
    return this.engine.write('markNotificationRead', orgId, id, now);
  }
  async countUnreadNotifications(orgId: string, max: number) {
    return num(
      await this.engine.read(
        value(
          'SELECT count(*) FROM (SELECT 1 FROM notifications WHERE org_id = ? AND read_at IS NULL LIMIT ?) u',
          orgId,
          max,
        ),
      ),
    );
  }
  markAllNotificationsRead(orgId: string, now: number) {
    return this.engine.write('markAllNotificationsRead', orgId, now);
  }
  async getBillingAccount(orgId: string) {
    return (
      ((await this.engine.read(get('SELECT * FROM billing_accounts WHERE org_id = ?', orgId))) as
        | BillingAccount
        | undefined) ?? null
    );
  }
  async findBillingAccountByCustomer(provider: string, customerId: string) {
    return (
      ((await this.engine.read(
        get('SELECT * FROM billing_accounts WHERE provider = ? AND customer_id = ?', provider, customerId),
      )) as BillingAccount | undefined) ?? null
    );
  }
  upsertBillingAccount(a: BillingAccount) {
    return this.engine.write('upsertBillingAccount', a);
  }
  recordPayment(p: Payment) {
    return this.engine.write('recordPayment', p);
  }
  async findPayment(paymentId: string) {
    const r = await this.engine.read(get('SELECT * FROM payments WHERE payment_id = ?', paymentId));
    return r ? paymentOf(r) : null;
  }
  markPaymentCredited(orgId: string, paymentId: string, now: number) {
    return this.engine.write('markPaymentCredited', orgId, paymentId, now);
  }
  markPaymentRefunded(orgId: string, paymentId: string, now: number) {
    return this.engine.write('markPaymentRefunded', orgId, paymentId, now);
  }
  async getPayment(orgId: string, paymentId: string) {
    const r = await this.engine.read(
      get('SELECT * FROM payments WHERE org_id = ? AND payment_id = ?', orgId, paymentId),
    );
    return r ? paymentOf(r) : null;
  }
  listPayments(orgId: string, limit: number, startingAfter?: string) {
    return this.engine.read(listPayments(orgId, limit, startingAfter));
  }
  setPaymentReceipt(orgId: string, paymentId: string, receiptUrl: string | null, method: string | null) {
    return this.engine.write('setPaymentReceipt', orgId, paymentId, receiptUrl, method);
  }
  async uncreditedPayments(limit: number) {
    const rows = await this.engine.read(
      all('SELECT * FROM payments WHERE credited_at IS NULL ORDER BY paid_at, payment_id LIMIT ?', limit),
    );
    return rows.map(paymentOf);
  }
}

function* dispatchInput(limit: number): Proc<DispatchInput> {
  const rows = yield* all(
    'SELECT seq, org_id, type, at, data FROM events WHERE dispatched = ? ORDER BY seq LIMIT ?',
    false,
    limit,
  );
  const events: StoreEvent[] = rows.map((r) => ({
    seq: num(r.seq),
    org_id: String(r.org_id),
    type: String(r.type),
    at: num(r.at),
    data: JSON.parse(r.data as string),
  }));
  const orgs = [...new Set(events.map((e) => e.org_id))];
  const endpoints: WebhookEndpoint[] = [];
  const recipients = new Map<string, string[]>();
  for (const org of orgs) {
    for (const r of yield* all(
      'SELECT * FROM webhook_endpoints WHERE org_id = ? AND disabled_at IS NULL',
      org,
    ))
      endpoints.push(endpointOf(r));
    const emails = yield* all<{ email: string }>(
      `SELECT email FROM org_members WHERE org_id = ? AND role IN ('owner', 'admin') ORDER BY email`,
      org,
    );
    if (emails.length > 0)
      recipients.set(
        org,
        emails.map((r) => r.email),
      );
  }
  return { events, endpoints, recipients };
}

function* listJobs(orgId: string, f: JobFilter): Proc<Page<Job>> {
  const where = ['org_id = ?', 'kind = ?'];
  const args: unknown[] = [orgId, f.kind];
  if (f.endpoint_id !== undefined) where.push('endpoint_id = ?') && args.push(f.endpoint_id);
  if (f.starting_after !== undefined) {
    // The cursor must be an item of this very list: same kind, and same endpoint when
    // the list is an endpoint's deliveries.
    const c = yield* get<{ created_at: number }>(
      `SELECT created_at FROM jobs WHERE ${where.join(' AND ')} AND id = ?`,
      ...args,
      f.starting_after,
    );
    if (!c) throw unknownCursor(f.starting_after, jobItem(f));
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    args.push(c.created_at, c.created_at, f.starting_after);
  }
  const rows = yield* all(
    `SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`,
    ...args,
    f.limit + 1,
  );
  return page(rows.map(jobRow), f.limit);
}

function* listNotifications(orgId: string, limit: number, startingAfter?: string): Proc<Page<Notification>> {
  const args: unknown[] = [orgId];
  let cursor = '';
  if (startingAfter !== undefined) {
    const c = yield* get<{ created_at: number }>(
      'SELECT created_at FROM notifications WHERE org_id = ? AND id = ?',
      orgId,
      startingAfter,
    );
    if (!c) throw unknownCursor(startingAfter, 'a notification of this org');
    cursor = ' AND (created_at < ? OR (created_at = ? AND id < ?))';
    args.push(c.created_at, c.created_at, startingAfter);
  }
  const rows = yield* all(
    `SELECT * FROM notifications WHERE org_id = ?${cursor} ORDER BY created_at DESC, id DESC LIMIT ?`,
    ...args,
    limit + 1,
  );
  return page(rows.map(notificationOf), limit);
}

function* listPayments(orgId: string, limit: number, startingAfter?: string): Proc<Page<Payment>> {
  const args: unknown[] = [orgId];
  let cursor = '';
  if (startingAfter !== undefined) {
    const c = yield* get<{ paid_at: number }>(
      'SELECT paid_at FROM payments WHERE org_id = ? AND payment_id = ?',
      orgId,
      startingAfter,
    );
    if (!c) throw unknownCursor(startingAfter, 'a payment of this org');
    cursor = ' AND (paid_at < ? OR (paid_at = ? AND payment_id < ?))';
    args.push(c.paid_at, c.paid_at, startingAfter);
  }
  const rows = yield* all(
    `SELECT * FROM payments WHERE org_id = ?${cursor} ORDER BY paid_at DESC, payment_id DESC LIMIT ?`,
    ...args,
    limit + 1,
  );
  return paymentPage(rows, limit);
}
