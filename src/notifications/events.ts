/**
 * The events an org can subscribe to, and what each one says to a person (in-app
 * notification and email). The core and the scheduler write them into the outbox; this
 * file only names and words them.
 */
export const PUBLIC_EVENT_TYPES = [
  'credits.low_balance',
  'credits.granted',
  'credits.expired',
  'credits.forfeit_soon',
  'budget.threshold',
  'purchase.completed',
  'purchase.refunded',
  'purchase.failed',
  'subscription.renewed',
  'subscription.changed',
  'subscription.past_due',
  'subscription.paid',
  'auto_topup.succeeded',
  'auto_topup.failed',
] as const;
export type PublicEventType = (typeof PUBLIC_EVENT_TYPES)[number];

export const isPublicEvent = (t: string): t is PublicEventType =>
  (PUBLIC_EVENT_TYPES as readonly string[]).includes(t);

export interface Message {
  title: string;
  body: string;
  /** Also sent by email to the org's owners and admins. */
  email: boolean;
}

type Data = Record<string, unknown>;
const n = (v: unknown) => (typeof v === 'number' ? v : 0);
const day = (v: unknown) => (typeof v === 'number' ? new Date(v).toISOString().slice(0, 10) : '?');

/** What a person is told about an event; null: nothing (webhooks only, or internal). */
export function messageFor(type: string, d: Data): Message | null {
  switch (type) {
    case 'credits.low_balance':
      return {
        title: 'Your credit balance is low',
        body: `${n(d.available)} credits are available, below your alert level of ${n(d.threshold)}.`,
        email: true,
      };
    case 'credits.forfeit_soon':
      return {
        title: `${n(d.amount)} credits will expire at renewal`,
        body: `On ${day(d.period_end)} your plan renews; ${n(d.amount)} unused credits are over the rollover cap of ${n(d.rollover_cap)} and will expire. Use them before then.`,
        email: true,
      };
    case 'credits.expired':
      return d.reason === 'rollover_cap'
        ? {
            title: `${n(d.amount)} credits expired at renewal`,
            body: `${n(d.amount)} unused credits were over the rollover cap and expired.`,
            email: false,
          }
        : {
            title: `${n(d.amount)} credits expired`,
            body: `${n(d.amount)} ${String(d.source ?? '')} credits reached their expiry date.`,
            email: false,
          };
    case 'budget.threshold':
      return {
        title: `A budget reached ${n(d.threshold)}%`,
        body: `The ${String(d.scope ?? '')} budget ${String(d.budget_id ?? '')} has used ${n(d.spent)} of ${n(d.limit)} credits this period.`,
        email: true,
      };
    case 'purchase.completed':
      return {
        title: `${n(d.credits)} credits purchased`,
        body: `Your ${String(d.pack)} purchase is complete: ${n(d.credits)} credits were added.`,
        email: true,
      };
    case 'purchase.refunded':
      return {
        title: 'A purchase was refunded',
        body: `Purchase ${String(d.purchase_id)} was refunded; ${n(d.revoked)} unspent credits were removed.`,
        email: true,
      };
    case 'purchase.failed':
      return {
        title: 'A payment failed',
        body: `The payment for ${String(d.pack)} did not go through (${String(d.reason)}); no credits were added.`,
        email: false,
      };
    case 'subscription.renewed':
      return {
        title: 'Your plan renewed',
        body: `${n(d.allocation)} new credits arrived; ${n(d.carried)} rolled over${n(d.forfeited) > 0 ? ` and ${n(d.forfeited)} expired over the cap` : ''}.`,
        email: true,
      };
    case 'subscription.changed':
      return {
        title: `Your plan is now ${String(d.tier)}`,
        body: `The plan changed from ${String(d.from)} to ${String(d.tier)}.`,
        email: true,
      };
    case 'subscription.past_due':
      return {
        title: 'Your subscription payment failed',
        body: 'The last invoice is unpaid. Renewals add no new credits until it is paid.',
        email: true,
      };
    case 'subscription.paid':
      return {
        title: 'Your subscription is paid',
        body:
          n(d.allocation_granted) > 0 ? `${n(d.allocation_granted)} withheld credits arrived.` : 'Thank you.',
        email: false,
      };
    case 'auto_topup.succeeded':
      return {
        title: `Auto top-up added ${n(d.credits)} credits`,
        body: `Your balance dropped below your threshold, so ${String(d.pack)} was bought automatically.`,
        email: true,
      };
    case 'auto_topup.failed':
      return {
        title: 'Auto top-up failed',
        body:
          d.reason === 'monthly_maximum_reached'
            ? `Your balance dropped below your threshold, but the monthly maximum of ${n(d.monthly_max)} top-ups is reached.`
            : `Buying ${String(d.pack)} failed (${String(d.reason)}); no credits were added.`,
        email: true,
      };
    default:
      return null;
  }
}
