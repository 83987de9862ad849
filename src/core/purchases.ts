/**
 * Pack purchases. A purchase is pending until the payment provider confirms it; the first
 * confirmation issues one purchase grant, and every later one for the same payment changes
 * nothing. A refund revokes only what is left of that grant: credits already spent stay
 * spent, and credits sitting in an open hold are revoked when the hold lets them go.
 */
import { findPack } from './catalog.ts';
import { type Ctx, emit } from './context.ts';
import { DomainError, invalid, notFound } from './errors.ts';
import { issueGrant } from './grants.ts';
import { record } from './journal.ts';
import { isLive, nextId, type Purchase } from './state.ts';

export function createPurchase(ctx: Ctx, packId: string): Purchase {
  const pack = findPack(ctx.catalog, packId);
  if (!pack) throw invalid(`unknown pack ${packId}`, { field: 'pack', pack: packId });
  const p: Purchase = {
    id: nextId(ctx.state, 'pur'),
    pack: pack.id,
    credits: pack.credits,
    price: { ...pack.price },
    status: 'pending',
    payment_id: null,
    grant_id: null,
    revoked: 0,
    created_at: ctx.now,
    completed_at: null,
    refunded_at: null,
  };
  ctx.state.purchases.push(p);
  return p;
}

export function findPurchase(ctx: Ctx, id: string): Purchase {
  const p = ctx.state.purchases.find((x) => x.id === id);
  if (!p) throw notFound('purchase', id);
  return p;
}

export function completePurchase(ctx: Ctx, id: string, payment_id: string): Purchase {
  const p = findPurchase(ctx, id);
  if (p.status !== 'pending') {
    if (p.payment_id === payment_id) return p; // the same confirmation again: already fulfilled
    throw new DomainError('conflict', `purchase ${id} was already paid by another payment`);
  }
  const other = ctx.state.purchases.find((x) => x.payment_id === payment_id);
  if (other)
    throw new DomainError('conflict', `payment ${payment_id} already fulfilled purchase ${other.id}`);
  const days = ctx.catalog.purchase_expiry_days;
  const grant = issueGrant(ctx, {
    source: 'purchase',
    amount: p.credits,
    expires_at: days === null ? null : ctx.now + days * 86_400_000,
    type: 'purchase',
    description: `${p.pack}: ${p.credits} credits purchased`,
    purchase_id: p.id,
  });
  p.status = 'completed';
  p.payment_id = payment_id;
  p.grant_id = grant.id;
  p.completed_at = ctx.now;
  emit(ctx, 'purchase.completed', { purchase_id: p.id, pack: p.pack, credits: p.credits, price: p.price });
  return p;
}

export function refundPurchase(ctx: Ctx, id: string): Purchase {
  const p = findPurchase(ctx, id);
  if (p.status === 'refunded') return p;
  if (p.status !== 'completed' || p.grant_id === null)
    throw new DomainError('purchase_not_refundable', `purchase ${id} is ${p.status}, not completed`);
  const g = ctx.state.grants.find((x) => x.id === p.grant_id);
  if (!g) throw new Error(`invariant violated: grant of purchase ${id} missing`);
  const n = isLive(g, ctx.now) ? g.remaining : 0;
  g.remaining -= n;
  // A grant that already expired keeps that on record: the refund found nothing left to revoke.
  if (g.closed_at === null) {
    g.closed_at = ctx.now;
    g.closed_reason = 'revoked';
  }
  p.status = 'refunded';
  p.revoked = n;
  p.refunded_at = ctx.now;
  if (n > 0)
    ctx.txns.push(
      record(
        ctx.state,
        {
          type: 'refund',
          postings: [
            { account: `grant:${g.id}`, amount: -n },
            { account: 'revoked', amount: n },
          ],
          sources: [{ grant_id: g.id, source: g.source, amount: n }],
          purchase_id: p.id,
          description: `${p.pack} refunded: ${n} unspent of ${p.credits} credits revoked`,
        },
        ctx.now,
      ),
    );
  emit(ctx, 'purchase.refunded', { purchase_id: p.id, revoked: n });
  return p;
}
