import { describe, expect, it } from 'vitest';
import type { Hold, Purchase } from './state.ts';
import {
  at,
  bySource,
  catalogWith,
  DAY,
  image,
  lastTxn,
  ledgerWith,
  log,
  numbers,
  openGrants,
  refusal,
} from './test-helpers.ts';

const t0 = at('2025-03-01T12:00');

function buy(pack = 'pack_20', tier: 'free' | 'basic' = 'basic') {
  const l = ledgerWith(tier, t0);
  const p = l.run<Purchase>('org_a', { type: 'purchase_create', pack }, t0);
  return { l, p };
}

describe('purchases', () => {
  it('is pending, with no credits, until the payment provider confirms it', () => {
    const { l, p } = buy('pack_50');
    expect(p).toMatchObject({ status: 'pending', credits: 50, price: { amount: 1999, currency: 'usd' } });
    expect(numbers(l, t0).balance).toBe(20);
    const done = l.run<Purchase>(
      'org_a',
      { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' },
      t0,
    );
    expect(done).toMatchObject({ status: 'completed', payment_id: 'pay_1', completed_at: t0 });
    expect(bySource(l).purchase).toBe(50);
    expect(lastTxn(l)).toMatchObject({ type: 'purchase', amount: 50, balance_after: 70, purchase_id: p.id });
  });

  it('issues one grant per payment, however often the confirmation arrives', () => {
    const { l, p } = buy();
    for (let i = 0; i < 3; i++)
      l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, t0 + i * 1000);
    expect(openGrants(l, 'org_a', 'purchase')).toHaveLength(1);
    expect(log(l).filter((t) => t.type === 'purchase')).toHaveLength(1);
    expect(numbers(l, t0 + 2000).balance).toBe(40);
  });

  it('refuses to complete a purchase already paid by another payment with conflict', () => {
    const { l, p } = buy();
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, t0);
    const e = refusal(() =>
      l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_2' }, t0),
    );
    expect(e.code).toBe('conflict');
    expect(numbers(l, t0).balance).toBe(40);
  });

  it('refuses to fulfil a second purchase with a payment that already fulfilled one', () => {
    const { l, p } = buy();
    const q = l.run<Purchase>('org_a', { type: 'purchase_create', pack: 'pack_20' }, t0);
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, t0);
    const e = refusal(() =>
      l.run('org_a', { type: 'purchase_complete', purchase_id: q.id, payment_id: 'pay_1' }, t0),
    );
    expect(e.code).toBe('conflict');
    expect(l.org('org_a').purchases.find((x) => x.id === q.id)?.status).toBe('pending');
  });

  it('refuses an unknown pack', () => {
    const l = ledgerWith('basic', t0);
    expect(refusal(() => l.run('org_a', { type: 'purchase_create', pack: 'pack_7' }, t0)).code).toBe(
      'validation_failed',
    );
  });

  it('revokes only the unspent remainder on a refund after partial spending', () => {
    const { l, p } = buy();
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, t0);
    // 25 credits: the 20 of the subscription first, then 5 of the pack.
    l.run('org_a', { type: 'consume', amount: 25, usage: image('720p', 25) }, t0 + 1);
    const r = l.run<Purchase>('org_a', { type: 'purchase_refund', purchase_id: p.id }, t0 + 2);
    expect(r).toMatchObject({ status: 'refunded', revoked: 15, refunded_at: t0 + 2 });
    expect(lastTxn(l)).toMatchObject({ type: 'refund', amount: -15, balance_after: 0, purchase_id: p.id });
    expect(numbers(l, t0 + 2).balance).toBe(0);
    expect(l.verify()).toEqual([]);
  });

  it('changes nothing when refunded twice', () => {
    const { l, p } = buy();
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, t0);
    l.run('org_a', { type: 'purchase_refund', purchase_id: p.id }, t0 + 1);
    const state = structuredClone(l.org('org_a'));
    const n = l.journal.length;
    const again = l.run<Purchase>('org_a', { type: 'purchase_refund', purchase_id: p.id }, t0 + 2);
    expect(again).toMatchObject({ status: 'refunded', revoked: 20 });
    expect(l.org('org_a')).toEqual(state);
    expect(l.journal).toHaveLength(n);
  });

  it('does not grant credits for a confirmation that arrives after the refund', () => {
    const { l, p } = buy();
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, t0);
    l.run('org_a', { type: 'purchase_refund', purchase_id: p.id }, t0 + 1);
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, t0 + 2);
    expect(numbers(l, t0 + 2).balance).toBe(20);
  });

  it('refuses to refund a purchase that was never paid with purchase_not_refundable', () => {
    const { l, p } = buy();
    expect(refusal(() => l.run('org_a', { type: 'purchase_refund', purchase_id: p.id }, t0)).code).toBe(
      'purchase_not_refundable',
    );
  });

  it('revokes credits of a refunded pack that sat in a hold when the hold returns them', () => {
    const { l, p } = buy('pack_20', 'free');
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, t0);
    const h = l.run<Hold>('org_a', { type: 'hold', amount: 15, ttl_seconds: 600 }, t0); // 5 free + 10 purchase
    l.run('org_a', { type: 'purchase_refund', purchase_id: p.id }, t0 + 1); // revokes the 10 not held
    expect(numbers(l, t0 + 1)).toEqual({ balance: 15, held: 15, available: 0 });
    l.run('org_a', { type: 'capture', hold_id: h.id, amount: 7, usage: image('720p', 7) }, t0 + 2);
    // 5 free + 2 purchase charged; the 8 purchase credits the hold gave back are revoked.
    expect(
      log(l)
        .slice(-2)
        .map((t) => [t.type, t.amount, t.balance_after]),
    ).toEqual([
      ['usage', -7, 8],
      ['refund', -8, 0],
    ]);
    expect(numbers(l, t0 + 2)).toEqual({ balance: 0, held: 0, available: 0 });
    expect(l.all('org_a').purchases[0]).toMatchObject({ status: 'refunded', revoked: 18 });
    expect(l.verify()).toEqual([]);
  });

  it('never expires purchased credits by default; an operator may configure an expiry', () => {
    const { l, p } = buy('pack_20', 'free');
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, t0);
    l.run('org_a', { type: 'tick' }, t0 + 3650 * DAY);
    expect(bySource(l).purchase).toBe(20);

    const e = ledgerWith('free', t0, {}, catalogWith({ purchase_expiry_days: 30 }));
    const q = e.run<Purchase>('org_a', { type: 'purchase_create', pack: 'pack_20' }, t0);
    e.run('org_a', { type: 'purchase_complete', purchase_id: q.id, payment_id: 'pay_1' }, t0);
    e.run('org_a', { type: 'tick' }, t0 + 30 * DAY - 1);
    expect(bySource(e).purchase).toBe(20);
    e.run('org_a', { type: 'tick' }, t0 + 30 * DAY);
    expect(bySource(e).purchase).toBe(0);
    expect(lastTxn(e)).toMatchObject({ type: 'expiry', amount: -20, created_at: t0 + 30 * DAY });
    expect(lastTxn(e).description).toBe('20 purchase credits expired');
  });

  it('says "1 purchase credit expired", not "1 purchase credits", when one credit of a pack expires', () => {
    const l = ledgerWith('free', t0, {}, catalogWith({ purchase_expiry_days: 1 }));
    const p = l.run<Purchase>('org_a', { type: 'purchase_create', pack: 'pack_20' }, t0);
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, t0);
    l.run('org_a', { type: 'consume', amount: 19, usage: image('720p', 19) }, t0); // the pack is drawn first
    l.run('org_a', { type: 'tick' }, t0 + DAY);
    expect(lastTxn(l)).toMatchObject({
      type: 'expiry',
      amount: -1,
      description: '1 purchase credit expired',
    });
  });
});

describe('purchases with an expiry', () => {
  it('revokes nothing when a pack is refunded after its credits expired, and keeps the expiry on record', () => {
    const l = ledgerWith('free', t0, {}, catalogWith({ purchase_expiry_days: 1 }));
    const p = l.run<Purchase>('org_a', { type: 'purchase_create', pack: 'pack_20' }, t0);
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, t0);
    l.run('org_a', { type: 'consume', amount: 5, usage: image('720p', 5) }, t0); // the pack expires first: drawn first
    l.run('org_a', { type: 'tick' }, t0 + DAY); // 15 expire
    const r = l.run<Purchase>('org_a', { type: 'purchase_refund', purchase_id: p.id }, t0 + 2 * DAY);
    expect(r).toMatchObject({ status: 'refunded', revoked: 0 });
    expect(openGrants(l, 'org_a', 'purchase')).toEqual([]);
    const g = l.all('org_a').grants.find((x) => x.purchase_id === p.id)!;
    expect(g).toMatchObject({ closed_reason: 'expired', closed_at: t0 + DAY });
    expect(numbers(l, t0 + 2 * DAY).balance).toBe(5);
  });
});
