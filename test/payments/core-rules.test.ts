/**
 * The core rules this feature added: auto top-up fires once per crossing and at most
 * monthly_max times per period; the low-balance alert fires once per crossing; a past-due
 * org's renewal withholds the allocation until it pays. Pure: the in-memory ledger.
 */
import { describe, expect, it } from 'vitest';
import {
  availableOf,
  type DomainEvent,
  defaultCatalog,
  MemoryLedger,
  type Purchase,
  verify,
} from '../../src/core/index.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 10);
const img = (operation: string, quantity = 1) => ({ tool: 'image.generate', operation, quantity });

function ledger(tier: 'free' | 'basic' | 'pro' = 'pro') {
  const l = new MemoryLedger(defaultCatalog);
  l.createOrg({ id: 'org_a', name: 'A', tier }, T0);
  return l;
}
const types = (l: MemoryLedger, prefix: string) =>
  l.events.filter((e: DomainEvent) => e.type.startsWith(prefix)).map((e) => e.type);

describe('auto top-up (core)', () => {
  it('requests one purchase per crossing and re-arms only once available is back at the threshold', () => {
    const l = ledger('pro'); // 50 credits
    l.run(
      'org_a',
      { type: 'set_auto_topup', enabled: true, threshold: 10, pack: 'pack_20', monthly_max: 3 },
      T0,
    );
    l.run('org_a', { type: 'consume', usage: img('8k', 10) }, T0 + 1); // 50 → 10: not below
    expect(types(l, 'auto_topup')).toEqual([]);
    l.run('org_a', { type: 'consume', usage: img('720p') }, T0 + 2); // 9: crosses
    l.run('org_a', { type: 'consume', usage: img('720p') }, T0 + 3); // 8: same dip
    expect(types(l, 'auto_topup')).toEqual(['auto_topup.requested']);
    const p = l.org('org_a').purchases.at(-1) as Purchase;
    expect(p).toMatchObject({ status: 'pending', auto_topup: true, pack: 'pack_20' });
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pi_1' }, T0 + 4);
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pi_1' }, T0 + 5);
    expect(types(l, 'auto_topup')).toEqual(['auto_topup.requested', 'auto_topup.succeeded']);
    expect(availableOf(l.org('org_a'), T0 + 5)).toBe(28);
    // 28 → 9 is a new crossing after the rise: fires again.
    l.run('org_a', { type: 'consume', usage: img('720p', 19) }, T0 + 6);
    expect(types(l, 'auto_topup').filter((t) => t === 'auto_topup.requested')).toHaveLength(2);
    expect(verify([...l.orgs.values()], l.journal)).toEqual([]);
  });

  it('a failed payment ends the purchase as failed and does not retry within the same dip', () => {
    const l = ledger('pro');
    l.run(
      'org_a',
      { type: 'set_auto_topup', enabled: true, threshold: 60, pack: 'pack_50', monthly_max: 5 },
      T0,
    );
    // Enabling below the threshold tops up at once.
    const p = l.org('org_a').purchases.at(-1) as Purchase;
    l.run('org_a', { type: 'purchase_fail', purchase_id: p.id, reason: 'card_declined' }, T0 + 1);
    l.run('org_a', { type: 'consume', usage: img('720p') }, T0 + 2);
    expect(types(l, 'auto_topup')).toEqual(['auto_topup.requested', 'auto_topup.failed']);
    expect(l.all('org_a').purchases.at(-1)).toMatchObject({
      status: 'failed',
      failure_reason: 'card_declined',
    });
  });

  it('stops at monthly_max per period and says so once per crossing', () => {
    const l = ledger('pro');
    l.run(
      'org_a',
      { type: 'set_auto_topup', enabled: true, threshold: 45, pack: 'pack_20', monthly_max: 1 },
      T0,
    );
    l.run('org_a', { type: 'consume', usage: img('8k', 2) }, T0 + 1); // 42: crosses
    const p = l.org('org_a').purchases.at(-1) as Purchase;
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pi_x' }, T0 + 2); // 62
    l.run('org_a', { type: 'consume', usage: img('8k', 5) }, T0 + 3); // 42: crosses again, max reached
    l.run('org_a', { type: 'consume', usage: img('720p') }, T0 + 4);
    const failed = l.events.filter((e) => e.type === 'auto_topup.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data.reason).toBe('monthly_maximum_reached');
    // The next billing period counts from zero: the renewal lifts available to 91 (re-arms)…
    const end = l.org('org_a').subscription.period_end!;
    l.run('org_a', { type: 'tick' }, end);
    l.run('org_a', { type: 'consume', usage: img('8k', 12) }, end + 1); // 91 − 48 = 43: crosses
    expect(types(l, 'auto_topup').filter((t) => t === 'auto_topup.requested')).toHaveLength(2);
  });
});

describe('low balance alert (core)', () => {
  it('fires once when available drops under 20% of the allocation and again only after a rise', () => {
    const l = ledger('basic'); // 20 credits: threshold 4
    l.run('org_a', { type: 'consume', usage: img('8k', 4) }, T0 + 1); // 4
    expect(types(l, 'credits.low')).toEqual([]);
    l.run('org_a', { type: 'consume', usage: img('720p') }, T0 + 2); // 3
    l.run('org_a', { type: 'consume', usage: img('720p') }, T0 + 3); // 2
    expect(types(l, 'credits.low')).toEqual(['credits.low_balance']);
    l.run('org_a', { type: 'purchase_create', pack: 'pack_20' }, T0 + 4);
    l.run(
      'org_a',
      { type: 'purchase_complete', purchase_id: l.org('org_a').purchases[0]!.id, payment_id: 'p' },
      T0 + 5,
    );
    l.run('org_a', { type: 'consume', usage: img('8k', 5) }, T0 + 6); // 22 → 2
    expect(types(l, 'credits.low')).toEqual(['credits.low_balance', 'credits.low_balance']);
    l.run('org_a', { type: 'set_alerts', low_balance_threshold: 0 }, T0 + 7);
    l.run('org_a', { type: 'consume', usage: img('720p', 2) }, T0 + 8); // 0: not below 0
    expect(types(l, 'credits.low')).toHaveLength(2);
  });
});

describe('past due (core)', () => {
  it('withholds the allocation at a renewal while past due and grants it when paid', () => {
    const l = ledger('basic');
    const end = l.org('org_a').subscription.period_end!;
    l.run('org_a', { type: 'set_past_due', past_due: true }, end - DAY);
    l.run('org_a', { type: 'set_past_due', past_due: true }, end - DAY); // a duplicate notice
    l.run('org_a', { type: 'tick' }, end + 1);
    const s = l.org('org_a');
    expect(availableOf(s, end + 1)).toBe(20); // 20 rolled over, no new 20
    expect(s.subscription).toMatchObject({ past_due: true, allocation_withheld: true });
    l.run('org_a', { type: 'set_past_due', past_due: false }, end + DAY);
    l.run('org_a', { type: 'set_past_due', past_due: false }, end + DAY);
    expect(availableOf(l.org('org_a'), end + DAY)).toBe(40);
    expect(types(l, 'subscription.p')).toEqual(['subscription.past_due', 'subscription.paid']);
    expect(verify([...l.orgs.values()], l.journal)).toEqual([]);
  });

  it('ignores past-due notices for an org on Free', () => {
    const l = ledger('free');
    l.run('org_a', { type: 'set_past_due', past_due: true }, T0 + 1);
    expect(l.org('org_a').subscription.past_due).toBeUndefined();
  });
});
