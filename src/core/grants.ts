/**
 * Grants are the buckets credits live in. Issuing one, returning credits to one, and
 * closing one (expiry by date, revocation by refund) all happen here, each as a journal
 * transaction so the balance can always be re-derived.
 */
import { type Ctx, emit } from './context.ts';
import { type Posting, record, type TxnSource, type TxnType } from './journal.ts';
import { CREDIT_LINE, type Grant, type GrantSource, type HoldAllocation, isLive, nextId } from './state.ts';
import { creditCount, plural } from './wording.ts';

export interface IssueOptions {
  source: GrantSource;
  amount: number;
  expires_at: number | null;
  type: TxnType;
  description: string;
  purchase_id?: string;
  at?: number;
  /** Where the credits came from when they are moved rather than newly issued (rollover). */
  sources?: TxnSource[];
}

export function issueGrant(ctx: Ctx, o: IssueOptions, extraPostings: Posting[] = []): Grant {
  const at = o.at ?? ctx.now;
  const grant: Grant = {
    id: nextId(ctx.state, 'grant'),
    source: o.source,
    amount: o.amount,
    remaining: o.amount,
    granted_at: at,
    expires_at: o.expires_at,
    closed_at: null,
    closed_reason: null,
  };
  if (o.purchase_id) grant.purchase_id = o.purchase_id;
  ctx.state.grants.push(grant);
  const postings: Posting[] = [...extraPostings, { account: `grant:${grant.id}`, amount: o.amount }];
  if (extraPostings.length === 0) postings.unshift({ account: `issued:${o.source}`, amount: -o.amount });
  postings.push(...repayCreditLine(ctx, grant));
  ctx.txns.push(
    record(
      ctx.state,
      {
        type: o.type,
        postings,
        sources: o.sources ?? [{ grant_id: grant.id, source: grant.source, amount: o.amount }],
        purchase_id: o.purchase_id ?? null,
        description: o.description,
      },
      at,
    ),
  );
  emit(ctx, 'credits.granted', { grant_id: grant.id, source: grant.source, amount: o.amount }, at);
  return grant;
}

/** New credits first pay back an Enterprise credit line in use: overage is a loan, not a gift. */
function repayCreditLine(ctx: Ctx, grant: Grant): Posting[] {
  // Credit-line credits still sitting in open holds may yet come back; only spent ones are owed.
  let held = 0;
  for (const h of ctx.state.holds)
    if (h.status === 'open') for (const a of h.allocations) if (a.grant_id === CREDIT_LINE) held += a.amount;
  const owed = ctx.state.overage_used - held;
  if (owed <= 0 || grant.remaining === 0) return [];
  const n = Math.min(owed, grant.remaining);
  grant.remaining -= n;
  ctx.state.overage_used -= n;
  return [
    { account: `grant:${grant.id}`, amount: -n },
    { account: CREDIT_LINE, amount: n },
  ];
}

export function grantById(ctx: Ctx, id: string): Grant {
  const g = ctx.state.grants.find((x) => x.id === id);
  if (!g) throw new Error(`invariant violated: grant ${id} missing`);
  return g;
}

export function sourcesOf(ctx: Ctx, allocations: HoldAllocation[]): TxnSource[] {
  return allocations.map((a) => ({
    grant_id: a.grant_id,
    source: a.grant_id === CREDIT_LINE ? 'credit_line' : grantById(ctx, a.grant_id).source,
    amount: a.amount,
  }));
}

/**
 * Puts held credits back where they came from. Credits whose grant has meanwhile expired
 * (or been revoked by a refund) are written off at this moment instead: postings for
 * those come back separately so the caller can log them as an expiry or refund.
 */
export function returnCredits(
  ctx: Ctx,
  from: string,
  allocations: HoldAllocation[],
): { back: Posting[]; lost: Posting[]; lostSources: TxnSource[]; lostCredits: number } {
  const back: Posting[] = [];
  const lost: Posting[] = [];
  const lostSources: TxnSource[] = [];
  let lostCredits = 0;
  for (const a of allocations) {
    if (a.amount === 0) continue;
    if (a.grant_id === CREDIT_LINE) {
      ctx.state.overage_used -= a.amount;
      back.push({ account: from, amount: -a.amount }, { account: CREDIT_LINE, amount: a.amount });
      continue;
    }
    const g = grantById(ctx, a.grant_id);
    if (isLive(g, ctx.now)) {
      g.remaining += a.amount;
      back.push({ account: from, amount: -a.amount }, { account: `grant:${g.id}`, amount: a.amount });
    } else {
      lost.push(
        { account: from, amount: -a.amount },
        { account: g.closed_reason === 'revoked' ? 'revoked' : 'expired', amount: a.amount },
      );
      lostSources.push({ grant_id: g.id, source: g.source, amount: a.amount });
      lostCredits += a.amount;
      // A refunded pack's credits that were sitting in a hold are revoked now: count them.
      if (g.closed_reason === 'revoked' && g.purchase_id) {
        const p = ctx.state.purchases.find((x) => x.id === g.purchase_id);
        if (p) p.revoked += a.amount;
      }
    }
  }
  return { back, lost, lostSources, lostCredits };
}

/** Writes off returned credits whose grant is gone, as its own visible log line. */
export function recordLost(ctx: Ctx, lost: Posting[], lostSources: TxnSource[], hold_id: string) {
  if (lost.length === 0) return;
  const n = lostSources.reduce((s, x) => s + x.amount, 0);
  const revoked = lost.some((p) => p.account === 'revoked');
  ctx.txns.push(
    record(
      ctx.state,
      {
        type: revoked ? 'refund' : 'expiry',
        postings: lost,
        sources: lostSources,
        hold_id,
        description: `${creditCount(n)} returned from hold ${hold_id} to a grant that ${revoked ? 'was refunded' : 'has expired'}`,
      },
      ctx.now,
    ),
  );
}

/** Closes a grant whose date has passed: what is left in it expires. */
export function expireGrant(ctx: Ctx, g: Grant, at: number) {
  const n = g.remaining;
  g.remaining = 0;
  g.closed_at = at;
  g.closed_reason = 'expired';
  if (n === 0) return;
  ctx.txns.push(
    record(
      ctx.state,
      {
        type: 'expiry',
        postings: [
          { account: `grant:${g.id}`, amount: -n },
          { account: 'expired', amount: n },
        ],
        sources: [{ grant_id: g.id, source: g.source, amount: n }],
        description: `${plural(n, `${g.source} credit`)} expired`,
      },
      at,
    ),
  );
  emit(ctx, 'credits.expired', { grant_id: g.id, source: g.source, amount: n }, at);
}
