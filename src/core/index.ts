/** The public surface of the core: everything other layers may import comes through here. */

export * from './account-deletion.ts';
export { nextDueAt } from './advance.ts';
export { lowBalanceThreshold } from './alerts.ts';
export { type Archived, RECENT_HOLDS_KEPT, restore } from './archive.ts';
export { MAX_TOPUP_THRESHOLD, MAX_TOPUPS_PER_PERIOD } from './auto-topup.ts';
export { budgetHeld, budgetRemaining, rollBudget } from './budgets.ts';
export * from './catalog.ts';
export { CLOSED_ORG_ACCEPTS, isClosed, orgClosed } from './closing.ts';
export { drawOrder, spendable } from './draw-order.ts';
export * from './errors.ts';
export { MAX_HOLD_TTL_SECONDS, MAX_OPEN_HOLDS } from './holds.ts';
export * from './idempotency.ts';
export * from './invariants.ts';
export * from './journal.ts';
export * from './ledger.ts';
export * from './memory-ledger.ts';
export * from './periods.ts';
export {
  type PlanAction,
  type PlanPreview,
  type PlanPreviewRequest,
  previewPlanChange,
} from './plan-preview.ts';
export * from './price-per-credit.ts';
export { purchaseLookups, toRestore } from './purchase-lookups.ts';
export { forfeitAtRenewal, termsOf } from './renewal.ts';
export * from './state.ts';
export * from './team.ts';
export * from './verify.ts';
export { plural } from './wording.ts';
