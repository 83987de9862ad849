import { describe, expect, it } from 'vitest';
import { defaultCatalog, type TierId, tierOf } from '../catalog.ts';
import { costOfTier } from './option-cost.ts';

const terms = (id: TierId) => {
  const t = tierOf(defaultCatalog, id);
  return {
    id,
    name: t.name,
    allocation: t.recurring ? t.allocation : 0,
    rollover_cap: t.rollover_cap,
    price: t.price,
  };
};
/** Basic's price per period, read from the catalog (the shipped price is an example). */
const BASIC = tierOf(defaultCatalog, 'basic').price!.amount;
const cost = (id: TierId, used: number[]) => costOfTier(terms(id), used, defaultCatalog.packs, 'usd');

describe('what a tier would have cost', () => {
  it('charges the tier price each period and buys packs only for what the allocation misses', () => {
    const c = cost('basic', [25, 35]);
    // 25: 5 over → one 20-pack, 15 left; 35: 15 over, paid from the pack's rest.
    expect(c.packs.map((l) => [l.id, l.count])).toEqual([['pack_20', 1]]);
    expect(c.total).toEqual({ amount: 2 * BASIC + 999, currency: 'usd' });
    expect(c.subscription.amount).toBe(2 * BASIC);
    expect(c.example).toBe(true);
  });

  it('carries unused allocation up to the cap, so a quiet period pays for a busy one', () => {
    // 30: 10 over → a 20-pack (10 left); 10: 10 unused carry; 30: 20 + 10 carried.
    const c = cost('basic', [30, 10, 30]);
    expect(c.pack_credits).toBe(20);
    expect(c.total.amount).toBe(3 * BASIC + 999);
  });

  it('carries no more than the rollover cap', () => {
    // Basic caps at 40: three idle periods carry 20, 40, 40 — then 20 + 40 cover only 60 of 80.
    const c = cost('basic', [0, 0, 0, 80]);
    expect(c.pack_credits).toBe(20);
  });

  it('prices Free as packs alone, the rest of a pack serving later periods', () => {
    const c = cost('free', [3, 3, 3]);
    expect(c.total).toEqual({ amount: 999, currency: 'usd' });
    expect(c.subscription.amount).toBe(0);
    expect(c.example).toBe(false);
  });

  it('costs nothing over no periods', () => {
    expect(cost('pro', []).total.amount).toBe(0);
  });
});
