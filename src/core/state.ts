/**
 * The state of one org: a plain JSON-serialisable value. Times are epoch milliseconds.
 * Everything a rule needs to decide is here; history (the journal) is output, not state.
 */
import type { Money, TierId } from './catalog.ts';

export const GRANT_SOURCES = ['free', 'subscription', 'rollover', 'purchase', 'adjustment'] as const;
export type GrantSource = (typeof GRANT_SOURCES)[number];

export interface Grant {
  id: string;
  source: GrantSource;
  amount: number;
  /** Credits still in the grant; credits moved into an open hold are not counted here. */
  remaining: number;
  granted_at: number;
  expires_at: number | null;
  /** Set when the grant stops counting (expired at renewal or by date, or revoked by a refund). */
  closed_at: number | null;
  closed_reason: 'expired' | 'revoked' | null;
  purchase_id?: string;
}

/** The pseudo-grant of an Enterprise credit line (overage), drawn after every real grant. */
export const CREDIT_LINE = 'credit_line';

export interface HoldAllocation {
  grant_id: string;
  amount: number;
}

export type HoldStatus = 'open' | 'captured' | 'released' | 'expired';

export interface Hold {
  id: string;
  amount: number;
  /** Which grants the held credits came from, in draw order (capture charges from the front). */
  allocations: HoldAllocation[];
  status: HoldStatus;
  created_at: number;
  expires_at: number;
  resolved_at: number | null;
  captured: number;
  member_id: string | null;
  project_id: string | null;
}

export interface Subscription {
  tier: TierId;
  status: 'active' | 'none';
  /** Start of period 0 of the current subscription; null on Free. */
  anchor: number | null;
  period_index: number;
  period_start: number | null;
  period_end: number | null;
  pending_tier: TierId | null;
  cancel_at_period_end: boolean;
  /** Enterprise contract terms (null = the catalog's defaults). */
  custom_allocation: number | null;
  custom_rollover_cap: number | null;
  overage_limit: number;
  /** The payment provider reports the subscription unpaid: renewals withhold the allocation. */
  past_due?: boolean;
  /** This period's allocation was withheld because the org was past due at its renewal. */
  allocation_withheld?: boolean;
}

export type BudgetScope = 'member' | 'project';
export type Enforcement = 'hard' | 'soft';

export interface Budget {
  id: string;
  scope: BudgetScope;
  scope_id: string;
  limit: number;
  enforcement: Enforcement;
  /** Start of the billing period that `spent` counts; a new period starts from zero. */
  period_start: number;
  spent: number;
  /** Highest threshold (80, 100) already reported this period, so each crossing fires once. */
  alerted: number;
}

export interface Purchase {
  id: string;
  pack: string;
  credits: number;
  price: Money;
  status: 'pending' | 'completed' | 'refunded' | 'failed';
  payment_id: string | null;
  grant_id: string | null;
  revoked: number;
  created_at: number;
  completed_at: number | null;
  refunded_at: number | null;
  /** Bought by auto top-up rather than by a person. */
  auto_topup?: boolean;
  /** Why the payment failed (status `failed`). */
  failure_reason?: string;
}

export type Role = 'owner' | 'admin' | 'member';

export interface Member {
  id: string;
  email: string;
  role: Role;
  created_at: number;
}

export interface Project {
  id: string;
  name: string;
  created_at: number;
}

export interface OrgState {
  id: string;
  name: string;
  created_at: number;
  /** One counter for every id minted in this org, so ids sort in creation order. */
  seq: number;
  free_granted: boolean;
  /** Credits drawn from the Enterprise credit line and not yet repaid by a new grant. */
  overage_used: number;
  subscription: Subscription;
  grants: Grant[];
  /** Open holds; resolved ones leave the state (archive.ts). */
  holds: Hold[];
  /** `"<hold id> <status>"` of the last few resolved holds, so a late capture gets `hold_not_open`. */
  recent_holds?: string[];
  budgets: Budget[];
  purchases: Purchase[];
  /** People spending from the pool; only tiers with team access may have more than an owner. */
  members: Member[];
  projects: Project[];
  /** Buy a pack when `available` drops under a threshold (see auto-topup.ts); absent = off. */
  auto_topup?: AutoTopup | null;
  /** Low-balance alert settings and whether the alert is armed (see alerts.ts); absent = defaults. */
  alerts?: AlertState;
  /** When its owner closed the org (see closing.ts); absent or null = open. */
  closed_at?: number | null;
}

export interface AutoTopup {
  enabled: boolean;
  /** Fires when `available` drops below this many credits. */
  threshold: number;
  pack: string;
  /** At most this many top-ups per billing period (calendar month without one). */
  monthly_max: number;
  /** False after a crossing fired, until `available` is back at or above the threshold. */
  armed: boolean;
  /** Start of the period `count` counts. */
  period_start: number;
  count: number;
  /** The purchase waiting for the payment provider, if any. */
  pending_purchase_id: string | null;
}

export interface AlertState {
  /** null = the default: 20% of the tier's allocation, at least 1 credit. */
  low_balance_threshold: number | null;
  low_balance_armed: boolean;
}

export interface Usage {
  tool: string;
  operation: string;
  quantity: number;
  params?: Record<string, string | number>;
  member_id?: string | null;
  project_id?: string | null;
  job_id?: string | null;
  metadata?: Record<string, string | number | boolean | null>;
}

/**
 * The org sequence number an id ends in (base 36, written by `nextId`): the order of an
 * org's transactions, grants, holds and purchases, and the log's cursor. Null when the id
 * does not end in one.
 */
export function seqOf(id: string): number | null {
  const m = /_([0-9a-z]{1,12})$/.exec(id);
  if (!m) return null;
  const n = Number.parseInt(m[1]!, 36);
  return Number.isSafeInteger(n) ? n : null;
}

export function nextId(state: OrgState, prefix: string): string {
  state.seq += 1;
  return `${prefix}_${state.id.replace(/^org_/, '')}_${state.seq.toString(36).padStart(6, '0')}`;
}

export const isLive = (g: Grant, now: number) =>
  g.closed_at === null && (g.expires_at === null || g.expires_at > now);

/** Credits not yet spent and not expired, including held ones, less any credit line used. */
export function balanceOf(state: OrgState): number {
  let sum = 0;
  for (const g of state.grants) if (g.closed_at === null) sum += g.remaining;
  return sum + heldOf(state) - state.overage_used;
}

export function heldOf(state: OrgState): number {
  let sum = 0;
  for (const h of state.holds) if (h.status === 'open') sum += h.amount;
  return sum;
}

export function availableOf(state: OrgState, now: number): number {
  let sum = 0;
  for (const g of state.grants) if (isLive(g, now)) sum += g.remaining;
  return sum - state.overage_used;
}
