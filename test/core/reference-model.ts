/**
 * A reference model of the credit rules, and a model-based property test that drives any
 * ledger with random command sequences and compares it with the model after every step.
 *
 * The model is deliberately small: per org it keeps a handful of numbers — the rollover
 * and subscription credits of the current period (which expire together at the period
 * end), the never-expiring free and adjustment credits, what is left of each purchased
 * pack, the open holds (and which of those buckets their credits came from), and the
 * Enterprise credit line used. The expected balance is just the sum of the buckets plus
 * what is held, less the credit line used; no grants, journal or draw function are shared
 * with the core. It assumes the seed's catalog (config/catalog.json).
 *
 * Test-only (it imports fast-check); not exported from index.ts. The storage layer runs
 * the same test against its adapters with `runModelTest(() => adapterAsLedgerLike)`.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type Catalog, defaultCatalog, type TierId } from '../../src/core/catalog.ts';
import type { DomainEvent } from '../../src/core/journal.ts';
import type { Command, CreateOrg } from '../../src/core/ledger.ts';
import { MemoryLedger } from '../../src/core/memory-ledger.ts';
import { availableOf, balanceOf, GRANT_SOURCES, type GrantSource, heldOf } from '../../src/core/state.ts';
import type { Violation } from '../../src/core/verify.ts';

// ---------------------------------------------------------------------------------------
// What a ledger must offer to be tested (sync or async).

export interface Numbers {
  balance: number;
  held: number;
  available: number;
}

type MaybePromise<T> = T | Promise<T>;

export interface LedgerLike {
  createOrg(c: CreateOrg, now: number): MaybePromise<unknown>;
  /** Runs one command; a refusal throws (or rejects with) an error carrying a string `code`. */
  run(orgId: string, cmd: Command, now: number, idempotencyKey?: string): MaybePromise<unknown>;
  /** The org's numbers as of `now`, the time of its last command. */
  numbers(orgId: string, now: number): MaybePromise<Numbers>;
  /** Optional: credits left in the org's open grants, by source (checks the draw order). */
  bySource?(orgId: string): MaybePromise<Record<GrantSource, number>>;
  /** Every invariant violation of the whole ledger; [] when sound. */
  verify(): MaybePromise<Violation[]>;
  /** Optional: every domain event so far, oldest first (checks budget alerts when given). */
  events?(): MaybePromise<DomainEvent[]>;
  /**
   * Optional: called once when a sequence is done (close files, connections); `passed` says
   * whether it agreed with the model throughout.
   */
  close?(passed: boolean): MaybePromise<void>;
}

export function memoryLedgerLike(catalog: Catalog = defaultCatalog): LedgerLike & { ledger: MemoryLedger } {
  const ledger = new MemoryLedger(catalog);
  return {
    ledger,
    createOrg: (c, now) => ledger.createOrg(c, now),
    run: (orgId, cmd, now, key) => ledger.run(orgId, cmd, now, key),
    numbers: (orgId, now) => {
      const s = ledger.org(orgId);
      return { balance: balanceOf(s), held: heldOf(s), available: availableOf(s, now) };
    },
    bySource: (orgId) => {
      const out = Object.fromEntries(GRANT_SOURCES.map((x) => [x, 0])) as Record<GrantSource, number>;
      for (const g of ledger.org(orgId).grants) if (g.closed_at === null) out[g.source] += g.remaining;
      return out;
    },
    verify: () => ledger.verify(),
    events: () => ledger.events,
  };
}

// ---------------------------------------------------------------------------------------
// The seed's numbers, written out again on purpose (not read from the catalog).

const TIERS: TierId[] = ['free', 'basic', 'pro', 'business', 'enterprise'];
const TERMS: Record<TierId, { allocation: number; cap: number; recurring: boolean }> = {
  free: { allocation: 0, cap: 0, recurring: false },
  basic: { allocation: 20, cap: 40, recurring: true },
  pro: { allocation: 50, cap: 100, recurring: true },
  business: { allocation: 150, cap: 300, recurring: true },
  enterprise: { allocation: 500, cap: 1000, recurring: true },
};
const TEAM_TIERS: TierId[] = ['pro', 'business', 'enterprise'];
const FREE_CREDITS = 5;
const PACKS: Record<string, number> = { pack_20: 20, pack_50: 50, pack_100: 100, pack_200: 200 };
const OPERATIONS: Record<string, number> = { '720p': 1, '1080p': 2, '4k': 3, '8k': 4 };
const MAX_TTL_SECONDS = 7 * 24 * 3600;

/** Month arithmetic of the spec: the anchor's day, clamped to the month's length. */
function addMonths(anchor: number, months: number): number {
  const d = new Date(anchor);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay)) + (anchor % 86_400_000);
}

// ---------------------------------------------------------------------------------------
// The model.

/** Where held credits came from: a bucket (of a period, for the two that expire), a pack, or the line. */
type Part =
  | { kind: 'rollover' | 'subscription'; gen: number; n: number }
  | { kind: 'free' | 'adjustment'; n: number }
  | { kind: 'pack'; purchase: string; n: number }
  | { kind: 'line'; n: number };

interface ModelHold {
  id: string;
  amount: number;
  parts: Part[];
  expires_at: number;
  open: boolean;
  /** Whether the hold names the org's project, and its member. */
  project: boolean;
  member: boolean;
}

interface ModelPurchase {
  id: string;
  credits: number;
  status: 'pending' | 'completed' | 'refunded';
  payment: string | null;
  /** Credits left in the pack's grant (0 once refunded). */
  left: number;
  /** Order in which the packs' credits arrived: the oldest grant is drawn first. */
  arrived: number;
}

type Scope = 'project' | 'member';

interface ModelBudget {
  limit: number;
  hard: boolean;
  period_start: number;
  spent: number;
  alerted: number;
}

export interface ModelOrg {
  id: string;
  project_id: string;
  member_id: string;
  tier: TierId;
  /** Tier for the next period: a downgrade, or 'free' after a cancel. */
  pending: TierId | null;
  anchor: number | null;
  index: number;
  period_start: number | null;
  period_end: number | null;
  /** Counts period ends: credits held from an earlier period's grants cannot return. */
  gen: number;
  rollover: number;
  subscription: number;
  free: number;
  adjustment: number;
  purchases: ModelPurchase[];
  holds: ModelHold[];
  line_used: number;
  line_limit: number;
  custom_allocation: number | null;
  custom_cap: number | null;
  budgets: Partial<Record<Scope, ModelBudget>>;
  alerts: number;
}

export function numbersOf(o: ModelOrg): Numbers {
  let packs = 0;
  for (const p of o.purchases) packs += p.left;
  const held = o.holds.reduce((s, h) => s + (h.open ? h.amount : 0), 0);
  const balance = o.rollover + o.subscription + o.free + o.adjustment + packs + held - o.line_used;
  return { balance, held, available: balance - held };
}

export function bySourceOf(o: ModelOrg): Record<GrantSource, number> {
  const purchase = o.purchases.reduce((s, p) => s + p.left, 0);
  return {
    free: o.free,
    subscription: o.subscription,
    rollover: o.rollover,
    purchase,
    adjustment: o.adjustment,
  };
}

function termsFor(o: ModelOrg, tier: TierId) {
  const t = TERMS[tier];
  if (tier !== 'enterprise') return t;
  return { ...t, allocation: o.custom_allocation ?? t.allocation, cap: o.custom_cap ?? t.cap };
}

/** A new grant first pays back the credit line already spent (not what sits in holds). */
function repay(o: ModelOrg, amount: number): number {
  let heldLine = 0;
  for (const h of o.holds) if (h.open) for (const p of h.parts) if (p.kind === 'line') heldLine += p.n;
  const n = Math.min(amount, Math.max(0, o.line_used - heldLine));
  o.line_used -= n;
  return amount - n;
}

/** Credits a charge may take: everything unspent, unheld and unexpired, plus the credit line left. */
function spendable(o: ModelOrg): number {
  return numbersOf(o).available + o.line_limit;
}

/**
 * Takes credits soonest-expiring first: the period's rollover, then its subscription, then
 * the never-expiring free, adjustment and pack credits (oldest pack first), then the line.
 */
function take(o: ModelOrg, amount: number): Part[] {
  const parts: Part[] = [];
  let left = amount;
  for (const kind of ['rollover', 'subscription', 'free', 'adjustment'] as const) {
    const n = Math.min(left, o[kind]);
    if (n > 0)
      parts.push(kind === 'rollover' || kind === 'subscription' ? { kind, gen: o.gen, n } : { kind, n });
    o[kind] -= n;
    left -= n;
  }
  for (const p of [...o.purchases].sort((a, b) => a.arrived - b.arrived)) {
    const n = Math.min(left, p.left);
    if (n > 0) parts.push({ kind: 'pack', purchase: p.id, n });
    p.left -= n;
    left -= n;
  }
  if (left > 0) {
    parts.push({ kind: 'line', n: left });
    o.line_used += left;
  }
  return parts;
}

/** Puts credits back where they came from, unless that place has expired or been refunded. */
function giveBack(o: ModelOrg, parts: Part[], at: number) {
  for (const p of parts) {
    if (p.kind === 'rollover' || p.kind === 'subscription') {
      if (p.gen === o.gen && o.period_end !== null && at < o.period_end) o[p.kind] += p.n;
    } else if (p.kind === 'free' || p.kind === 'adjustment') o[p.kind] += p.n;
    else if (p.kind === 'pack') {
      const pur = o.purchases.find((x) => x.id === p.purchase)!;
      if (pur.status === 'completed') pur.left += p.n;
    } else o.line_used -= p.n;
  }
}

/** Charged credits are the first ones the hold took; the rest go back. */
function splitParts(parts: Part[], amount: number): Part[] {
  const rest: Part[] = [];
  let left = amount;
  for (const p of parts) {
    const c = Math.min(left, p.n);
    left -= c;
    if (p.n - c > 0) rest.push({ ...p, n: p.n - c });
  }
  return rest;
}

function endPeriod(o: ModelOrg, at: number, next: TierId, restart: boolean) {
  const terms = termsFor(o, next);
  const carried = Math.min(o.rollover + o.subscription, terms.cap);
  o.rollover = 0;
  o.subscription = 0;
  o.gen += 1;
  if (terms.recurring) {
    if (restart || o.anchor === null) {
      o.anchor = at;
      o.index = 0;
    } else o.index += 1;
    o.period_start = addMonths(o.anchor, o.index);
    o.period_end = addMonths(o.anchor, o.index + 1);
  } else {
    o.anchor = null;
    o.index = 0;
    o.period_start = null;
    o.period_end = null;
  }
  o.tier = next;
  o.pending = null;
  if (next !== 'enterprise') {
    o.line_limit = 0;
    o.custom_allocation = null;
    o.custom_cap = null;
  }
  o.rollover = repay(o, carried);
  if (terms.recurring) o.subscription = repay(o, terms.allocation);
}

/** Everything time does to an org up to `now`, in time order; holds first at equal times. */
export function advanceOrg(o: ModelOrg, now: number) {
  for (;;) {
    let hold: ModelHold | null = null;
    for (const h of o.holds)
      if (h.open && h.expires_at <= now && (!hold || h.expires_at < hold.expires_at)) hold = h;
    const renewAt = o.period_end !== null && o.period_end <= now ? o.period_end : Number.POSITIVE_INFINITY;
    if (hold && hold.expires_at <= renewAt) {
      hold.open = false;
      giveBack(o, hold.parts, hold.expires_at);
    } else if (renewAt !== Number.POSITIVE_INFINITY) {
      endPeriod(o, renewAt, o.pending ?? o.tier, false);
    } else return;
  }
}

function budgetPeriodStart(o: ModelOrg, now: number): number {
  if (o.period_start !== null && o.period_end !== null && now >= o.period_start && now < o.period_end)
    return o.period_start;
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

function rollBudget(o: ModelOrg, b: ModelBudget, now: number) {
  const start = budgetPeriodStart(o, now);
  if (b.period_start !== start) {
    b.period_start = start;
    b.spent = 0;
    b.alerted = 0;
  }
}

/** The budgets a charge naming (or not) the project and the member falls under. */
function budgetsOf(o: ModelOrg, project: boolean, member: boolean): [Scope, ModelBudget][] {
  const out: [Scope, ModelBudget][] = [];
  if (project && o.budgets.project) out.push(['project', o.budgets.project]);
  if (member && o.budgets.member) out.push(['member', o.budgets.member]);
  return out;
}

/** A hard budget refuses when what was spent this period, plus what is held, plus this would pass it. */
function budgetRefuses(o: ModelOrg, now: number, amount: number, project: boolean, member: boolean): boolean {
  for (const [scope, b] of budgetsOf(o, project, member)) {
    rollBudget(o, b, now);
    if (!b.hard) continue;
    const held = o.holds.reduce((s, h) => s + (h.open && h[scope] ? h.amount : 0), 0);
    if (b.spent + held + amount > b.limit) return true;
  }
  return false;
}

function chargeBudgets(o: ModelOrg, now: number, amount: number, project: boolean, member: boolean) {
  for (const [, b] of budgetsOf(o, project, member)) {
    rollBudget(o, b, now);
    b.spent += amount;
    for (const level of [80, 100])
      if (b.alerted < level && b.spent * 100 >= b.limit * level) {
        b.alerted = level;
        o.alerts += 1;
      }
  }
}

export function newModelOrg(c: CreateOrg, project_id: string, member_id: string, now: number): ModelOrg {
  const o: ModelOrg = {
    id: c.id,
    project_id,
    member_id,
    tier: 'free',
    pending: null,
    anchor: null,
    index: 0,
    period_start: null,
    period_end: null,
    gen: 0,
    rollover: 0,
    subscription: 0,
    free: 0,
    adjustment: 0,
    purchases: [],
    holds: [],
    line_used: 0,
    line_limit: 0,
    custom_allocation: null,
    custom_cap: null,
    budgets: {},
    alerts: 0,
  };
  if (c.tier === 'free') o.free = FREE_CREDITS;
  else {
    if (c.tier === 'enterprise') {
      o.custom_allocation = c.allocation ?? null;
      o.custom_cap = c.rollover_cap ?? null;
      o.line_limit = c.overage_limit ?? 0;
    }
    endPeriod(o, now, c.tier, true);
  }
  return o;
}

// ---------------------------------------------------------------------------------------
// Operations: what the random sequences are made of.

export type Op =
  | { kind: 'advance'; seconds: number }
  | { kind: 'tick'; org: number }
  | { kind: 'adjust'; org: number; amount: number }
  | { kind: 'hold'; org: number; amount: number; ttl_seconds: number; project: boolean; member: boolean }
  /** A hold that expires exactly at the period end: ties between holds and renewals. */
  | { kind: 'hold_to_period_end'; org: number; amount: number }
  | { kind: 'capture'; org: number; pick: number; mode: 'all' | 'part' | 'over'; pct: number }
  | { kind: 'release'; org: number; pick: number }
  | { kind: 'consume'; org: number; operation: string; quantity: number; project: boolean; member: boolean }
  | {
      kind: 'change_tier';
      org: number;
      tier: TierId;
      terms: { allocation?: number; rollover_cap?: number; overage_limit?: number } | null;
    }
  | { kind: 'cancel'; org: number }
  | { kind: 'purchase'; org: number; pack: string }
  | { kind: 'complete'; org: number; pick: number; payment: number }
  | { kind: 'refund'; org: number; pick: number }
  | { kind: 'set_budget'; org: number; scope: Scope; limit: number; hard: boolean };

type Expectation = { code: string } | { code: null; commit: (result: unknown) => void };

const ok = (commit: (result: unknown) => void = () => {}): Expectation => ({ code: null, commit });
const refused = (code: string): Expectation => ({ code });
const idOf = (result: unknown) => (result as { id: string }).id;

function pick<T>(list: T[], n: number): T | undefined {
  return list.length === 0 ? undefined : list[n % list.length];
}

/** Even picks prefer the items still in play (open holds, pending purchases), odd picks take any. */
function pickPreferring<T>(list: T[], n: number, live: (x: T) => boolean): T | undefined {
  const inPlay = list.filter(live);
  return n % 2 === 0 && inPlay.length > 0 ? pick(inPlay, n >> 1) : pick(list, n >> 1);
}

/** Turns an op into a ledger command and what the model says must happen. */
function plan(
  o: ModelOrg,
  op: Exclude<Op, { kind: 'advance' }>,
  now: number,
): { cmd: Command; expect: Expectation } {
  switch (op.kind) {
    case 'tick':
      return { cmd: { type: 'tick' }, expect: ok() };
    case 'adjust': {
      const cmd: Command = { type: 'adjust', amount: op.amount, reason: 'model' };
      if (op.amount > 0) return { cmd, expect: ok(() => (o.adjustment += repay(o, op.amount))) };
      if (-op.amount > numbersOf(o).available) return { cmd, expect: refused('insufficient_credits') };
      return { cmd, expect: ok(() => take(o, -op.amount)) };
    }
    case 'hold':
    case 'hold_to_period_end': {
      const project = op.kind === 'hold' ? op.project : false;
      const member = op.kind === 'hold' ? op.member : false;
      let ttl = op.kind === 'hold' ? op.ttl_seconds : 0;
      if (op.kind === 'hold_to_period_end') {
        ttl = o.period_end === null ? 0 : (o.period_end - now) / 1000;
        if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS)
          return plan(o, { kind: 'tick', org: op.org }, now);
      }
      const cmd: Command = {
        type: 'hold',
        amount: op.amount,
        ttl_seconds: ttl,
        ...(project ? { project_id: o.project_id } : {}),
        ...(member ? { member_id: o.member_id } : {}),
      };
      if (budgetRefuses(o, now, op.amount, project, member))
        return { cmd, expect: refused('budget_exceeded') };
      if (op.amount > spendable(o)) return { cmd, expect: refused('insufficient_credits') };
      return {
        cmd,
        expect: ok((result) => {
          const parts = take(o, op.amount);
          o.holds.push({
            id: idOf(result),
            amount: op.amount,
            parts,
            expires_at: now + ttl * 1000,
            open: true,
            project,
            member,
          });
        }),
      };
    }
    case 'capture': {
      const h = pickPreferring(o.holds, op.pick, (x) => x.open);
      if (!h) return plan(o, { kind: 'tick', org: op.org }, now);
      const amount =
        op.mode === 'all'
          ? undefined
          : op.mode === 'part'
            ? Math.floor((h.amount * op.pct) / 100)
            : h.amount + 1 + (op.pct % 3);
      const cmd: Command = {
        type: 'capture',
        hold_id: h.id,
        ...(amount === undefined ? {} : { amount }),
        usage: { tool: 'image.generate', operation: '720p', quantity: 1 },
      };
      if (!h.open) return { cmd, expect: refused('hold_not_open') };
      const charged = amount ?? h.amount;
      if (charged > h.amount) return { cmd, expect: refused('validation_failed') };
      // A capture of nothing is recorded as what it is, a release (holds.ts): no usage, no budget.
      if (charged === 0)
        return {
          cmd,
          expect: ok(() => {
            h.open = false;
            giveBack(o, h.parts, now);
          }),
        };
      return {
        cmd,
        expect: ok(() => {
          h.open = false;
          giveBack(o, splitParts(h.parts, charged), now);
          chargeBudgets(o, now, charged, h.project, h.member);
        }),
      };
    }
    case 'release': {
      const h = pickPreferring(o.holds, op.pick, (x) => x.open);
      if (!h) return plan(o, { kind: 'tick', org: op.org }, now);
      const cmd: Command = { type: 'release', hold_id: h.id };
      if (!h.open) return { cmd, expect: refused('hold_not_open') };
      return {
        cmd,
        expect: ok(() => {
          h.open = false;
          giveBack(o, h.parts, now);
        }),
      };
    }
    case 'consume': {
      const amount = OPERATIONS[op.operation]! * op.quantity;
      const cmd: Command = {
        type: 'consume',
        usage: {
          tool: 'image.generate',
          operation: op.operation,
          quantity: op.quantity,
          ...(op.project ? { project_id: o.project_id } : {}),
          ...(op.member ? { member_id: o.member_id } : {}),
        },
      };
      if (budgetRefuses(o, now, amount, op.project, op.member))
        return { cmd, expect: refused('budget_exceeded') };
      if (amount > spendable(o)) return { cmd, expect: refused('insufficient_credits') };
      return {
        cmd,
        expect: ok(() => {
          take(o, amount);
          chargeBudgets(o, now, amount, op.project, op.member);
        }),
      };
    }
    case 'change_tier': {
      const cmd: Command = { type: 'change_tier', tier: op.tier, ...(op.terms ?? {}) };
      const custom = op.terms !== null && Object.values(op.terms).some((v) => v !== undefined);
      if (custom && op.tier !== 'enterprise') return { cmd, expect: refused('validation_failed') };
      const applyTerms = () => {
        if (op.terms?.allocation !== undefined) o.custom_allocation = op.terms.allocation;
        if (op.terms?.rollover_cap !== undefined) o.custom_cap = op.terms.rollover_cap;
        if (op.terms?.overage_limit !== undefined) o.line_limit = op.terms.overage_limit;
      };
      if (op.tier === o.tier)
        return {
          cmd,
          expect: ok(() => {
            applyTerms();
            o.pending = null;
          }),
        };
      if (TIERS.indexOf(op.tier) > TIERS.indexOf(o.tier))
        return {
          cmd,
          expect: ok(() => {
            applyTerms();
            endPeriod(o, now, op.tier, true);
          }),
        };
      if (op.tier === 'free' && o.period_end === null) return { cmd, expect: refused('conflict') };
      return { cmd, expect: ok(() => (o.pending = op.tier)) };
    }
    case 'cancel': {
      const cmd: Command = { type: 'cancel' };
      if (o.period_end === null) return { cmd, expect: refused('conflict') };
      return { cmd, expect: ok(() => (o.pending = 'free')) };
    }
    case 'purchase':
      return {
        cmd: { type: 'purchase_create', pack: op.pack },
        expect: ok((result) =>
          o.purchases.push({
            id: idOf(result),
            credits: PACKS[op.pack]!,
            status: 'pending',
            payment: null,
            left: 0,
            arrived: 0,
          }),
        ),
      };
    case 'complete': {
      const p = pickPreferring(o.purchases, op.pick, (x) => x.status === 'pending');
      if (!p) return plan(o, { kind: 'tick', org: op.org }, now);
      const payment = `pay_${op.payment}`;
      const cmd: Command = { type: 'purchase_complete', purchase_id: p.id, payment_id: payment };
      if (p.status !== 'pending') return { cmd, expect: p.payment === payment ? ok() : refused('conflict') };
      if (o.purchases.some((x) => x.payment === payment)) return { cmd, expect: refused('conflict') };
      return {
        cmd,
        expect: ok(() => {
          p.status = 'completed';
          p.payment = payment;
          p.arrived = 1 + Math.max(0, ...o.purchases.map((x) => x.arrived));
          p.left = repay(o, p.credits);
        }),
      };
    }
    case 'refund': {
      const p = pickPreferring(o.purchases, op.pick, (x) => x.status === 'completed');
      if (!p) return plan(o, { kind: 'tick', org: op.org }, now);
      const cmd: Command = { type: 'purchase_refund', purchase_id: p.id };
      if (p.status === 'pending') return { cmd, expect: refused('purchase_not_refundable') };
      return {
        cmd,
        expect: ok(() => {
          p.status = 'refunded';
          p.left = 0;
        }),
      };
    }
    case 'set_budget': {
      const cmd: Command = {
        type: 'set_budget',
        scope: op.scope,
        scope_id: op.scope === 'project' ? o.project_id : o.member_id,
        limit: op.limit,
        enforcement: op.hard ? 'hard' : 'soft',
      };
      if (op.scope === 'member' && !TEAM_TIERS.includes(o.tier))
        return { cmd, expect: refused('tier_not_allowed') };
      return {
        cmd,
        expect: ok(() => {
          const b = o.budgets[op.scope];
          if (b) {
            b.limit = op.limit;
            b.hard = op.hard;
          } else
            o.budgets[op.scope] = {
              limit: op.limit,
              hard: op.hard,
              period_start: budgetPeriodStart(o, now),
              spent: 0,
              alerted: 0,
            };
        }),
      };
    }
  }
}

// ---------------------------------------------------------------------------------------
// Arbitraries.

export interface OrgSetup {
  tier: TierId;
  allocation?: number;
  rollover_cap?: number;
  overage_limit?: number;
}

export const orgSetupArb: fc.Arbitrary<OrgSetup> = fc.oneof(
  fc.constantFrom<OrgSetup>({ tier: 'free' }, { tier: 'basic' }, { tier: 'pro' }, { tier: 'business' }),
  fc.record({
    tier: fc.constant<TierId>('enterprise'),
    allocation: fc.integer({ min: 0, max: 120 }),
    rollover_cap: fc.integer({ min: 0, max: 150 }),
    overage_limit: fc.integer({ min: 0, max: 60 }),
  }),
);

/** Start instants chosen for their calendars: a month's 31st, a leap day, an ordinary day. */
export const startArb = fc.constantFrom(
  Date.UTC(2024, 0, 31, 10, 0, 0),
  Date.UTC(2024, 1, 29, 23, 59, 59),
  Date.UTC(2025, 2, 15, 12, 30, 0),
  Date.UTC(2025, 11, 31, 0, 0, 0),
);

const ORGS_MAX = 3;
const org = fc.nat({ max: ORGS_MAX - 1 });
const MINUTE_S = 60;
const DAY_S = 86_400;

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      seconds: fc.oneof(
        fc.integer({ min: 1, max: 3 * 3600 }),
        fc.integer({ min: DAY_S, max: 10 * DAY_S }),
        fc.integer({ min: 25 * DAY_S, max: 100 * DAY_S }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), org }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('adjust' as const),
      org,
      amount: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: -30, max: -1 })),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('hold' as const),
      org,
      amount: fc.integer({ min: 1, max: 60 }),
      ttl_seconds: fc.constantFrom(1, 5 * MINUTE_S, 3600, DAY_S, MAX_TTL_SECONDS),
      project: fc.boolean(),
      member: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('hold_to_period_end' as const),
      org,
      amount: fc.integer({ min: 1, max: 30 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('capture' as const),
      org,
      pick: fc.nat(),
      mode: fc.constantFrom('all' as const, 'part' as const, 'part' as const, 'over' as const),
      pct: fc.integer({ min: 0, max: 100 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), org, pick: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('consume' as const),
      org,
      operation: fc.constantFrom('720p', '1080p', '4k', '8k'),
      quantity: fc.integer({ min: 1, max: 4 }),
      project: fc.boolean(),
      member: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('change_tier' as const),
      org,
      tier: fc.constantFrom<TierId>(...TIERS),
      terms: fc.constant(null),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('change_tier' as const),
      org,
      // Contract terms: accepted on Enterprise, refused on any other tier.
      tier: fc.constantFrom<TierId>('enterprise', 'enterprise', 'enterprise', 'pro'),
      terms: fc.record(
        {
          allocation: fc.integer({ min: 0, max: 120 }),
          rollover_cap: fc.integer({ min: 0, max: 150 }),
          overage_limit: fc.integer({ min: 0, max: 60 }),
        },
        { requiredKeys: [] },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), org }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('purchase' as const),
      org,
      pack: fc.constantFrom(...Object.keys(PACKS)),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('complete' as const),
      org,
      pick: fc.nat(),
      payment: fc.nat({ max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refund' as const), org, pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('set_budget' as const),
      org,
      scope: fc.constantFrom<Scope>('project', 'member'),
      limit: fc.integer({ min: 0, max: 30 }),
      hard: fc.boolean(),
    }),
  },
);

// ---------------------------------------------------------------------------------------
// Running a sequence.

export interface World {
  now: number;
  orgs: ModelOrg[];
  /** When each org last ran a command: its numbers are compared as of then. */
  touched: number[];
  keys: number;
  steps: number;
}

export interface Real {
  ledger: LedgerLike;
  verifyEvery: number;
}

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') throw e; // not a refusal: a crash, let it surface
  return code;
}

async function attempt(
  r: LedgerLike,
  orgId: string,
  cmd: Command,
  now: number,
  key?: string,
): Promise<{ code: string | null; result: unknown }> {
  try {
    return { code: null, result: await r.run(orgId, cmd, now, key) };
  } catch (e) {
    return { code: codeOf(e), result: undefined };
  }
}

const show = (x: unknown) => JSON.stringify(x);

export async function checkWorld(m: World, real: Real, force = false) {
  const r = real.ledger;
  for (let i = 0; i < m.orgs.length; i++) {
    const o = m.orgs[i]!;
    const got = await r.numbers(o.id, m.touched[i]!);
    assert.deepEqual(got, numbersOf(o), `numbers of ${o.id} after step ${m.steps}`);
    if (r.bySource) assert.deepEqual(await r.bySource(o.id), bySourceOf(o), `credits by source of ${o.id}`);
  }
  if (force || m.steps % real.verifyEvery === 0) assert.deepEqual(await r.verify(), [], 'verify()');
  if (r.events) {
    const events = await r.events();
    for (const o of m.orgs) {
      const alerts = events.filter((e) => e.org_id === o.id && e.type === 'budget.threshold').length;
      assert.equal(alerts, o.alerts, `budget.threshold events of ${o.id}`);
    }
  }
}

export class Step implements fc.AsyncCommand<World, Real> {
  constructor(
    readonly op: Op,
    /** Also send it again under the same idempotency key, then reuse the key for another command. */
    readonly retry: boolean,
  ) {}

  check() {
    return true;
  }

  async run(m: World, real: Real) {
    m.steps += 1;
    const r = real.ledger;
    if (this.op.kind === 'advance') {
      m.now += this.op.seconds * 1000;
      return;
    }
    const i = this.op.org % m.orgs.length;
    const o = m.orgs[i]!;
    const now = m.now;
    advanceOrg(o, now);
    const { cmd, expect } = plan(o, this.op, now);
    const key = this.retry ? `k${++m.keys}` : undefined;
    const got = await attempt(r, o.id, cmd, now, key);
    m.touched[i] = now;
    assert.equal(got.code, expect.code, `${show(cmd)} on ${o.id} at ${new Date(now).toISOString()}`);
    if (expect.code === null) expect.commit(got.result);
    if (key !== undefined) {
      const again = await attempt(r, o.id, cmd, now, key);
      assert.equal(again.code, got.code, `replay of ${show(cmd)} under key ${key}`);
      assert.deepEqual(again.result, got.result, `replayed result of ${show(cmd)}`);
      const other: Command = cmd.type === 'tick' ? { type: 'cancel' } : { type: 'tick' };
      const reuse = await attempt(r, o.id, other, now, key);
      assert.equal(reuse.code, 'idempotency_key_reuse', `key ${key} reused for ${show(other)}`);
    }
    await checkWorld(m, real);
  }

  toString() {
    return `${show(this.op)}${this.retry ? ' (retried)' : ''}`;
  }
}

export const stepArb: fc.Arbitrary<Step> = fc
  .tuple(opArb, fc.nat({ max: 9 }))
  .map(([op, r]) => new Step(op, op.kind !== 'advance' && r === 9));

/**
 * Several operations sent at once, without waiting for one another, so a store's group
 * commit applies them in one batch (one transaction). One operation per org: each is
 * planned on the model before any answer is in, which is exact only when no operation of
 * the batch depends on another's result; the orgs are independent, so the model applies
 * them in any order.
 */
export class BatchStep implements fc.AsyncCommand<World, Real> {
  constructor(readonly ops: readonly Op[]) {}

  check() {
    return true;
  }

  async run(m: World, real: Real) {
    m.steps += 1;
    const now = m.now;
    const planned: { i: number; o: ModelOrg; cmd: Command; expect: Expectation }[] = [];
    for (const op of this.ops) {
      if (op.kind === 'advance') continue;
      const i = op.org % m.orgs.length;
      if (planned.some((p) => p.i === i)) continue;
      const o = m.orgs[i]!;
      advanceOrg(o, now);
      planned.push({ i, o, ...plan(o, op, now) });
    }
    const answers = await Promise.all(planned.map((p) => attempt(real.ledger, p.o.id, p.cmd, now)));
    planned.forEach((p, k) => {
      const got = answers[k]!;
      m.touched[p.i] = now;
      assert.equal(got.code, p.expect.code, `${show(p.cmd)} on ${p.o.id} in a batch of ${planned.length}`);
      if (p.expect.code === null) p.expect.commit(got.result);
    });
    await checkWorld(m, real);
  }

  toString() {
    return `batch ${this.ops.map((op) => show(op)).join(' + ')}`;
  }
}

export const batchStepArb: fc.Arbitrary<BatchStep> = fc
  .array(opArb, { minLength: 2, maxLength: ORGS_MAX })
  .map((ops) => new BatchStep(ops));

/** Creates the orgs (ids `org_<prefix><i>`), each with its owner and a project, in the ledger and the model. */
export async function setupWorld(
  ledger: LedgerLike,
  orgs: OrgSetup[],
  start: number,
  prefix = 'm',
): Promise<World> {
  const world: World = { now: start, orgs: [], touched: [], keys: 0, steps: 0 };
  for (let i = 0; i < orgs.length; i++) {
    const c: CreateOrg = { id: `org_${prefix}${i}`, name: `Model ${i}`, ...orgs[i]! };
    await ledger.createOrg(c, start);
    const project = await ledger.run(c.id, { type: 'add_project', name: 'Model project' }, start);
    // Every org may have its owner; budgets on members need a team tier.
    const owner = await ledger.run(
      c.id,
      { type: 'add_member', email: `owner${i}@model.test`, role: 'owner' },
      start,
    );
    world.orgs.push(newModelOrg(c, idOf(project), idOf(owner), start));
    world.touched.push(start);
  }
  return world;
}

export interface ModelTestOptions {
  numRuns?: number;
  maxCommands?: number;
  /** Run verify() after every n-th step (and at the end); 1 = every step. */
  verifyEvery?: number;
  seed?: number;
  path?: string;
  /** Org ids are `org_<prefix><run>x<i>`, unique across runs for ledgers sharing a database. */
  orgIdPrefix?: string;
}

/** The number of sequences to run: AMISI_PROPERTY_RUNS overrides the default. */
export function propertyRuns(fallback: number): number {
  const env = Number(process.env.AMISI_PROPERTY_RUNS);
  return Number.isInteger(env) && env > 0 ? env : fallback;
}

/**
 * Drives fresh ledgers from `makeLedger` with random sequences over three orgs of random
 * tiers, checking each against the model after every step. Throws (with fast-check's seed
 * and path, to replay) on the first disagreement.
 */
export async function runModelTest(
  makeLedger: () => MaybePromise<LedgerLike>,
  options: ModelTestOptions = {},
) {
  const verifyEvery = options.verifyEvery ?? 1;
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(orgSetupArb, { minLength: ORGS_MAX, maxLength: ORGS_MAX }),
      startArb,
      fc.commands([stepArb, stepArb, stepArb, batchStepArb], {
        maxCommands: options.maxCommands ?? 100,
        size: 'max',
      }),
      async (orgs, start, steps) => {
        const ledger = await makeLedger();
        run += 1;
        const prefix = `${options.orgIdPrefix ?? 'm'}${run.toString(36)}x`;
        let passed = false;
        try {
          const setup = async () => {
            const model = await setupWorld(ledger, orgs, start, prefix);
            const real: Real = { ledger, verifyEvery };
            await checkWorld(model, real, true);
            return { model, real };
          };
          const held: { world?: { model: World; real: Real } } = {};
          await fc.asyncModelRun(async () => {
            held.world = await setup();
            return held.world;
          }, steps);
          if (held.world) await checkWorld(held.world.model, held.world.real, true);
          passed = true;
        } finally {
          await ledger.close?.(passed);
        }
      },
    ),
    {
      numRuns: options.numRuns ?? propertyRuns(300),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.path !== undefined ? { path: options.path } : {}),
    },
  );
}
