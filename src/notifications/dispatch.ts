/**
 * The fan-out of one claimed batch of outbox events, decided without I/O: a webhook
 * delivery per subscribed endpoint, an in-app notification and an email for the events a
 * person should hear about, and an auto top-up payment job for each top-up the core
 * requested. The store writes the plan in the same transaction that marks the events
 * dispatched, so each event fans out exactly once.
 */
import { randomBytes } from 'node:crypto';
import type { DispatchInput, DispatchPlan, Job, Payment } from '../store/outbox.ts';
import { eventId } from '../store/outbox.ts';
import type { StoreEvent } from '../store/types.ts';
import { isPublicEvent, messageFor } from './events.ts';

export const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

export interface DispatchOptions {
  now: number;
  /** False: emails are kept in the outbox (status `stored`) instead of being sent. */
  smtp: boolean;
  /** The billing-history line a renewal event stands for, if any (the development provider's plan charge). */
  planCharge?: ((e: StoreEvent) => Payment | null) | undefined;
}

/** The body of a webhook: Standard Webhooks' `{type, timestamp, data}`. */
export function webhookPayload(e: StoreEvent) {
  return {
    type: e.type,
    timestamp: new Date(e.at).toISOString(),
    data: { event_id: eventId(e.seq), org_id: e.org_id, ...e.data },
  };
}

/** Ids follow the event's sequence, so lists sort in event order and a fan-out cannot repeat. */
const seqPart = (e: StoreEvent) => e.seq.toString(36).padStart(10, '0');

function job(e: StoreEvent, now: number, fields: Partial<Job> & Pick<Job, 'kind' | 'payload'>): Job {
  const prefix = fields.kind === 'webhook' ? 'msg' : fields.kind === 'email' ? 'eml' : 'job';
  return {
    org_id: e.org_id,
    id: `${prefix}_${seqPart(e)}${fields.endpoint_id ? `_${fields.endpoint_id.replace(/^we_/, '').slice(0, 12)}` : ''}`,
    endpoint_id: null,
    event_id: eventId(e.seq),
    event_type: e.type,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    locked_until: null,
    last_status: null,
    last_error: null,
    created_at: now,
    finished_at: null,
    ...fields,
  };
}

export function planDispatch(input: DispatchInput, o: DispatchOptions): DispatchPlan {
  const plan: DispatchPlan = { jobs: [], notifications: [], payments: [] };
  for (const e of input.events) {
    const charge = o.planCharge?.(e);
    if (charge) plan.payments!.push(charge);
    if (e.type === 'auto_topup.requested') {
      plan.jobs.push(job(e, o.now, { kind: 'auto_topup', payload: { purchase_id: e.data.purchase_id } }));
      continue;
    }
    if (!isPublicEvent(e.type)) continue;
    for (const ep of input.endpoints) {
      if (ep.org_id !== e.org_id || e.seq <= (ep.after_seq ?? 0)) continue;
      if (!ep.events.includes('*') && !ep.events.includes(e.type)) continue;
      plan.jobs.push(job(e, o.now, { kind: 'webhook', endpoint_id: ep.id, payload: webhookPayload(e) }));
    }
    const m = messageFor(e.type, e.data);
    if (!m) continue;
    plan.notifications.push({
      org_id: e.org_id,
      id: `ntf_${seqPart(e)}`,
      type: e.type,
      title: m.title,
      body: m.body,
      data: { event_id: eventId(e.seq), ...e.data },
      created_at: e.at,
      read_at: null,
    });
    const to = input.recipients.get(e.org_id) ?? [];
    if (m.email && to.length > 0)
      plan.jobs.push(
        job(e, o.now, {
          kind: 'email',
          payload: { to, subject: `[Amisi Credits] ${m.title}`, text: `${m.body}\n\n— Amisi Credits` },
          ...(o.smtp ? {} : { status: 'stored', next_attempt_at: null, finished_at: o.now }),
        }),
      );
  }
  return plan;
}
