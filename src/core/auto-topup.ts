/**
 * Auto top-up: when `available` drops below the org's threshold, buy its chosen pack, at
 * most `monthly_max` times per billing period (calendar month without one). One crossing
 * fires once: the trigger disarms, and arms again only when `available` is back at or above
 * the threshold, so a failed payment or a pack too small to lift the balance never loops.
 *
 * The core only decides: it creates the pending purchase and emits `auto_topup.requested`
 * in the same step as the charge that crossed the line. The app pays it through the
 * payment provider and reports back with `purchase_complete` (→ `auto_topup.succeeded`) or
 * `purchase_fail` (→ `auto_topup.failed`). Reaching the monthly maximum is a failed top-up too.
 */
import { budgetPeriodStart } from './budgets.ts';
import { findPack } from './catalog.ts';
import { type Ctx, emit } from './context.ts';
import { DomainError, invalid } from './errors.ts';
import { createPurchase, findPurchase } from './purchases.ts';
import { type AutoTopup, availableOf, type Purchase } from './state.ts';

export const MAX_TOPUPS_PER_PERIOD = 100;
export const MAX_TOPUP_THRESHOLD = 1_000_000_000;

export interface AutoTopupSettings {
  enabled: boolean;
  threshold: number;
  pack: string;
  monthly_max: number;
}

export function setAutoTopup(ctx: Ctx, s: AutoTopupSettings): AutoTopup {
  if (!findPack(ctx.catalog, s.pack))
    throw invalid(`unknown pack ${s.pack}`, { field: 'pack', pack: s.pack });
  if (!Number.isInteger(s.threshold) || s.threshold < 1 || s.threshold > MAX_TOPUP_THRESHOLD)
    throw invalid(`threshold must be an integer from 1 to ${MAX_TOPUP_THRESHOLD}`, { field: 'threshold' });
  if (!Number.isInteger(s.monthly_max) || s.monthly_max < 1 || s.monthly_max > MAX_TOPUPS_PER_PERIOD)
    throw invalid(`monthly_max must be an integer from 1 to ${MAX_TOPUPS_PER_PERIOD}`, {
      field: 'monthly_max',
    });
  const prev = ctx.state.auto_topup;
  const next: AutoTopup = {
    enabled: s.enabled,
    threshold: s.threshold,
    pack: s.pack,
    monthly_max: s.monthly_max,
    // Turning it on (or changing the line) arms it: an org already below tops up now.
    armed: prev?.enabled && prev.threshold === s.threshold ? prev.armed : true,
    period_start: prev?.period_start ?? budgetPeriodStart(ctx.state, ctx.now),
    count: prev?.count ?? 0,
    pending_purchase_id: prev?.pending_purchase_id ?? null,
  };
  ctx.state.auto_topup = next;
  return next;
}

export function checkAutoTopup(ctx: Ctx) {
  const at = ctx.state.auto_topup;
  if (!at?.enabled) return;
  const available = availableOf(ctx.state, ctx.now);
  if (available >= at.threshold) {
    at.armed = true;
    return;
  }
  if (!at.armed) return;
  at.armed = false;
  if (at.pending_purchase_id !== null) return; // a top-up is already on its way for this dip
  const start = budgetPeriodStart(ctx.state, ctx.now);
  if (at.period_start !== start) {
    at.period_start = start;
    at.count = 0;
  }
  if (at.count >= at.monthly_max) {
    emit(ctx, 'auto_topup.failed', {
      purchase_id: null,
      pack: at.pack,
      reason: 'monthly_maximum_reached',
      available,
      threshold: at.threshold,
      monthly_max: at.monthly_max,
    });
    return;
  }
  const p = createPurchase(ctx, at.pack);
  p.auto_topup = true;
  at.count += 1;
  at.pending_purchase_id = p.id;
  emit(ctx, 'auto_topup.requested', {
    purchase_id: p.id,
    pack: p.pack,
    credits: p.credits,
    price: p.price,
    available,
    threshold: at.threshold,
  });
}

/** After a purchase settles: an auto top-up's outcome is announced and its slot freed. */
export function settleAutoTopup(ctx: Ctx, p: Purchase) {
  const at = ctx.state.auto_topup;
  if (!p.auto_topup || !at || at.pending_purchase_id !== p.id) return;
  at.pending_purchase_id = null;
  if (p.status === 'completed')
    emit(ctx, 'auto_topup.succeeded', {
      purchase_id: p.id,
      pack: p.pack,
      credits: p.credits,
      price: p.price,
    });
  else
    emit(ctx, 'auto_topup.failed', {
      purchase_id: p.id,
      pack: p.pack,
      reason: p.failure_reason ?? 'payment_failed',
    });
}

/** The provider could not take the money: the purchase ends as `failed`, granting nothing. */
export function failPurchase(ctx: Ctx, id: string, reason: string): Purchase {
  const p = findPurchase(ctx, id);
  if (p.status === 'failed') return p;
  if (p.status !== 'pending')
    throw new DomainError('conflict', `purchase ${id} is ${p.status}; only a pending purchase can fail`);
  p.status = 'failed';
  p.failure_reason = reason.slice(0, 200);
  emit(ctx, 'purchase.failed', { purchase_id: p.id, pack: p.pack, reason: p.failure_reason });
  return p;
}
