/**
 * Core values → the API's shapes: snake_case fields, RFC 3339 UTC times, nothing internal
 * (journal postings, allocations, payment ids, key hashes) ever leaves through here.
 */

import { iso, isoOrNull, presentTxn as presentTxnView } from '../app/transaction-view.ts';
import { type ApiKey, unknownCursor } from '../app/vocabulary.ts';
import {
  type Budget,
  budgetHeld,
  type Grant,
  type Hold,
  type Member,
  type OrgState,
  type Project,
  type Purchase,
  rollBudget,
  type Subscription,
  type Transaction,
} from '../core/index.ts';
import type {
  ApiKeyT,
  BudgetT,
  GrantT,
  HoldT,
  MemberT,
  OrgT,
  ProjectT,
  PurchaseT,
  SubscriptionT,
  TransactionT,
} from './schemas.ts';

// The log's presentation is shared with the CLI's export: it lives in the app layer.
export { iso, isoOrNull };

export const presentOrg = (s: OrgState): OrgT => ({
  id: s.id,
  name: s.name,
  tier: s.subscription.tier,
  created_at: iso(s.created_at),
  closed_at: isoOrNull(s.closed_at ?? null),
});

export const presentSubscription = (sub: Subscription): SubscriptionT => ({
  tier: sub.tier,
  status: sub.past_due ? 'past_due' : sub.status,
  period_start: isoOrNull(sub.period_start),
  period_end: isoOrNull(sub.period_end),
  pending_tier: sub.pending_tier,
  cancel_at_period_end: sub.cancel_at_period_end,
});

/** A transaction as the API shows it (the same shape `amisi export --format json` prints). */
export const presentTxn = (t: Transaction): TransactionT => presentTxnView(t);

export const presentHold = (h: Hold): HoldT => ({
  id: h.id,
  amount: h.amount,
  status: h.status,
  captured: h.captured,
  member_id: h.member_id,
  project_id: h.project_id,
  created_at: iso(h.created_at),
  expires_at: iso(h.expires_at),
  resolved_at: isoOrNull(h.resolved_at),
});

export const presentGrant = (g: Grant): GrantT => ({
  id: g.id,
  source: g.source,
  amount: g.amount,
  remaining: g.remaining,
  granted_at: iso(g.granted_at),
  expires_at: isoOrNull(g.expires_at),
  closed_at: isoOrNull(g.closed_at),
  closed_reason: g.closed_reason,
  purchase_id: g.purchase_id ?? null,
});

export function presentPurchase(p: Purchase & { checkout_url?: string }): PurchaseT {
  const out: PurchaseT = {
    id: p.id,
    pack: p.pack,
    credits: p.credits,
    price: { amount: p.price.amount, currency: p.price.currency },
    status: p.status,
    revoked: p.revoked,
    created_at: iso(p.created_at),
    completed_at: isoOrNull(p.completed_at),
    refunded_at: isoOrNull(p.refunded_at),
  };
  if (p.checkout_url !== undefined) out.checkout_url = p.checkout_url;
  if (p.auto_topup) out.auto_topup = true;
  if (p.failure_reason !== undefined) out.failure_reason = p.failure_reason;
  return out;
}

export const presentMember = (m: Member): MemberT => ({
  id: m.id,
  email: m.email,
  role: m.role,
  created_at: iso(m.created_at),
});

export const presentProject = (p: Project): ProjectT => ({
  id: p.id,
  name: p.name,
  created_at: iso(p.created_at),
});

/** A budget as of `now`: a budget whose period has passed shows the new period, from zero. */
export function presentBudget(state: OrgState, b: Budget, now: number): BudgetT {
  const cur = structuredClone(b);
  rollBudget(state, cur, now);
  const held = budgetHeld(state, cur);
  return {
    id: cur.id,
    scope: cur.scope,
    scope_id: cur.scope_id,
    limit: cur.limit,
    enforcement: cur.enforcement,
    period_start: iso(cur.period_start),
    spent: cur.spent,
    held,
    remaining: Math.max(0, cur.limit - cur.spent - held),
  };
}

export const presentApiKey = (k: ApiKey): ApiKeyT => ({
  id: k.id,
  name: k.name,
  scopes: k.scopes,
  prefix: k.prefix,
  created_at: iso(k.created_at),
  revoked_at: isoOrNull(k.revoked_at),
});

/** What a state-held list is made of, for `paginate`. */
export interface ListOf<T> {
  /** What the list holds, in the words of its refusal of an unknown cursor: 'a hold of this org'. */
  item?: string;
  /**
   * The query's filter. The cursor is looked up in the whole list, not only in what the
   * filter keeps, as in the transaction log: an open hold captured between two pages of
   * `?status=open` still marks where the next page starts.
   */
  keep?: (x: T) => boolean;
}

/**
 * Cursor pagination over a list held in the org's state, newest first. A cursor that is no
 * item of the list is refused (`unknownCursor`), as by the store-backed lists.
 */
export function paginate<T extends { id: string }>(
  newestFirst: T[],
  limit: number,
  startingAfter: string | undefined,
  { item = 'an item of this list', keep }: ListOf<T> = {},
): { data: T[]; has_more: boolean; next_cursor: string | null } {
  let start = 0;
  if (startingAfter !== undefined) {
    const i = newestFirst.findIndex((x) => x.id === startingAfter);
    if (i < 0) throw unknownCursor(startingAfter, item);
    start = i + 1;
  }
  // The whole list is in memory already (it is the org's state): filtering the rest here
  // costs what filtering it before did.
  const rest = keep ? newestFirst.slice(start).filter(keep) : newestFirst.slice(start);
  const data = rest.slice(0, limit);
  const has_more = rest.length > limit;
  return { data, has_more, next_cursor: has_more ? data[data.length - 1]!.id : null };
}
