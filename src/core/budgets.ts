/**
 * Budgets cap what one member or one project may spend from the org's pool per billing
 * period. A hard budget refuses a charge that would take `spent + held + amount` over the
 * limit; a soft one lets it through. Both report crossing 80% and 100% once per period.
 * The check runs inside the same `execute` as the hold, so it is atomic with it.
 */
import { type Ctx, emit } from './context.ts';
import { DomainError } from './errors.ts';
import { calendarMonth } from './periods.ts';
import type { Budget, OrgState } from './state.ts';

export const BUDGET_THRESHOLDS = [80, 100] as const;

/** A budget's period is the org's billing period, or the calendar month when it has none. */
export function budgetPeriodStart(state: OrgState, now: number): number {
  const s = state.subscription;
  if (s.period_start !== null && s.period_end !== null && now >= s.period_start && now < s.period_end)
    return s.period_start;
  return calendarMonth(now).start;
}

export function matchingBudgets(
  state: OrgState,
  member_id: string | null,
  project_id: string | null,
): Budget[] {
  return state.budgets.filter(
    (b) =>
      (b.scope === 'member' && member_id !== null && b.scope_id === member_id) ||
      (b.scope === 'project' && project_id !== null && b.scope_id === project_id),
  );
}

/**
 * Starts a budget's new period from zero. `execute` rolls every budget right after time
 * advances, before the command runs, so the checks and charges below see the current period.
 */
export function rollBudget(state: OrgState, b: Budget, now: number) {
  const start = budgetPeriodStart(state, now);
  if (b.period_start !== start) {
    b.period_start = start;
    b.spent = 0;
    b.alerted = 0;
  }
}

export function budgetHeld(state: OrgState, b: Budget): number {
  let sum = 0;
  for (const h of state.holds) {
    if (h.status !== 'open') continue;
    if (b.scope === 'member' ? h.member_id === b.scope_id : h.project_id === b.scope_id) sum += h.amount;
  }
  return sum;
}

export function budgetRemaining(state: OrgState, b: Budget): number {
  return Math.max(0, b.limit - b.spent - budgetHeld(state, b));
}

export function checkBudgets(ctx: Ctx, amount: number, member_id: string | null, project_id: string | null) {
  for (const b of matchingBudgets(ctx.state, member_id, project_id)) {
    if (b.enforcement !== 'hard') continue;
    const held = budgetHeld(ctx.state, b);
    if (b.spent + held + amount > b.limit)
      throw new DomainError(
        'budget_exceeded',
        `${b.scope} budget ${b.id} allows ${Math.max(0, b.limit - b.spent - held)} more credits this period, ${amount} required`,
        { budget_id: b.id, remaining: Math.max(0, b.limit - b.spent - held), required: amount },
      );
  }
}

export function chargeBudgets(ctx: Ctx, amount: number, member_id: string | null, project_id: string | null) {
  for (const b of matchingBudgets(ctx.state, member_id, project_id)) {
    b.spent += amount;
    for (const level of BUDGET_THRESHOLDS) {
      if (b.alerted < level && b.spent * 100 >= b.limit * level) {
        b.alerted = level;
        emit(ctx, 'budget.threshold', {
          budget_id: b.id,
          scope: b.scope,
          scope_id: b.scope_id,
          threshold: level,
          spent: b.spent,
          limit: b.limit,
          enforcement: b.enforcement,
        });
      }
    }
  }
}
