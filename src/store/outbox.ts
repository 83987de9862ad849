/**
 * What leaves the ledger: webhook endpoints and their deliveries, emails, in-app
 * notifications, background jobs (auto top-up payments), alerts already sent, and the
 * payment provider's records (payments seen, customers). Kept beside the ledger in the
 * same database, but outside the org state: none of it decides a credit rule.
 *
 * Exactly once across instances: outbox events are claimed with `FOR UPDATE SKIP LOCKED`
 * (PostgreSQL) or under SQLite's write lock, fanned out and marked dispatched in one
 * transaction; jobs are claimed the same way with a lease (`locked_until`), so two
 * instances never run one job at the same time, and a job whose instance died runs again
 * once its lease has passed.
 */
import type { DomainEvent } from '../core/index.ts';
import type { Page, StoreEvent } from './records.ts';

export interface WebhookEndpoint {
  org_id: string;
  id: string;
  url: string;
  /** Event types, or `['*']` for all. */
  events: string[];
  /** `whsec_…`: shown once at creation; kept because every delivery is signed with it. */
  secret: string;
  description: string | null;
  created_at: number;
  disabled_at: number | null;
  disabled_reason: string | null;
  /** The outbox's last event when the endpoint was created: it hears only of later ones. */
  after_seq?: number;
}

export type JobKind = 'webhook' | 'email' | 'auto_topup';
/** `stored`: an email kept in the outbox because no SMTP server is configured. */
export type JobStatus = 'pending' | 'succeeded' | 'failed' | 'stored' | 'cancelled';

export interface Job {
  org_id: string;
  id: string;
  kind: JobKind;
  endpoint_id: string | null;
  /** The outbox event this job announces (`evt_<seq>`), if any. */
  event_id: string | null;
  event_type: string | null;
  payload: Record<string, unknown>;
  status: JobStatus;
  attempts: number;
  next_attempt_at: number | null;
  locked_until: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface JobUpdate {
  status: JobStatus;
  next_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  finished_at: number | null;
}

export interface Notification {
  org_id: string;
  id: string;
  type: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  created_at: number;
  read_at: number | null;
}

export interface BillingAccount {
  org_id: string;
  provider: string;
  customer_id: string | null;
  subscription_id: string | null;
  updated_at: number;
}

/** What a payment was for: money in for a pack or a plan period, or money back. */
export type PaymentKind = 'pack_purchase' | 'plan_charge' | 'refund';

/**
 * Money the provider moved for an org: one line of its billing history (docs/payments.md,
 * "Receipts"). Amounts are positive; `kind: 'refund'` is money back to the buyer. The fields
 * after `refunded_at` came with receipts; a record from before has the kind `pack_purchase`
 * and nulls there.
 */
export interface Payment {
  org_id: string;
  payment_id: string;
  provider: string;
  purchase_id: string | null;
  amount: number;
  currency: string;
  paid_at: number;
  credited_at: number | null;
  refunded_at: number | null;
  kind?: PaymentKind;
  /** Credits the payment bought (a pack, a period's allocation) or a refund revoked. */
  credits?: number | null;
  description?: string | null;
  /** The provider's own receipt (Stripe's hosted receipt or invoice page), when it has one. */
  receipt_url?: string | null;
  /** How it was paid, as the provider described it ("visa •••• 4242"), when known. */
  payment_method?: string | null;
  /** The payment a refund gave back. */
  refund_of?: string | null;
}

/** How many payments one page of a billing history holds at most (the API's list limit). */
export const PAYMENTS_PAGE_MAX = 100;

/** What the dispatcher sees of a claimed batch of events. */
export interface DispatchInput {
  events: StoreEvent[];
  /** Enabled endpoints of the orgs those events belong to. */
  endpoints: WebhookEndpoint[];
  /** Owners' and admins' email addresses per org. */
  recipients: Map<string, string[]>;
}

export interface DispatchPlan {
  jobs: Job[];
  notifications: Notification[];
  /** Billing-history lines the events stand for (a development plan's renewal charge); recorded once by id. */
  payments?: Payment[];
}

export interface JobFilter {
  kind: JobKind;
  endpoint_id?: string;
  limit: number;
  starting_after?: string;
}

export interface OutboxStore {
  createWebhookEndpoint(e: WebhookEndpoint): Promise<void>;
  listWebhookEndpoints(orgId: string): Promise<WebhookEndpoint[]>;
  getWebhookEndpoint(orgId: string, id: string): Promise<WebhookEndpoint | null>;
  /** Removes the endpoint and cancels its pending deliveries. */
  deleteWebhookEndpoint(orgId: string, id: string, now: number): Promise<boolean>;
  /** Stops deliveries to the endpoint (a 410 Gone), cancelling the pending ones. */
  disableWebhookEndpoint(orgId: string, id: string, now: number, reason: string): Promise<void>;

  /**
   * Claims up to `limit` events not yet dispatched, asks `plan` (pure, synchronous) what
   * to make of them, stores that and marks the events dispatched: one transaction.
   * Returns how many events were dispatched (0: nothing left).
   */
  dispatchEvents(limit: number, plan: (input: DispatchInput) => DispatchPlan): Promise<number>;
  /** Appends `event` to the outbox unless an alert with this key was already recorded. */
  recordAlert(orgId: string, key: string, event: DomainEvent, now: number): Promise<boolean>;
  /** Inserts jobs directly (not from an event). */
  insertJobs(jobs: Job[]): Promise<void>;
  /** Leases up to `limit` pending jobs due at `now` for `leaseMs`; each counts one attempt. */
  claimJobs(now: number, limit: number, leaseMs: number): Promise<Job[]>;
  finishJob(orgId: string, id: string, update: JobUpdate): Promise<void>;
  listJobs(orgId: string, filter: JobFilter): Promise<Page<Job>>;

  listNotifications(orgId: string, limit: number, startingAfter?: string): Promise<Page<Notification>>;
  markNotificationRead(orgId: string, id: string, now: number): Promise<boolean>;
  /** Unread notifications of the org, counted up to `max` (a badge says "99+" beyond). */
  countUnreadNotifications(orgId: string, max: number): Promise<number>;
  /** Marks every unread notification of the org read; returns how many it marked. */
  markAllNotificationsRead(orgId: string, now: number): Promise<number>;

  getBillingAccount(orgId: string): Promise<BillingAccount | null>;
  findBillingAccountByCustomer(provider: string, customerId: string): Promise<BillingAccount | null>;
  upsertBillingAccount(a: BillingAccount): Promise<void>;

  /** Records a payment the provider confirmed; false when it was already recorded. */
  recordPayment(p: Payment): Promise<boolean>;
  findPayment(paymentId: string): Promise<Payment | null>;
  markPaymentCredited(orgId: string, paymentId: string, now: number): Promise<void>;
  markPaymentRefunded(orgId: string, paymentId: string, now: number): Promise<void>;
  /** The org's payments, newest first (paid_at, then id); `startingAfter` names one of them. */
  listPayments(orgId: string, limit: number, startingAfter?: string): Promise<Page<Payment>>;
  /** One payment of the org, or null (another org's payment is null too). */
  getPayment(orgId: string, paymentId: string): Promise<Payment | null>;
  /** Records the provider's receipt link and payment method once learned (first answer wins). */
  setPaymentReceipt(
    orgId: string,
    paymentId: string,
    receiptUrl: string | null,
    paymentMethod: string | null,
  ): Promise<void>;
  /** Payments recorded as paid whose credit has not been confirmed yet, oldest first. */
  uncreditedPayments(limit: number): Promise<Payment[]>;
}

export const eventId = (seq: number) => `evt_${seq}`;

/** The outbox of a store's database: part of the store (`store.outbox`). */
export function outboxOf(store: { readonly outbox: OutboxStore }): Promise<OutboxStore> {
  return Promise.resolve(store.outbox);
}
