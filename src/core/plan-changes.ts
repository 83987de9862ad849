/**
 * Plan changes. An upgrade (Free → paid included) takes effect now: the current period ends
 * here and a renewal runs under the new tier, which becomes the new anchor. A downgrade
 * waits for the period end; a cancel returns the org to Free then, so its subscription and
 * rollover credits expire (cap 0) while free and purchased credits stay.
 */
import { type TierId, tierRank } from './catalog.ts';
import type { Ctx } from './context.ts';
import { DomainError, invalid } from './errors.ts';
import { renew } from './renewal.ts';

export interface ContractTerms {
  allocation?: number | undefined;
  rollover_cap?: number | undefined;
  overage_limit?: number | undefined;
}

export function changeTier(ctx: Ctx, target: TierId, terms: ContractTerms = {}) {
  const sub = ctx.state.subscription;
  if (tierRank(ctx.catalog, target) < 0) throw invalid(`unknown tier ${target}`, { field: 'tier' });
  const custom =
    terms.allocation !== undefined || terms.rollover_cap !== undefined || terms.overage_limit !== undefined;
  if (custom && target !== 'enterprise')
    throw invalid(
      'allocation, rollover_cap and overage_limit are set per contract on the enterprise tier only',
    );

  const applyTerms = () => {
    if (terms.allocation !== undefined) sub.custom_allocation = terms.allocation;
    if (terms.rollover_cap !== undefined) sub.custom_rollover_cap = terms.rollover_cap;
    if (terms.overage_limit !== undefined) sub.overage_limit = terms.overage_limit;
  };

  if (target === sub.tier) {
    // Same tier: resumes a scheduled downgrade or cancel; new contract terms apply from the next renewal.
    applyTerms();
    sub.pending_tier = null;
    sub.cancel_at_period_end = false;
    return;
  }
  if (tierRank(ctx.catalog, target) > tierRank(ctx.catalog, sub.tier)) {
    if (target === 'enterprise') applyTerms();
    renew(ctx, ctx.now, target, true);
    return;
  }
  if (target === 'free') return cancel(ctx);
  sub.pending_tier = target;
  sub.cancel_at_period_end = false;
}

export function cancel(ctx: Ctx) {
  const sub = ctx.state.subscription;
  if (sub.period_end === null) throw new DomainError('conflict', 'there is no paid subscription to cancel');
  sub.pending_tier = 'free';
  sub.cancel_at_period_end = true;
}
