/**
 * The low-balance alert: `credits.low_balance` is emitted once when `available` drops below
 * the org's threshold, and is armed again only once `available` is back at or above it, so
 * an org hovering under the line is told once, not on every charge. The check runs after
 * every command (and after what time alone changed), inside the same step as the change.
 */
import { type Catalog, tierOf } from './catalog.ts';
import { type Ctx, emit } from './context.ts';
import { invalid } from './errors.ts';
import { termsOf } from './renewal.ts';
import { type AlertState, availableOf, type OrgState } from './state.ts';

export const MAX_LOW_BALANCE_THRESHOLD = 1_000_000_000;

/** The default threshold: 20% of the tier's allocation (the free grant on Free), at least 1. */
export function lowBalanceThreshold(state: OrgState, catalog: Catalog): number {
  const set = state.alerts?.low_balance_threshold;
  if (set !== undefined && set !== null) return set;
  const sub = state.subscription;
  const terms = termsOf(catalog, sub, sub.tier);
  const allocation = terms.recurring ? terms.allocation : tierOf(catalog, 'free').allocation;
  return Math.max(1, Math.ceil(allocation / 5));
}

export function alertState(state: OrgState): AlertState {
  state.alerts ??= { low_balance_threshold: null, low_balance_armed: true };
  return state.alerts;
}

export function setAlerts(ctx: Ctx, threshold: number | null): AlertState & { effective_threshold: number } {
  if (
    threshold !== null &&
    (!Number.isInteger(threshold) || threshold < 0 || threshold > MAX_LOW_BALANCE_THRESHOLD)
  )
    throw invalid(`low_balance_threshold must be null or an integer from 0 to ${MAX_LOW_BALANCE_THRESHOLD}`, {
      field: 'low_balance_threshold',
    });
  const a = alertState(ctx.state);
  a.low_balance_threshold = threshold;
  return { ...a, effective_threshold: lowBalanceThreshold(ctx.state, ctx.catalog) };
}

export function checkLowBalance(ctx: Ctx) {
  const threshold = lowBalanceThreshold(ctx.state, ctx.catalog);
  const available = availableOf(ctx.state, ctx.now);
  const armed = ctx.state.alerts?.low_balance_armed ?? true;
  if (available >= threshold) {
    if (!armed) alertState(ctx.state).low_balance_armed = true;
    return;
  }
  if (!armed) return;
  alertState(ctx.state).low_balance_armed = false;
  emit(ctx, 'credits.low_balance', { available, threshold });
}
