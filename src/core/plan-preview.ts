/**
 * What a plan change would do to the balance, before anyone confirms it. The same rules
 * that make the change run on a copy of the org: `change_tier` or `cancel` through
 * `apply`, and for a change that waits for the period end, the renewal that `advance`
 * runs at that moment. Nothing is committed; the numbers come from the renewal event the
 * rules emit, so a preview cannot drift from what the change then does. A scheduled
 * change is previewed as if nothing else were spent, bought or held before it takes effect.
 */
import { type Catalog, type Money, type TierId, tierOf, tierRank } from './catalog.ts';
import { invalid } from './errors.ts';
import type { DomainEvent } from './journal.ts';
import { apply, type Command } from './ledger.ts';
import { termsOf } from './renewal.ts';
import { balanceOf, type OrgState } from './state.ts';

export type PlanPreviewRequest = { tier: TierId; cancel?: undefined } | { cancel: true; tier?: undefined };

export type PlanAction = 'upgrade' | 'downgrade' | 'cancel' | 'resume' | 'none';

export interface PlanPreview {
  action: PlanAction;
  from_tier: TierId;
  to_tier: TierId;
  /** When the balance changes: now for an upgrade, the period end for a scheduled change. */
  effective_at: number;
  immediate: boolean;
  balance_before: number;
  /** Subscription and rollover credits that move into the new period (up to its cap). */
  carried: number;
  /** Subscription and rollover credits that expire over the cap. */
  forfeited: number;
  /** The allocation granted when the change takes effect (0 on Free or while past due). */
  new_allocation: number;
  rollover_cap: number;
  balance_after: number;
  /** The end of the period the change starts (null: back on Free, no periods). */
  period_end_after: number | null;
  /** The tier's price per period from the catalog (null on Free). */
  price: (Money & { example?: boolean }) | null;
}

interface RenewalData {
  carried: number;
  forfeited: number;
  allocation: number;
}

const isRenewal = (e: DomainEvent) => e.type === 'subscription.renewed' || e.type === 'subscription.changed';

export function previewPlanChange(
  state: OrgState,
  req: PlanPreviewRequest,
  now: number,
  catalog: Catalog,
): PlanPreview {
  const from = state.subscription.tier;
  const hadPending = state.subscription.pending_tier !== null || state.subscription.cancel_at_period_end;
  let cmd: Command;
  let action: PlanAction;
  if (req.cancel === true) {
    cmd = { type: 'cancel' };
    action = 'cancel';
  } else {
    if (tierRank(catalog, req.tier) < 0) throw invalid(`unknown tier ${req.tier}`, { field: 'tier' });
    cmd = { type: 'change_tier', tier: req.tier };
    const diff = tierRank(catalog, req.tier) - tierRank(catalog, from);
    action =
      diff > 0
        ? 'upgrade'
        : diff === 0
          ? hadPending
            ? 'resume'
            : 'none'
          : req.tier === 'free'
            ? 'cancel'
            : 'downgrade';
  }

  const balance_before = balanceOf(state);
  const changed = apply(state, cmd, now, catalog);
  if (!changed.ok) throw changed.error;

  if (action === 'upgrade') {
    const sub = changed.state.subscription;
    const r = changed.events.find(isRenewal)?.data as RenewalData | undefined;
    if (!r) throw new Error('invariant violated: an upgrade renews at once');
    return {
      action,
      from_tier: from,
      to_tier: sub.tier,
      effective_at: now,
      immediate: true,
      balance_before,
      carried: r.carried,
      forfeited: r.forfeited,
      new_allocation: r.allocation,
      rollover_cap: termsOf(catalog, sub, sub.tier).rollover_cap,
      balance_after: balanceOf(changed.state),
      period_end_after: sub.period_end,
      price: tierOf(catalog, sub.tier).price,
    };
  }

  // Scheduled (or nothing to do): what the renewal at the period end will do under the
  // subscription as it stands after the change.
  const sub = changed.state.subscription;
  const to: TierId = sub.cancel_at_period_end ? 'free' : (sub.pending_tier ?? sub.tier);
  if (sub.period_end === null)
    return {
      action,
      from_tier: from,
      to_tier: to,
      effective_at: now,
      immediate: true,
      balance_before,
      carried: 0,
      forfeited: 0,
      new_allocation: 0,
      rollover_cap: 0,
      balance_after: balance_before,
      period_end_after: null,
      price: tierOf(catalog, to).price,
    };
  const at = sub.period_end;
  const renewed = apply(changed.state, { type: 'tick' }, at, catalog);
  if (!renewed.ok) throw renewed.error;
  const r = renewed.events.find((e) => isRenewal(e) && e.at === at)?.data as RenewalData | undefined;
  if (!r) throw new Error('invariant violated: a period end renews');
  return {
    action,
    from_tier: from,
    to_tier: to,
    effective_at: at,
    immediate: false,
    balance_before,
    carried: r.carried,
    forfeited: r.forfeited,
    new_allocation: r.allocation,
    rollover_cap: termsOf(catalog, renewed.state.subscription, to).rollover_cap,
    balance_after: balanceOf(renewed.state),
    period_end_after: renewed.state.subscription.period_end,
    price: tierOf(catalog, to).price,
  };
}
