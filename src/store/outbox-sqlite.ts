/**
 * The outbox on SQLite. better-sqlite3 is synchronous, so each method runs start to finish
 * inside one (IMMEDIATE, for writes that read first) transaction: another process on the
 * same file (`amisi renew` beside the server) waits for SQLite's write lock, and nothing
 * is claimed twice.
 */
import type Database from 'better-sqlite3';
import type { DomainEvent } from '../core/index.ts';
import type {
  BillingAccount,
  DispatchInput,
  DispatchPlan,
  Job,
  JobFilter,
  JobUpdate,
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
import type { SqliteStore } from './sqlite.ts';
import { type Page, type Store, type StoreEvent, unknownCursor } from './types.ts';

export function sqliteOutbox(store: Store): OutboxStore {
  const db = (store as SqliteStore).db;
  return new SqliteOutbox(db);
}

class SqliteOutbox implements OutboxStore {
  private readonly insertJob: Database.Statement;
  private readonly insertNotification: Database.Statement;
  private readonly insertEvent: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insertJob = db.prepare(
      `INSERT INTO jobs (org_id, id, kind, endpoint_id, event_id, event_type, payload, status, attempts,
         next_attempt_at, locked_until, last_status, last_error, created_at, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertNotification = db.prepare('INSERT INTO notifications VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.insertEvent = db.prepare('INSERT INTO events (org_id, type, at, data) VALUES (?, ?, ?, ?)');
  }

  private addJob(j: Job) {
    this.insertJob.run(
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
    );
  }

  async createWebhookEndpoint(e: WebhookEndpoint) {
    this.db
      .prepare(
        'INSERT INTO webhook_endpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) FROM events))',
      )
      .run(
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
  }
  async listWebhookEndpoints(orgId: string) {
    return (
      this.db
        .prepare('SELECT * FROM webhook_endpoints WHERE org_id = ? ORDER BY created_at, id')
        .all(orgId) as Row[]
    ).map(endpointOf);
  }
  async getWebhookEndpoint(orgId: string, id: string) {
    const r = this.db.prepare('SELECT * FROM webhook_endpoints WHERE org_id = ? AND id = ?').get(orgId, id) as
      | Row
      | undefined;
    return r ? endpointOf(r) : null;
  }
  private cancelDeliveries(orgId: string, id: string, now: number, why: string) {
    this.db
      .prepare(
        `UPDATE jobs SET status = 'cancelled', next_attempt_at = NULL, finished_at = ?, last_error = coalesce(last_error, ?)
          WHERE org_id = ? AND endpoint_id = ? AND status = 'pending'`,
      )
      .run(now, why, orgId, id);
  }
  async deleteWebhookEndpoint(orgId: string, id: string, now: number) {
    return this.db.transaction(() => {
      const n = this.db
        .prepare('DELETE FROM webhook_endpoints WHERE org_id = ? AND id = ?')
        .run(orgId, id).changes;
      if (n > 0) this.cancelDeliveries(orgId, id, now, 'endpoint deleted');
      return n > 0;
    })();
  }
  async disableWebhookEndpoint(orgId: string, id: string, now: number, reason: string) {
    this.db.transaction(() => {
      this.db
        .prepare(
          'UPDATE webhook_endpoints SET disabled_at = ?, disabled_reason = ? WHERE org_id = ? AND id = ? AND disabled_at IS NULL',
        )
        .run(now, reason, orgId, id);
      this.cancelDeliveries(orgId, id, now, `endpoint disabled: ${reason}`);
    })();
  }

  async dispatchEvents(limit: number, plan: (input: DispatchInput) => DispatchPlan) {
    return this.db
      .transaction(() => {
        const rows = this.db
          .prepare('SELECT seq, org_id, type, at, data FROM events WHERE dispatched = 0 ORDER BY seq LIMIT ?')
          .all(limit) as (Omit<StoreEvent, 'data'> & { data: string })[];
        if (rows.length === 0) return 0;
        const events: StoreEvent[] = rows.map((r) => ({ ...r, data: JSON.parse(r.data) }));
        const orgs = [...new Set(events.map((e) => e.org_id))];
        const marks = orgs.map(() => '?').join(',');
        const endpoints = (
          this.db
            .prepare(`SELECT * FROM webhook_endpoints WHERE org_id IN (${marks}) AND disabled_at IS NULL`)
            .all(...orgs) as Row[]
        ).map(endpointOf);
        const recipients = new Map<string, string[]>();
        for (const r of this.db
          .prepare(
            `SELECT org_id, email FROM org_members WHERE org_id IN (${marks}) AND role IN ('owner', 'admin') ORDER BY org_id, email`,
          )
          .all(...orgs) as { org_id: string; email: string }[])
          recipients.set(r.org_id, [...(recipients.get(r.org_id) ?? []), r.email]);
        const out = plan({ events, endpoints, recipients });
        for (const j of out.jobs) this.addJob(j);
        for (const n of out.notifications)
          this.insertNotification.run(
            n.org_id,
            n.id,
            n.type,
            n.title,
            n.body,
            JSON.stringify(n.data),
            n.created_at,
            n.read_at,
          );
        for (const p of out.payments ?? []) {
          const values = paymentValues(p);
          this.db
            .prepare(
              `INSERT OR IGNORE INTO payments (${PAYMENT_COLUMNS}) VALUES (${values.map(() => '?').join(', ')})`,
            )
            .run(...values);
        }
        const mark = this.db.prepare('UPDATE events SET dispatched = 1 WHERE seq = ?');
        for (const e of events) mark.run(e.seq);
        return events.length;
      })
      .immediate();
  }

  async recordAlert(orgId: string, key: string, event: DomainEvent, now: number) {
    return this.db
      .transaction(() => {
        const n = this.db
          .prepare('INSERT OR IGNORE INTO alerts_sent VALUES (?, ?, ?)')
          .run(orgId, key, now).changes;
        if (n > 0) this.insertEvent.run(event.org_id, event.type, event.at, JSON.stringify(event.data));
        return n > 0;
      })
      .immediate();
  }

  async insertJobs(jobs: Job[]) {
    this.db.transaction(() => {
      for (const j of jobs) this.addJob(j);
    })();
  }

  async claimJobs(now: number, limit: number, leaseMs: number) {
    return this.db
      .transaction(() => {
        const rows = this.db
          .prepare(
            `SELECT * FROM jobs WHERE status = 'pending' AND next_attempt_at <= ?
               AND (locked_until IS NULL OR locked_until <= ?) ORDER BY next_attempt_at LIMIT ?`,
          )
          .all(now, now, limit) as Row[];
        const lease = this.db.prepare(
          'UPDATE jobs SET locked_until = ?, attempts = attempts + 1 WHERE org_id = ? AND id = ?',
        );
        return rows.map((r) => {
          lease.run(now + leaseMs, r.org_id, r.id);
          return jobOf({ ...r, locked_until: now + leaseMs, attempts: (r.attempts as number) + 1 });
        });
      })
      .immediate();
  }

  async finishJob(orgId: string, id: string, u: JobUpdate) {
    this.db
      .prepare(
        `UPDATE jobs SET status = ?, next_attempt_at = ?, locked_until = NULL, last_status = ?, last_error = ?, finished_at = ?
          WHERE org_id = ? AND id = ? AND status = 'pending'`,
      )
      .run(u.status, u.next_attempt_at, u.last_status, u.last_error, u.finished_at, orgId, id);
  }

  async listJobs(orgId: string, f: JobFilter): Promise<Page<Job>> {
    const where = ['org_id = ?', 'kind = ?'];
    const args: unknown[] = [orgId, f.kind];
    if (f.endpoint_id !== undefined) where.push('endpoint_id = ?') && args.push(f.endpoint_id);
    if (f.starting_after !== undefined) {
      // The cursor must be an item of this very list: same kind, and same endpoint when
      // the list is an endpoint's deliveries.
      const c = this.db
        .prepare(`SELECT created_at FROM jobs WHERE ${where.join(' AND ')} AND id = ?`)
        .get(...args, f.starting_after) as { created_at: number } | undefined;
      if (!c) throw unknownCursor(f.starting_after, jobItem(f));
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      args.push(c.created_at, c.created_at, f.starting_after);
    }
    const rows = this.db
      .prepare(`SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`)
      .all(...args, f.limit + 1) as Row[];
    return page(rows.map(jobOf), f.limit);
  }

  async listNotifications(orgId: string, limit: number, startingAfter?: string) {
    const args: unknown[] = [orgId];
    let cursor = '';
    if (startingAfter !== undefined) {
      const c = this.db
        .prepare('SELECT created_at FROM notifications WHERE org_id = ? AND id = ?')
        .get(orgId, startingAfter) as { created_at: number } | undefined;
      if (!c) throw unknownCursor(startingAfter, 'a notification of this org');
      cursor = ' AND (created_at < ? OR (created_at = ? AND id < ?))';
      args.push(c.created_at, c.created_at, startingAfter);
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM notifications WHERE org_id = ?${cursor} ORDER BY created_at DESC, id DESC LIMIT ?`,
      )
      .all(...args, limit + 1) as Row[];
    return page(rows.map(notificationOf), limit);
  }
  async markNotificationRead(orgId: string, id: string, now: number) {
    const r = this.db.prepare('SELECT 1 FROM notifications WHERE org_id = ? AND id = ?').get(orgId, id);
    if (!r) return false;
    this.db
      .prepare('UPDATE notifications SET read_at = ? WHERE org_id = ? AND id = ? AND read_at IS NULL')
      .run(now, orgId, id);
    return true;
  }

  async countUnreadNotifications(orgId: string, max: number) {
    const r = this.db
      .prepare(
        'SELECT COUNT(*) AS n FROM (SELECT 1 FROM notifications WHERE org_id = ? AND read_at IS NULL LIMIT ?)',
      )
      .get(orgId, max) as { n: number };
    return r.n;
  }
  async markAllNotificationsRead(orgId: string, now: number) {
    return this.db
      .prepare('UPDATE notifications SET read_at = ? WHERE org_id = ? AND read_at IS NULL')
      .run(now, orgId).changes;
  }

  async getBillingAccount(orgId: string) {
    return (
      (this.db.prepare('SELECT * FROM billing_accounts WHERE org_id = ?').get(orgId) as
        | BillingAccount
        | undefined) ?? null
    );
  }
  async findBillingAccountByCustomer(provider: string, customerId: string) {
    return (
      (this.db
        .prepare('SELECT * FROM billing_accounts WHERE provider = ? AND customer_id = ?')
        .get(provider, customerId) as BillingAccount | undefined) ?? null
    );
  }
  async upsertBillingAccount(a: BillingAccount) {
    this.db
      .prepare(
        `INSERT INTO billing_accounts VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (org_id) DO UPDATE SET provider = excluded.provider,
           customer_id = coalesce(excluded.customer_id, customer_id),
           subscription_id = coalesce(excluded.subscription_id, subscription_id), updated_at = excluded.updated_at`,
      )
      .run(a.org_id, a.provider, a.customer_id, a.subscription_id, a.updated_at);
  }

  async recordPayment(p: Payment) {
    const values = paymentValues(p);
    return (
      this.db
        .prepare(
          `INSERT OR IGNORE INTO payments (${PAYMENT_COLUMNS}) VALUES (${values.map(() => '?').join(', ')})`,
        )
        .run(...values).changes > 0
    );
  }
  async findPayment(paymentId: string) {
    const r = this.db.prepare('SELECT * FROM payments WHERE payment_id = ?').get(paymentId) as
      | Row
      | undefined;
    return r ? paymentOf(r) : null;
  }
  async getPayment(orgId: string, paymentId: string) {
    const r = this.db
      .prepare('SELECT * FROM payments WHERE org_id = ? AND payment_id = ?')
      .get(orgId, paymentId) as Row | undefined;
    return r ? paymentOf(r) : null;
  }
  async listPayments(orgId: string, limit: number, startingAfter?: string) {
    const args: unknown[] = [orgId];
    let cursor = '';
    if (startingAfter !== undefined) {
      const c = this.db
        .prepare('SELECT paid_at FROM payments WHERE org_id = ? AND payment_id = ?')
        .get(orgId, startingAfter) as { paid_at: number } | undefined;
      if (!c) throw unknownCursor(startingAfter, 'a payment of this org');
      cursor = ' AND (paid_at < ? OR (paid_at = ? AND payment_id < ?))';
      args.push(c.paid_at, c.paid_at, startingAfter);
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM payments WHERE org_id = ?${cursor} ORDER BY paid_at DESC, payment_id DESC LIMIT ?`,
      )
      .all(...args, limit + 1) as Row[];
    return paymentPage(rows, limit);
  }
  async setPaymentReceipt(
    orgId: string,
    paymentId: string,
    receiptUrl: string | null,
    method: string | null,
  ) {
    this.db
      .prepare(
        `UPDATE payments SET receipt_url = coalesce(receipt_url, ?), payment_method = coalesce(payment_method, ?)
          WHERE org_id = ? AND payment_id = ?`,
      )
      .run(receiptUrl, method, orgId, paymentId);
  }
  async markPaymentCredited(orgId: string, paymentId: string, now: number) {
    this.db
      .prepare(
        'UPDATE payments SET credited_at = ? WHERE org_id = ? AND payment_id = ? AND credited_at IS NULL',
      )
      .run(now, orgId, paymentId);
  }
  async markPaymentRefunded(orgId: string, paymentId: string, now: number) {
    this.db
      .prepare(
        'UPDATE payments SET refunded_at = ? WHERE org_id = ? AND payment_id = ? AND refunded_at IS NULL',
      )
      .run(now, orgId, paymentId);
  }
  async uncreditedPayments(limit: number) {
    return (
      this.db
        .prepare('SELECT * FROM payments WHERE credited_at IS NULL ORDER BY paid_at, payment_id LIMIT ?')
        .all(limit) as Row[]
    ).map(paymentOf);
  }
}
