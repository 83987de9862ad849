/**
 * Operator adjustments: a positive one is a never-expiring `adjustment` grant; a negative
 * one takes credits back in draw order, never more than the org has available (an
 * adjustment is a correction, not a way to put an org into debt).
 */
import type { Ctx } from './context.ts';
import { draw } from './draw-order.ts';
import { insufficientCredits, invalid } from './errors.ts';
import { issueGrant, sourcesOf } from './grants.ts';
import { record, type Transaction } from './journal.ts';
import { availableOf } from './state.ts';

export function adjust(ctx: Ctx, amount: number, reason: string): Transaction {
  if (amount === 0) throw invalid('amount must not be zero', { field: 'amount' });
  if (amount > 0) {
    issueGrant(ctx, {
      source: 'adjustment',
      amount,
      expires_at: null,
      type: 'adjustment',
      description: reason,
    });
    return ctx.txns[ctx.txns.length - 1]!;
  }
  const n = -amount;
  const available = availableOf(ctx.state, ctx.now);
  if (n > available) throw insufficientCredits(Math.max(0, available), n);
  const allocations = draw(ctx.state, n, ctx.now);
  const txn = record(
    ctx.state,
    {
      type: 'adjustment',
      postings: [
        ...allocations.map((a) => ({ account: `grant:${a.grant_id}`, amount: -a.amount })),
        { account: 'adjustment', amount: n },
      ],
      sources: sourcesOf(ctx, allocations),
      description: reason,
    },
    ctx.now,
  );
  ctx.txns.push(txn);
  return txn;
}
