/**
 * The outbox as the app sees it (OutboxStore): each call runs its procedure (outbox-repo.ts)
 * where the store's writes run.
 */
import type { DomainEvent } from '../core/index.ts';
import type { Engine } from './engine.ts';
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
import { jobRow } from './outbox-repo.ts';
import { endpointOf, jobItem, notificationOf, page, paymentOf, paymentPage } from './outbox-rows.ts';
import { all, get, num, type Proc, value } from './sql.ts';
import { type Page, type StoreEvent, unknownCursor } from './types.ts';

export class OutboxRepo implements OutboxStore {
  constructor(private readonly engine: Engine) {}

  createWebhookEndpoint(e: WebhookEndpoint) {
    return this.engine.write('createWebhookEndpoint', e);
  }
  async listWebhookEndpoints(orgId: string) {
    const rows = await this.engine.readDirect(
      all('SELECT * FROM webhook_endpoints WHERE org_id = ? ORDER BY created_at, id', orgId),
    );
    return rows.map(endpointOf);
  }
  async getWebhookEndpoint(orgId: string, id: string) {
    const r = await this.engine.readDirect(
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
    // Events are written by the ledger's projection: this read waits for it.
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
    return this.engine.readDirect(listJobs(orgId, f));
  }
  listNotifications(orgId: string, limit: number, startingAfter?: string) {
    return this.engine.readDirect(listNotifications(orgId, limit, startingAfter));
  }
  markNotificationRead(orgId: string, id: string, now: number) {
    return this.engine.write('markNotificationRead', orgId, id, now);
  }
  async countUnreadNotifications(orgId: string, max: number) {
    return num(
      await this.engine.readDirect(
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
      ((await this.engine.readDirect(get('SELECT * FROM billing_accounts WHERE org_id = ?', orgId))) as
        | BillingAccount
        | undefined) ?? null
    );
  }
  async findBillingAccountByCustomer(provider: string, customerId: string) {
    return (
      ((await this.engine.readDirect(
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
    const r = await this.engine.readDirect(get('SELECT * FROM payments WHERE payment_id = ?', paymentId));
    return r ? paymentOf(r) : null;
  }
  markPaymentCredited(orgId: string, paymentId: string, now: number) {
    return this.engine.write('markPaymentCredited', orgId, paymentId, now);
  }
  markPaymentRefunded(orgId: string, paymentId: string, now: number) {
    return this.engine.write('markPaymentRefunded', orgId, paymentId, now);
  }
  async getPayment(orgId: string, paymentId: string) {
    const r = await this.engine.readDirect(
      get('SELECT * FROM payments WHERE org_id = ? AND payment_id = ?', orgId, paymentId),
    );
    return r ? paymentOf(r) : null;
  }
  listPayments(orgId: string, limit: number, startingAfter?: string) {
    return this.engine.readDirect(listPayments(orgId, limit, startingAfter));
  }
  setPaymentReceipt(orgId: string, paymentId: string, receiptUrl: string | null, method: string | null) {
    return this.engine.write('setPaymentReceipt', orgId, paymentId, receiptUrl, method);
  }
  async uncreditedPayments(limit: number) {
    const rows = await this.engine.readDirect(
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
