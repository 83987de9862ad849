/**
 * Renewal closes a billing period in one atomic step: the unused subscription and rollover
 * credits (held ones are not unused) carry over up to the cap of the tier in force for the
 * new period, in one new rollover grant; the rest expires; the allocation arrives as a new
 * subscription grant. Both new grants expire at the new period's end, so rolled-over
 * credits can roll again, and what an org holds after renewal never exceeds allocation + cap.
 */
import { type Catalog, type TierId, tierOf } from './catalog.ts';
import { type Ctx, emit } from './context.ts';
import { drawOrder } from './draw-order.ts';
import { issueGrant } from './grants.ts';
import { type Posting, record, type TxnSource } from './journal.ts';
import { periodBounds } from './periods.ts';
import type { Subscription } from './state.ts';

export interface Terms {
  allocation: number;
  rollover_cap: number;
  recurring: boolean;
}

/** What a tier gives this org: the catalog's numbers, or the Enterprise contract's. */
export function termsOf(catalog: Catalog, sub: Subscription, tier: TierId): Terms {
  const t = tierOf(catalog, tier);
  if (!t.recurring) return { allocation: 0, rollover_cap: 0, recurring: false };
  if (tier === 'enterprise')
    return {
      allocation: sub.custom_allocation ?? t.allocation,
      rollover_cap: sub.custom_rollover_cap ?? t.rollover_cap,
      recurring: true,
    };
  return { allocation: t.allocation, rollover_cap: t.rollover_cap, recurring: true };
}

/** Subscription and rollover credits that the next renewal would expire over the cap. */
export function forfeitAtRenewal(ctx: Pick<Ctx, 'state' | 'catalog'>): number {
  const sub = ctx.state.subscription;
  if (sub.period_end === null) return 0;
  let unused = 0;
  for (const g of ctx.state.grants)
    if ((g.source === 'subscription' || g.source === 'rollover') && g.closed_at === null)
      unused += g.remaining;
  const next = sub.cancel_at_period_end ? 'free' : (sub.pending_tier ?? sub.tier);
  return Math.max(0, unused - termsOf(ctx.catalog, sub, next).rollover_cap);
}

/**
 * Ends the current period at `at` and starts the next one under `next`. `restart` makes
 * `at` the new anchor (an upgrade, or the first paid period); otherwise the next period
 * index of the same anchor follows.
 */
export function renew(ctx: Ctx, at: number, next: TierId, restart: boolean) {
  const state = ctx.state;
  const sub = state.subscription;
  const terms = termsOf(ctx.catalog, sub, next);

  // Credits carried are taken in draw order (rollover first): the forfeited ones are the rest.
  const closing = state.grants
    .filter((g) => (g.source === 'subscription' || g.source === 'rollover') && g.closed_at === null)
    .sort(drawOrder);
  let unused = 0;
  for (const g of closing) unused += g.remaining;
  const carried = Math.min(unused, terms.rollover_cap);
  const forfeited = unused - carried;
  const carryPostings: Posting[] = [];
  const carrySources: TxnSource[] = [];
  const lostPostings: Posting[] = [];
  const lostSources: TxnSource[] = [];
  let toCarry = carried;
  for (const g of closing) {
    const c = Math.min(toCarry, g.remaining);
    const f = g.remaining - c;
    toCarry -= c;
    if (c > 0) {
      carryPostings.push({ account: `grant:${g.id}`, amount: -c });
      carrySources.push({ grant_id: g.id, source: g.source, amount: c });
    }
    if (f > 0) {
      lostPostings.push({ account: `grant:${g.id}`, amount: -f });
      lostSources.push({ grant_id: g.id, source: g.source, amount: f });
    }
    g.remaining -= f; // the carried part leaves with the rollover grant below
  }
  const close = () => {
    for (const g of closing) {
      g.remaining = 0;
      g.closed_at = at;
      g.closed_reason = 'expired';
      if (g.expires_at === null || g.expires_at > at) g.expires_at = at;
    }
  };
  const previousTier = sub.tier;

  if (terms.recurring) {
    if (restart || sub.anchor === null) {
      sub.anchor = at;
      sub.period_index = 0;
    } else {
      sub.period_index += 1;
    }
    const p = periodBounds(sub.anchor, sub.period_index);
    sub.period_start = p.start;
    sub.period_end = p.end;
    sub.status = 'active';
  } else {
    sub.anchor = null;
    sub.period_index = 0;
    sub.period_start = null;
    sub.period_end = null;
    sub.status = 'none';
    sub.overage_limit = 0;
    sub.custom_allocation = null;
    sub.custom_rollover_cap = null;
  }
  sub.tier = next;
  // Contract terms, the credit line included, belong to Enterprise: leaving it ends them.
  if (next !== 'enterprise') {
    sub.overage_limit = 0;
    sub.custom_allocation = null;
    sub.custom_rollover_cap = null;
  }
  sub.pending_tier = null;
  sub.cancel_at_period_end = false;

  if (forfeited > 0) {
    lostPostings.push({ account: 'expired', amount: forfeited });
    ctx.txns.push(
      record(
        state,
        {
          type: 'expiry',
          postings: lostPostings,
          sources: lostSources,
          description: `period ended: ${forfeited} unused credits over the rollover cap of ${terms.rollover_cap} expired`,
        },
        at,
      ),
    );
    emit(ctx, 'credits.expired', { amount: forfeited, reason: 'rollover_cap' }, at);
  }
  close();
  // The carried credits move from the old grants into one new rollover grant: the balance
  // does not change, so the log line's amount is 0 and its sources say what was carried.
  if (carried > 0)
    issueGrant(
      ctx,
      {
        source: 'rollover',
        amount: carried,
        expires_at: sub.period_end,
        type: 'rollover',
        description: `${carried} unused credits rolled over into this period`,
        at,
        sources: carrySources,
      },
      carryPostings,
    );
  // A past-due org gets no new allocation until it pays (see past-due.ts); free returns end it.
  if (!terms.recurring && sub.past_due) sub.past_due = false;
  const withhold = terms.recurring && terms.allocation > 0 && sub.past_due === true;
  if (sub.past_due !== undefined || withhold) sub.allocation_withheld = withhold;
  if (terms.recurring && terms.allocation > 0 && !withhold)
    issueGrant(ctx, {
      source: 'subscription',
      amount: terms.allocation,
      expires_at: sub.period_end,
      type: 'allocation',
      description: `${tierOf(ctx.catalog, next).name} allocation of ${terms.allocation} credits`,
      at,
    });
  emit(
    ctx,
    previousTier === next ? 'subscription.renewed' : 'subscription.changed',
    {
      from: previousTier,
      tier: next,
      carried,
      forfeited,
      allocation: withhold ? 0 : terms.allocation,
      period_end: sub.period_end,
      ...(withhold ? { allocation_withheld: terms.allocation } : {}),
    },
    at,
  );
}
