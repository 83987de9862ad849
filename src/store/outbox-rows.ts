/** Outbox rows as both dialects return them (JSON held as text), turned into values. */
import type { Job, JobFilter, Notification, Payment, PaymentKind, WebhookEndpoint } from './outbox.ts';
import type { Page } from './types.ts';

export type Row = Record<string, unknown>;

export const endpointOf = (r: Row): WebhookEndpoint => ({
  ...(r as unknown as WebhookEndpoint),
  events: JSON.parse(r.events as string),
});

export const jobOf = (r: Row): Job => ({
  ...(r as unknown as Job),
  payload: JSON.parse(r.payload as string),
});

export const notificationOf = (r: Row): Notification => ({
  ...(r as unknown as Notification),
  data: JSON.parse(r.data as string),
});

/** What a list of jobs holds, in the words of its refusal of an unknown cursor. */
export function jobItem(f: JobFilter): string {
  if (f.kind === 'webhook')
    return f.endpoint_id !== undefined ? 'a delivery to this endpoint' : 'a webhook delivery of this org';
  if (f.kind === 'email') return 'an email of this org';
  return 'an automatic top-up of this org';
}

/** One page from `limit + 1` rows read in list order. */
export function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const data = rows.slice(0, limit);
  const has_more = rows.length > limit;
  return { data, has_more, next_cursor: has_more ? data[data.length - 1]!.id : null };
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** A payments row (PostgreSQL returns bigint as text). */
export const paymentOf = (r: Row): Payment => ({
  org_id: r.org_id as string,
  payment_id: r.payment_id as string,
  provider: r.provider as string,
  purchase_id: (r.purchase_id as string | null) ?? null,
  amount: Number(r.amount),
  currency: r.currency as string,
  paid_at: Number(r.paid_at),
  credited_at: num(r.credited_at),
  refunded_at: num(r.refunded_at),
  kind: ((r.kind as PaymentKind | null) ?? 'pack_purchase') as PaymentKind,
  credits: num(r.credits),
  description: (r.description as string | null) ?? null,
  receipt_url: (r.receipt_url as string | null) ?? null,
  payment_method: (r.payment_method as string | null) ?? null,
  refund_of: (r.refund_of as string | null) ?? null,
});

export const PAYMENT_COLUMNS = `org_id, payment_id, provider, purchase_id, amount, currency, paid_at, credited_at,
  refunded_at, kind, credits, description, receipt_url, payment_method, refund_of`;

export const paymentValues = (p: Payment) => [
  p.org_id,
  p.payment_id,
  p.provider,
  p.purchase_id,
  p.amount,
  p.currency,
  p.paid_at,
  p.credited_at,
  p.refunded_at,
  p.kind ?? 'pack_purchase',
  p.credits ?? null,
  p.description ?? null,
  p.receipt_url ?? null,
  p.payment_method ?? null,
  p.refund_of ?? null,
];

/** One page of payments from `limit + 1` rows read newest first. */
export function paymentPage(rows: Row[], limit: number): Page<Payment> {
  const data = rows.slice(0, limit).map(paymentOf);
  const has_more = rows.length > limit;
  return { data, has_more, next_cursor: has_more ? data[data.length - 1]!.payment_id : null };
}
