/**
 * Holds reserve credits before work starts: the credits leave their grants (so renewal
 * never counts them as unused) and wait in the hold. Capture charges what the work really
 * used and returns the rest; release returns everything; a hold left open past its expiry
 * is released automatically. `consume` is hold + capture in one step.
 */
import { recentHoldStatus } from './archive.ts';
import { chargeBudgets, checkBudgets } from './budgets.ts';
import { findOperation } from './catalog.ts';
import type { Ctx } from './context.ts';
import { draw } from './draw-order.ts';
import { DomainError, invalid, notFound } from './errors.ts';
import { recordLost, returnCredits, sourcesOf } from './grants.ts';
import { record } from './journal.ts';
import { type Hold, type HoldAllocation, nextId, type Usage } from './state.ts';
import { creditCount } from './wording.ts';

export const MAX_HOLD_TTL_SECONDS = 7 * 24 * 3600;
/**
 * Open holds one org may have at once. Open holds live in the org's state, which every
 * write of the org rewrites, so their number must be bounded; a thousand is far more than
 * any client keeps running at once (a generation batch is one hold). At the limit a new
 * hold is refused (`conflict`, with `open_holds` and `limit`) until one is captured,
 * released or expires; `consume` (hold and capture in one step) is never refused for it.
 */
export const MAX_OPEN_HOLDS = 1_000;

export interface HoldRequest {
  amount: number;
  ttl_seconds: number;
  member_id: string | null;
  project_id: string | null;
}

/** Refuses a new hold while the org has MAX_OPEN_HOLDS open. */
export function checkOpenHoldsLimit(ctx: Ctx) {
  let open = 0;
  for (const h of ctx.state.holds) if (h.status === 'open') open++;
  if (open >= MAX_OPEN_HOLDS)
    throw new DomainError(
      'conflict',
      `the org has ${open} open holds, the most it may have at once; capture or release one first`,
      { open_holds: open, limit: MAX_OPEN_HOLDS },
    );
}

export function createHold(ctx: Ctx, r: HoldRequest): Hold {
  // Whole seconds only: a NaN TTL would make a hold that never expires.
  if (!Number.isInteger(r.ttl_seconds) || r.ttl_seconds < 1 || r.ttl_seconds > MAX_HOLD_TTL_SECONDS)
    throw invalid(`ttl_seconds must be an integer from 1 to ${MAX_HOLD_TTL_SECONDS}`, {
      field: 'ttl_seconds',
    });
  checkBudgets(ctx, r.amount, r.member_id, r.project_id);
  const allocations = draw(ctx.state, r.amount, ctx.now);
  const hold: Hold = {
    id: nextId(ctx.state, 'hold'),
    amount: r.amount,
    allocations,
    status: 'open',
    created_at: ctx.now,
    expires_at: ctx.now + r.ttl_seconds * 1000,
    resolved_at: null,
    captured: 0,
    member_id: r.member_id,
    project_id: r.project_id,
  };
  ctx.state.holds.push(hold);
  ctx.txns.push(
    record(
      ctx.state,
      {
        type: 'hold',
        postings: allocations.flatMap((a) => [
          {
            account: a.grant_id === 'credit_line' ? 'credit_line' : `grant:${a.grant_id}`,
            amount: -a.amount,
          },
          { account: `hold:${hold.id}`, amount: a.amount },
        ]),
        sources: sourcesOf(ctx, allocations),
        hold_id: hold.id,
        description: `${creditCount(r.amount)} held`,
      },
      ctx.now,
    ),
  );
  return hold;
}

export function openHold(ctx: Ctx, id: string): Hold {
  const h = ctx.state.holds.find((x) => x.id === id);
  if (!h) {
    const status = recentHoldStatus(ctx.state, id);
    if (status === null) throw notFound('hold', id);
    throw new DomainError('hold_not_open', `hold ${id} is ${status}`, { hold_id: id, status });
  }
  if (h.status !== 'open')
    throw new DomainError('hold_not_open', `hold ${id} is ${h.status}`, { hold_id: id, status: h.status });
  return h;
}

/** Splits a hold's allocations: the first `amount` credits in draw order, and the rest. */
function split(allocations: HoldAllocation[], amount: number): [HoldAllocation[], HoldAllocation[]] {
  const charged: HoldAllocation[] = [];
  const rest: HoldAllocation[] = [];
  let left = amount;
  for (const a of allocations) {
    const n = Math.min(left, a.amount);
    if (n > 0) charged.push({ grant_id: a.grant_id, amount: n });
    if (a.amount - n > 0) rest.push({ grant_id: a.grant_id, amount: a.amount - n });
    left -= n;
  }
  return [charged, rest];
}

/**
 * A capture that states both the credits and the usage quantity must not contradict the
 * catalog: `amount` = quantity × the operation's price. Otherwise the log would say "two
 * 720p images" beside a charge of 3 credits, and no one could tell which figure is true.
 */
export function checkCapturePrice(ctx: Ctx, amount: number, usage: Usage) {
  const op = findOperation(ctx.catalog, usage.tool, usage.operation);
  if (!op) throw invalid(`unknown operation ${usage.tool}/${usage.operation}`, { field: 'operation' });
  const priced = op.credits * usage.quantity;
  if (priced !== amount)
    throw invalid(
      `amount ${amount} disagrees with quantity ${usage.quantity} × ${creditCount(op.credits)} (${usage.tool} ${usage.operation}) = ${priced}: give one of them, or make them agree`,
      { field: 'amount', amount, quantity: usage.quantity, price: op.credits, priced },
    );
}

/**
 * Charges `amount` of an open hold and returns the rest. A capture of 0 charged nothing:
 * it is recorded as what it is, a release (no 0-credit usage line in the log), and the
 * release transaction is returned.
 */
export function captureHold(ctx: Ctx, id: string, amount: number, usage: Usage) {
  const h = openHold(ctx, id);
  if (amount > h.amount)
    throw invalid(`cannot capture ${creditCount(amount)} from hold ${id} of ${h.amount}`, {
      field: 'amount',
      held: h.amount,
    });
  if (amount === 0) {
    releaseHold(ctx, id);
    return ctx.txns[ctx.txns.length - 1]!;
  }
  const [charged, rest] = split(h.allocations, amount);
  const account = `hold:${h.id}`;
  h.status = 'captured';
  h.captured = amount;
  h.resolved_at = ctx.now;
  const { back, lost, lostSources, lostCredits } = returnCredits(ctx, account, rest);
  chargeBudgets(ctx, amount, h.member_id, h.project_id);
  const txn = record(
    ctx.state,
    {
      type: 'usage',
      postings: [{ account, amount: -amount }, { account: 'usage', amount }, ...back],
      sources: sourcesOf(ctx, charged),
      usage: { ...usage, member_id: h.member_id, project_id: h.project_id },
      hold_id: h.id,
      description: describeUsage(usage, amount, h.amount),
      written_off_next: lostCredits,
    },
    ctx.now,
  );
  ctx.txns.push(txn);
  recordLost(ctx, lost, lostSources, h.id);
  return txn;
}

export function releaseHold(
  ctx: Ctx,
  id: string,
  status: 'released' | 'expired' = 'released',
  at = ctx.now,
): Hold {
  const h = status === 'released' ? openHold(ctx, id) : ctx.state.holds.find((x) => x.id === id)!;
  const account = `hold:${h.id}`;
  h.status = status;
  h.resolved_at = at;
  const { back, lost, lostSources, lostCredits } = returnCredits({ ...ctx, now: at }, account, h.allocations);
  ctx.txns.push(
    record(
      ctx.state,
      {
        type: 'release',
        postings: back,
        hold_id: h.id,
        description: `hold ${h.id} ${status}: ${creditCount(h.amount)} returned`,
        written_off_next: lostCredits,
      },
      at,
    ),
  );
  recordLost({ ...ctx, now: at }, lost, lostSources, h.id);
  return h;
}

/** Hold + capture in one step: the fast path of a charge whose price is known up front. */
export function consume(ctx: Ctx, amount: number, usage: Usage) {
  const member_id = usage.member_id ?? null;
  const project_id = usage.project_id ?? null;
  checkBudgets(ctx, amount, member_id, project_id);
  const allocations = draw(ctx.state, amount, ctx.now);
  chargeBudgets(ctx, amount, member_id, project_id);
  const txn = record(
    ctx.state,
    {
      type: 'usage',
      postings: [
        ...allocations.map((a) => ({
          account: a.grant_id === 'credit_line' ? 'credit_line' : `grant:${a.grant_id}`,
          amount: -a.amount,
        })),
        { account: 'usage', amount },
      ],
      sources: sourcesOf(ctx, allocations),
      usage: { ...usage, member_id, project_id },
      description: describeUsage(usage, amount, amount),
    },
    ctx.now,
  );
  ctx.txns.push(txn);
  return txn;
}

function describeUsage(u: Usage, charged: number, held: number): string {
  const what = `${u.tool} ${u.operation}${u.quantity > 1 ? ` ×${u.quantity}` : ''}`;
  return charged === held
    ? `${what}: ${creditCount(charged)}`
    : `${what}: ${charged} of ${held} held credits charged, ${held - charged} released`;
}
