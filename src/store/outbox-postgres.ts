/**
 * The outbox on PostgreSQL, where several instances share the database: events and jobs
 * are claimed with `FOR UPDATE SKIP LOCKED`, so instances running the scheduler at the
 * same moment take disjoint work and none waits on another.
 */
import type pg from 'pg';
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
} from './outbox-rows.ts';
import type { PostgresStore } from './postgres.ts';
import { type Page, type Store, type StoreEvent, unknownCursor } from './types.ts';

export function postgresOutbox(store: Store): OutboxStore {
  return new PostgresOutbox((store as PostgresStore).pool);
}

const JOB_COLUMNS = `org_id, id, kind, endpoint_id, event_id, event_type, payload, status, attempts,
  next_attempt_at, locked_until, last_status, last_error, created_at, finished_at`;

async function insertJobs(c: pg.PoolClient | pg.Pool, jobs: Job[]) {
  if (jobs.length === 0) return;
  await c.query(
    `INSERT INTO jobs (${JOB_COLUMNS})
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
       $8::text[], $9::int[], $10::bigint[], $11::bigint[], $12::int[], $13::text[], $14::bigint[], $15::bigint[])`,
    [
      jobs.map((j) => j.org_id),
      jobs.map((j) => j.id),
      jobs.map((j) => j.kind),
      jobs.map((j) => j.endpoint_id),
      jobs.map((j) => j.event_id),
      jobs.map((j) => j.event_type),
      jobs.map((j) => JSON.stringify(j.payload)),
      jobs.map((j) => j.status),
      jobs.map((j) => j.attempts),
      jobs.map((j) => j.next_attempt_at),
      jobs.map((j) => j.locked_until),
      jobs.map((j) => j.last_status),
      jobs.map((j) => j.last_error),
      jobs.map((j) => j.created_at),
      jobs.map((j) => j.finished_at),
    ],
  );
}

class PostgresOutbox implements OutboxStore {
  constructor(private readonly pool: pg.Pool) {}

  private async tx<T>(run: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await run(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  async createWebhookEndpoint(e: WebhookEndpoint) {
    await this.pool.query(
      'INSERT INTO webhook_endpoints VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT coalesce(max(seq), 0) FROM events))',
      [
        e.org_id,
        e.id,
        e.url,
        JSON.stringify(e.events),
        e.secret,
        e.description,
        e.created_at,
        e.disabled_at,
        e.disabled_reason,
      ],
    );
  }
  async listWebhookEndpoints(orgId: string) {
    const { rows } = await this.pool.query(
      'SELECT * FROM webhook_endpoints WHERE org_id = $1 ORDER BY created_at, id',
      [orgId],
    );
    return rows.map(endpointOf);
  }
  async getWebhookEndpoint(orgId: string, id: string) {
    const { rows } = await this.pool.query('SELECT * FROM webhook_endpoints WHERE org_id = $1 AND id = $2', [
      orgId,
      id,
    ]);
    return rows[0] ? endpointOf(rows[0]) : null;
  }
  private async cancelDeliveries(c: pg.PoolClient, orgId: string, id: string, now: number, why: string) {
    await c.query(
      `UPDATE jobs SET status = 'cancelled', next_attempt_at = NULL, finished_at = $1, last_error = coalesce(last_error, $2)
        WHERE org_id = $3 AND endpoint_id = $4 AND status = 'pending'`,
      [now, why, orgId, id],
    );
  }
  async deleteWebhookEndpoint(orgId: string, id: string, now: number) {
    return this.tx(async (c) => {
      const r = await c.query('DELETE FROM webhook_endpoints WHERE org_id = $1 AND id = $2', [orgId, id]);
      const deleted = (r.rowCount ?? 0) > 0;
      if (deleted) await this.cancelDeliveries(c, orgId, id, now, 'endpoint deleted');
      return deleted;
    });
  }
  async disableWebhookEndpoint(orgId: string, id: string, now: number, reason: string) {
    await this.tx(async (c) => {
      await c.query(
        'UPDATE webhook_endpoints SET disabled_at = $1, disabled_reason = $2 WHERE org_id = $3 AND id = $4 AND disabled_at IS NULL',
        [now, reason, orgId, id],
      );
      await this.cancelDeliveries(c, orgId, id, now, `endpoint disabled: ${reason}`);
    });
  }

  async dispatchEvents(limit: number, plan: (input: DispatchInput) => DispatchPlan) {
    return this.tx(async (c) => {
      const { rows } = await c.query(
        'SELECT seq, org_id, type, at, data FROM events WHERE NOT dispatched ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED',
        [limit],
      );
      if (rows.length === 0) return 0;
      const events: StoreEvent[] = rows.map((r) => ({ ...r, data: JSON.parse(r.data) }));
      const orgs = [...new Set(events.map((e) => e.org_id))];
      const endpoints = (
        await c.query('SELECT * FROM webhook_endpoints WHERE org_id = ANY($1) AND disabled_at IS NULL', [
          orgs,
        ])
      ).rows.map(endpointOf);
      const recipients = new Map<string, string[]>();
      const members = await c.query(
        `SELECT org_id, email FROM org_members WHERE org_id = ANY($1) AND role IN ('owner', 'admin') ORDER BY org_id, email`,
        [orgs],
      );
      for (const r of members.rows) recipients.set(r.org_id, [...(recipients.get(r.org_id) ?? []), r.email]);
      const out = plan({ events, endpoints, recipients });
      await insertJobs(c, out.jobs);
      const ns = out.notifications;
      if (ns.length > 0)
        await c.query(
          `INSERT INTO notifications SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
             $6::text[], $7::bigint[], $8::bigint[])`,
          [
            ns.map((n) => n.org_id),
            ns.map((n) => n.id),
            ns.map((n) => n.type),
            ns.map((n) => n.title),
            ns.map((n) => n.body),
            ns.map((n) => JSON.stringify(n.data)),
            ns.map((n) => n.created_at),
            ns.map((n) => n.read_at),
          ],
        );
      for (const p of out.payments ?? []) {
        const values = paymentValues(p);
        await c.query(
          `INSERT INTO payments (${PAYMENT_COLUMNS}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})
           ON CONFLICT DO NOTHING`,
          values,
        );
      }
      await c.query('UPDATE events SET dispatched = true WHERE seq = ANY($1)', [events.map((e) => e.seq)]);
      return events.length;
    });
  }

  async recordAlert(orgId: string, key: string, event: DomainEvent, now: number) {
    return this.tx(async (c) => {
      const r = await c.query('INSERT INTO alerts_sent VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        orgId,
        key,
        now,
      ]);
      const fresh = (r.rowCount ?? 0) > 0;
      if (fresh)
        await c.query('INSERT INTO events (org_id, type, at, data) VALUES ($1, $2, $3, $4)', [
          event.org_id,
          event.type,
          event.at,
          JSON.stringify(event.data),
        ]);
      return fresh;
    });
  }

  async insertJobs(jobs: Job[]) {
    await insertJobs(this.pool, jobs);
  }

  async claimJobs(now: number, limit: number, leaseMs: number) {
    const { rows } = await this.pool.query(
      `UPDATE jobs j SET locked_until = $2, attempts = j.attempts + 1
         FROM (SELECT org_id, id FROM jobs
                WHERE status = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
                ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) c
        WHERE j.org_id = c.org_id AND j.id = c.id
        RETURNING j.*`,
      [now, now + leaseMs, limit],
    );
    return rows.map(jobOf);
  }

  async finishJob(orgId: string, id: string, u: JobUpdate) {
    await this.pool.query(
      `UPDATE jobs SET status = $1, next_attempt_at = $2, locked_until = NULL, last_status = $3, last_error = $4, finished_at = $5
        WHERE org_id = $6 AND id = $7 AND status = 'pending'`,
      [u.status, u.next_attempt_at, u.last_status, u.last_error, u.finished_at, orgId, id],
    );
  }

  async listJobs(orgId: string, f: JobFilter): Promise<Page<Job>> {
    const args: unknown[] = [orgId, f.kind];
    const where = ['org_id = $1', 'kind = $2'];
    if (f.endpoint_id !== undefined) {
      args.push(f.endpoint_id);
      where.push(`endpoint_id = $${args.length}`);
    }
    if (f.starting_after !== undefined) {
      // The cursor must be an item of this very list: same kind, and same endpoint when
      // the list is an endpoint's deliveries.
      const c = await this.pool.query(
        `SELECT created_at FROM jobs WHERE ${where.join(' AND ')} AND id = $${args.length + 1}`,
        [...args, f.starting_after],
      );
      if (c.rows.length === 0) throw unknownCursor(f.starting_after, jobItem(f));
      args.push(c.rows[0].created_at, f.starting_after);
      where.push(`(created_at, id) < ($${args.length - 1}, $${args.length})`);
    }
    args.push(f.limit + 1);
    const { rows } = await this.pool.query(
      `SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${args.length}`,
      args,
    );
    return page(rows.map(jobOf), f.limit);
  }

  async listNotifications(orgId: string, limit: number, startingAfter?: string) {
    const args: unknown[] = [orgId];
    let cursor = '';
    if (startingAfter !== undefined) {
      const c = await this.pool.query('SELECT created_at FROM notifications WHERE org_id = $1 AND id = $2', [
        orgId,
        startingAfter,
      ]);
      if (c.rows.length === 0) throw unknownCursor(startingAfter, 'a notification of this org');
      args.push(c.rows[0].created_at, startingAfter);
      cursor = ' AND (created_at, id) < ($2, $3)';
    }
    args.push(limit + 1);
    const { rows } = await this.pool.query(
      `SELECT * FROM notifications WHERE org_id = $1${cursor} ORDER BY created_at DESC, id DESC LIMIT $${args.length}`,
      args,
    );
    return page(rows.map(notificationOf), limit);
  }
  async markNotificationRead(orgId: string, id: string, now: number) {
    const r = await this.pool.query('SELECT 1 FROM notifications WHERE org_id = $1 AND id = $2', [orgId, id]);
    if (r.rows.length === 0) return false;
    await this.pool.query(
      'UPDATE notifications SET read_at = $1 WHERE org_id = $2 AND id = $3 AND read_at IS NULL',
      [now, orgId, id],
    );
    return true;
  }

  async countUnreadNotifications(orgId: string, max: number) {
    const { rows } = await this.pool.query(
      'SELECT COUNT(*)::int AS n FROM (SELECT 1 FROM notifications WHERE org_id = $1 AND read_at IS NULL LIMIT $2) u',
      [orgId, max],
    );
    return Number(rows[0].n);
  }
  async markAllNotificationsRead(orgId: string, now: number) {
    const r = await this.pool.query(
      'UPDATE notifications SET read_at = $1 WHERE org_id = $2 AND read_at IS NULL',
      [now, orgId],
    );
    return r.rowCount ?? 0;
  }

  async getBillingAccount(orgId: string) {
    const { rows } = await this.pool.query('SELECT * FROM billing_accounts WHERE org_id = $1', [orgId]);
    return (rows[0] as BillingAccount) ?? null;
  }
  async findBillingAccountByCustomer(provider: string, customerId: string) {
    const { rows } = await this.pool.query(
      'SELECT * FROM billing_accounts WHERE provider = $1 AND customer_id = $2',
      [provider, customerId],
    );
    return (rows[0] as BillingAccount) ?? null;
  }
  async upsertBillingAccount(a: BillingAccount) {
    await this.pool.query(
      `INSERT INTO billing_accounts VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (org_id) DO UPDATE SET provider = excluded.provider,
         customer_id = coalesce(excluded.customer_id, billing_accounts.customer_id),
         subscription_id = coalesce(excluded.subscription_id, billing_accounts.subscription_id),
         updated_at = excluded.updated_at`,
      [a.org_id, a.provider, a.customer_id, a.subscription_id, a.updated_at],
    );
  }

  async recordPayment(p: Payment) {
    const values = paymentValues(p);
    const r = await this.pool.query(
      `INSERT INTO payments (${PAYMENT_COLUMNS}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT DO NOTHING`,
      values,
    );
    return (r.rowCount ?? 0) > 0;
  }
  async findPayment(paymentId: string) {
    const { rows } = await this.pool.query('SELECT * FROM payments WHERE payment_id = $1', [paymentId]);
    return rows[0] ? paymentOf(rows[0]) : null;
  }
  async getPayment(orgId: string, paymentId: string) {
    const { rows } = await this.pool.query('SELECT * FROM payments WHERE org_id = $1 AND payment_id = $2', [
      orgId,
      paymentId,
    ]);
    return rows[0] ? paymentOf(rows[0]) : null;
  }
  async listPayments(orgId: string, limit: number, startingAfter?: string) {
    const args: unknown[] = [orgId];
    let cursor = '';
    if (startingAfter !== undefined) {
      const c = await this.pool.query('SELECT paid_at FROM payments WHERE org_id = $1 AND payment_id = $2', [
        orgId,
        startingAfter,
      ]);
      if (c.rows.length === 0) throw unknownCursor(startingAfter, 'a payment of this org');
      args.push(c.rows[0].paid_at, startingAfter);
      cursor = ' AND (paid_at, payment_id) < ($2, $3)';
    }
    args.push(limit + 1);
    const { rows } = await this.pool.query(
      `SELECT * FROM payments WHERE org_id = $1${cursor} ORDER BY paid_at DESC, payment_id DESC LIMIT $${args.length}`,
      args,
    );
    return paymentPage(rows, limit);
  }
  async setPaymentReceipt(
    orgId: string,
    paymentId: string,
    receiptUrl: string | null,
    method: string | null,
  ) {
    await this.pool.query(
      `UPDATE payments SET receipt_url = coalesce(receipt_url, $1), payment_method = coalesce(payment_method, $2)
        WHERE org_id = $3 AND payment_id = $4`,
      [receiptUrl, method, orgId, paymentId],
    );
  }
  async markPaymentCredited(orgId: string, paymentId: string, now: number) {
    await this.pool.query(
      'UPDATE payments SET credited_at = $1 WHERE org_id = $2 AND payment_id = $3 AND credited_at IS NULL',
      [now, orgId, paymentId],
    );
  }
  async markPaymentRefunded(orgId: string, paymentId: string, now: number) {
    await this.pool.query(
      'UPDATE payments SET refunded_at = $1 WHERE org_id = $2 AND payment_id = $3 AND refunded_at IS NULL',
      [now, orgId, paymentId],
    );
  }
  async uncreditedPayments(limit: number) {
    const { rows } = await this.pool.query(
      'SELECT * FROM payments WHERE credited_at IS NULL ORDER BY paid_at, payment_id LIMIT $1',
      [limit],
    );
    return rows.map(paymentOf);
  }
}
