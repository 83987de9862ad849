/**
 * The ledger as a state machine: `execute(draft, command, now, catalog)` brings the org up
 * to `now`, then applies one command. Control flow lives here; the rules live in the
 * files this one calls. A refusal is returned as a typed error, and a refused command
 * changes nothing but what time alone changed (expired holds and grants, due renewals),
 * which is returned too so the caller can persist it.
 */

import { adjust } from './adjustments.ts';
import { advance } from './advance.ts';
import { checkLowBalance, setAlerts } from './alerts.ts';
import { type Archived, archive, noneArchived } from './archive.ts';
import { checkAutoTopup, failPurchase, setAutoTopup, settleAutoTopup } from './auto-topup.ts';
import { budgetPeriodStart, rollBudget } from './budgets.ts';
import { type Catalog, findOperation, type TierId, tierOf } from './catalog.ts';
import { closeOrg, refuseIfClosed } from './closing.ts';
import type { Ctx } from './context.ts';
import { DomainError, invalid, isDomainError, notFound } from './errors.ts';
import { issueGrant } from './grants.ts';
import {
  captureHold,
  checkCapturePrice,
  checkOpenHoldsLimit,
  consume,
  createHold,
  releaseHold,
} from './holds.ts';
import { assertBalanceMoved, assertOrgSound, assertRefusalChangedNothing, untouched } from './invariants.ts';
import type { DomainEvent, Transaction } from './journal.ts';
import { setPastDue } from './past-due.ts';
import { cancel, changeTier } from './plan-changes.ts';
import { completePurchase, createPurchase, refundPurchase } from './purchases.ts';
import type { Budget, BudgetScope, Enforcement, OrgState, Role, Usage } from './state.ts';
import { balanceOf, nextId } from './state.ts';
import {
  addMember,
  addProject,
  changeMemberEmail,
  checkScope,
  removeMember,
  transferOwnership,
} from './team.ts';

/** Limits on everything (TigerBeetle's rule): no single command may move more than this. */
export const MAX_CREDITS_PER_COMMAND = 1_000_000_000;
export const MAX_QUANTITY = 10_000;

export interface PricedItem {
  tool: string;
  operation: string;
  quantity: number;
}

export type Command =
  | {
      type: 'hold';
      amount?: number;
      items?: PricedItem[];
      ttl_seconds: number;
      member_id?: string | null;
      project_id?: string | null;
    }
  | {
      type: 'capture';
      hold_id: string;
      amount?: number;
      usage: Usage;
      /** The caller stated usage.quantity (not a default): with an amount, they must agree. */
      quantity_stated?: boolean;
    }
  | { type: 'release'; hold_id: string }
  | { type: 'consume'; usage: Usage; amount?: number }
  | { type: 'change_tier'; tier: TierId; allocation?: number; rollover_cap?: number; overage_limit?: number }
  | { type: 'cancel' }
  | { type: 'purchase_create'; pack: string }
  | { type: 'purchase_complete'; purchase_id: string; payment_id: string }
  | { type: 'purchase_refund'; purchase_id: string }
  | { type: 'adjust'; amount: number; reason: string }
  | { type: 'set_budget'; scope: BudgetScope; scope_id: string; limit: number; enforcement: Enforcement }
  | { type: 'delete_budget'; budget_id: string }
  | { type: 'add_member'; email: string; role: Role }
  | { type: 'remove_member'; member_id: string }
  | { type: 'transfer_ownership'; from_member_id: string; to_member_id: string }
  | { type: 'change_member_email'; email: string; new_email: string }
  | { type: 'close_org' }
  | { type: 'add_project'; name: string }
  | { type: 'purchase_fail'; purchase_id: string; reason: string }
  | { type: 'set_auto_topup'; enabled: boolean; threshold: number; pack: string; monthly_max: number }
  | { type: 'set_alerts'; low_balance_threshold: number | null }
  | { type: 'set_past_due'; past_due: boolean }
  | { type: 'tick' };

export interface CreateOrg {
  id: string;
  name: string;
  tier: TierId;
  allocation?: number;
  rollover_cap?: number;
  overage_limit?: number;
}

/** `archived`: what left the state in this step (archive.ts), for the store's history table. */
export type Outcome =
  | { ok: true; result: unknown; txns: Transaction[]; events: DomainEvent[]; archived: Archived }
  | { ok: false; error: DomainError; txns: Transaction[]; events: DomainEvent[]; archived: Archived };

/** The price of some work, from the catalog: a whole number of credits fixed before it starts. */
export function priceOf(catalog: Catalog, items: PricedItem[]): number {
  let total = 0;
  for (const it of items) {
    const op = findOperation(catalog, it.tool, it.operation);
    if (!op) throw new DomainError('not_found', `unknown operation ${it.operation} of tool ${it.tool}`);
    if (!Number.isInteger(it.quantity) || it.quantity < 1 || it.quantity > MAX_QUANTITY)
      throw invalid(`quantity must be an integer from 1 to ${MAX_QUANTITY}`, { field: 'quantity' });
    total += op.credits * it.quantity;
  }
  if (total > MAX_CREDITS_PER_COMMAND)
    throw invalid(`a single charge is limited to ${MAX_CREDITS_PER_COMMAND} credits`);
  return total;
}

function credits(n: unknown, what: string, min = 1): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > MAX_CREDITS_PER_COMMAND)
    throw invalid(`${what} must be an integer from ${min} to ${MAX_CREDITS_PER_COMMAND}`, { field: what });
  return n;
}

export function createOrg(c: CreateOrg, now: number, catalog: Catalog): Outcome & { state: OrgState } {
  const state: OrgState = {
    id: c.id,
    name: c.name,
    created_at: now,
    seq: 0,
    free_granted: false,
    overage_used: 0,
    subscription: {
      tier: 'free',
      status: 'none',
      anchor: null,
      period_index: 0,
      period_start: null,
      period_end: null,
      pending_tier: null,
      cancel_at_period_end: false,
      custom_allocation: null,
      custom_rollover_cap: null,
      overage_limit: 0,
    },
    grants: [],
    holds: [],
    budgets: [],
    purchases: [],
    members: [],
    projects: [],
  };
  const ctx: Ctx = { state, now, catalog, txns: [], events: [] };
  try {
    // The same checks as a change of tier: contract terms are whole credits, never negative.
    for (const k of ['allocation', 'rollover_cap', 'overage_limit'] as const)
      if (c[k] !== undefined) credits(c[k], k, 0);
    if (c.tier === 'free') {
      grantFreeCredits(ctx);
    } else {
      changeTier(ctx, c.tier, {
        allocation: c.allocation,
        rollover_cap: c.rollover_cap,
        overage_limit: c.overage_limit,
      });
    }
  } catch (e) {
    if (isDomainError(e))
      return { ok: false, error: e, txns: [], events: [], archived: noneArchived(), state };
    throw e;
  }
  return { ok: true, result: state, txns: ctx.txns, events: ctx.events, archived: archive(state), state };
}

/** Free credits come once per org, ever: created on Free, never again after a cancel. */
function grantFreeCredits(ctx: Ctx) {
  if (ctx.state.free_granted) return;
  ctx.state.free_granted = true;
  const n = tierOf(ctx.catalog, 'free').allocation;
  if (n > 0)
    issueGrant(ctx, {
      source: 'free',
      amount: n,
      expires_at: null,
      type: 'free_grant',
      description: `${n} free credits`,
    });
}

export function execute(state: OrgState, cmd: Command, now: number, catalog: Catalog): Outcome {
  const ctx: Ctx = { state, now, catalog, txns: [], events: [] };
  const balanceBefore = balanceOf(state);
  advance(ctx);
  // Budgets start their new period here, with the rest of what time changes, rather than
  // when a charge first looks at them: a refused charge then leaves nothing changed.
  for (const b of state.budgets) rollBudget(state, b, now);
  watch(ctx);
  const timeTxns = ctx.txns.length;
  const timeEvents = ctx.events.length;
  const asTimeLeftIt = untouched(state);
  try {
    const result = run(ctx, cmd);
    watch(ctx);
    assertOrgSound(state);
    assertBalanceMoved(state, balanceBefore, ctx.txns);
    // Archived after the checks: they look at the state the rule left; what leaves it now is
    // history (resolved holds, spent grants, settled purchases) that no balance counts.
    return { ok: true, result, txns: ctx.txns, events: ctx.events, archived: archive(state) };
  } catch (e) {
    if (!isDomainError(e)) throw e;
    // Every rule checks before it mutates, so a refusal has changed nothing past this point.
    assertRefusalChangedNothing(state, asTimeLeftIt, e.code);
    const txns = ctx.txns.slice(0, timeTxns);
    assertOrgSound(state);
    assertBalanceMoved(state, balanceBefore, txns);
    return {
      ok: false,
      error: e,
      txns,
      events: ctx.events.slice(0, timeEvents),
      archived: archive(state),
    };
  }
}

/** Thresholds on `available` (low-balance alert, auto top-up) fire in the step that crossed them. */
function watch(ctx: Ctx) {
  checkLowBalance(ctx);
  checkAutoTopup(ctx);
}

/** The copying variant: value in, value out. */
export function apply(state: OrgState, cmd: Command, now: number, catalog: Catalog) {
  const draft = structuredClone(state);
  const out = execute(draft, cmd, now, catalog);
  return { ...out, state: draft };
}

function run(ctx: Ctx, cmd: Command): unknown {
  refuseIfClosed(ctx.state, cmd.type);
  switch (cmd.type) {
    case 'tick':
      return null;
    case 'hold': {
      checkScope(ctx, cmd.member_id, cmd.project_id);
      const amount =
        cmd.items !== undefined ? priceOf(ctx.catalog, cmd.items) : credits(cmd.amount, 'amount');
      checkOpenHoldsLimit(ctx);
      return createHold(ctx, {
        amount,
        ttl_seconds: cmd.ttl_seconds,
        member_id: cmd.member_id ?? null,
        project_id: cmd.project_id ?? null,
      });
    }
    case 'capture': {
      const h = ctx.state.holds.find((x) => x.id === cmd.hold_id);
      const amount = cmd.amount === undefined ? (h?.amount ?? 0) : credits(cmd.amount, 'amount', 0);
      if (cmd.amount !== undefined && cmd.quantity_stated) checkCapturePrice(ctx, amount, cmd.usage);
      return captureHold(ctx, cmd.hold_id, amount, cmd.usage);
    }
    case 'release':
      return releaseHold(ctx, cmd.hold_id);
    case 'consume': {
      checkScope(ctx, cmd.usage.member_id, cmd.usage.project_id);
      const amount =
        cmd.amount !== undefined ? credits(cmd.amount, 'amount') : priceOf(ctx.catalog, [cmd.usage]);
      return consume(ctx, amount, cmd.usage);
    }
    case 'change_tier': {
      for (const k of ['allocation', 'rollover_cap', 'overage_limit'] as const)
        if (cmd[k] !== undefined) credits(cmd[k], k, 0);
      changeTier(ctx, cmd.tier, cmd);
      return ctx.state.subscription;
    }
    case 'cancel':
      cancel(ctx);
      return ctx.state.subscription;
    case 'purchase_create':
      return createPurchase(ctx, cmd.pack);
    case 'purchase_complete': {
      const p = completePurchase(ctx, cmd.purchase_id, cmd.payment_id);
      settleAutoTopup(ctx, p);
      return p;
    }
    case 'purchase_fail': {
      const p = failPurchase(ctx, cmd.purchase_id, cmd.reason);
      settleAutoTopup(ctx, p);
      return p;
    }
    case 'set_auto_topup':
      return setAutoTopup(ctx, cmd);
    case 'set_alerts':
      return setAlerts(ctx, cmd.low_balance_threshold);
    case 'set_past_due':
      return setPastDue(ctx, cmd.past_due);
    case 'purchase_refund':
      return refundPurchase(ctx, cmd.purchase_id);
    case 'adjust':
      if (!Number.isInteger(cmd.amount) || Math.abs(cmd.amount) > MAX_CREDITS_PER_COMMAND)
        throw invalid(`amount must be a non-zero integer within ±${MAX_CREDITS_PER_COMMAND}`, {
          field: 'amount',
        });
      return adjust(ctx, cmd.amount, cmd.reason);
    case 'set_budget':
      if (cmd.scope === 'member') checkScope(ctx, cmd.scope_id, null);
      else checkScope(ctx, null, cmd.scope_id);
      return setBudget(ctx, cmd);
    case 'add_member':
      return addMember(ctx, cmd.email, cmd.role);
    case 'remove_member':
      return removeMember(ctx, cmd.member_id);
    case 'transfer_ownership':
      return transferOwnership(ctx, cmd.from_member_id, cmd.to_member_id);
    case 'change_member_email':
      return changeMemberEmail(ctx, cmd.email, cmd.new_email);
    case 'close_org':
      return closeOrg(ctx);
    case 'add_project':
      return addProject(ctx, cmd.name);
    case 'delete_budget': {
      const i = ctx.state.budgets.findIndex((b) => b.id === cmd.budget_id);
      if (i < 0) throw notFound('budget', cmd.budget_id);
      return ctx.state.budgets.splice(i, 1)[0];
    }
  }
}

/** One budget per (scope, scope_id): setting it again changes the limit, keeping what was spent. */
function setBudget(ctx: Ctx, cmd: Extract<Command, { type: 'set_budget' }>): Budget {
  credits(cmd.limit, 'limit', 0);
  if (cmd.scope === 'member' && !tierOf(ctx.catalog, ctx.state.subscription.tier).team)
    throw new DomainError('tier_not_allowed', `member budgets need a tier with team access`);
  const existing = ctx.state.budgets.find((b) => b.scope === cmd.scope && b.scope_id === cmd.scope_id);
  if (existing) {
    existing.limit = cmd.limit;
    existing.enforcement = cmd.enforcement;
    return existing;
  }
  const b: Budget = {
    id: nextId(ctx.state, 'bud'),
    scope: cmd.scope,
    scope_id: cmd.scope_id,
    limit: cmd.limit,
    enforcement: cmd.enforcement,
    period_start: budgetPeriodStart(ctx.state, ctx.now),
    spent: 0,
    alerted: 0,
  };
  ctx.state.budgets.push(b);
  return b;
}
