/** Outbox rows as both dialects return them (JSON held as text), turned into values. */
import type { Job, JobFilter, Notification, WebhookEndpoint } from './outbox.ts';
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
