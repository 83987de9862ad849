import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCatalog, type Pack } from '../catalog.ts';
import { cheapestPacks, EXACT_LIMIT } from './packs.ts';

const packs = defaultCatalog.packs; // 20 $9.99 · 50 $19.99 · 100 $34.99 · 200 $59.99
const plan = (need: number) => cheapestPacks(packs, need, 'usd');
const ids = (need: number) => plan(need).packs.map((l) => [l.id, l.count]);

/** Every combination of the seed's four packs that covers `need`, the cheapest price. */
function bruteForce(need: number): number {
  let best = Number.POSITIVE_INFINITY;
  const [a, b, c, d] = packs as [Pack, Pack, Pack, Pack];
  for (let i = 0; i <= Math.ceil(need / a.credits); i++)
    for (let j = 0; j <= Math.ceil(need / b.credits); j++)
      for (let k = 0; k <= Math.ceil(need / c.credits); k++)
        for (let l = 0; l <= Math.ceil(need / d.credits); l++) {
          const credits = i * a.credits + j * b.credits + k * c.credits + l * d.credits;
          if (credits < need) continue;
          const cents = i * a.price.amount + j * b.price.amount + k * c.price.amount + l * d.price.amount;
          if (cents < best) best = cents;
        }
  return best;
}

describe('cheapest pack combination', () => {
  it('buys nothing for nothing', () => {
    expect(plan(0)).toEqual({ packs: [], credits: 0, price: { amount: 0, currency: 'usd' } });
  });

  it('covers 30 credits with two 20-packs ($19.98), a cent under one 50-pack ($19.99)', () => {
    expect(ids(30)).toEqual([['pack_20', 2]]);
    expect(plan(30).price).toEqual({ amount: 1998, currency: 'usd' });
    expect(plan(30).credits).toBe(40);
  });

  it('covers 45 credits with one 50-pack rather than three 20-packs', () => {
    expect(ids(45)).toEqual([['pack_50', 1]]);
  });

  it('covers 150 credits with a 100-pack and a 50-pack ($54.98), cheaper than a 200-pack', () => {
    expect(ids(150)).toEqual([
      ['pack_50', 1],
      ['pack_100', 1],
    ]);
    expect(plan(150).price.amount).toBe(5498);
  });

  it('covers 160 credits with one 200-pack, cheaper than any exact mix', () => {
    expect(ids(160)).toEqual([['pack_200', 1]]);
  });

  it('never costs more than any combination that covers the need (brute force, up to 300 credits)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), (need) => {
        const p = plan(need);
        expect(p.credits).toBeGreaterThanOrEqual(need);
        expect(p.price.amount).toBe(bruteForce(need));
        expect(p.packs.reduce((s, l) => s + l.price.amount, 0)).toBe(p.price.amount);
      }),
      { numRuns: 150 },
    );
  });

  it('prefers the plan with fewer credits left over when two cost the same', () => {
    const tie: Pack[] = [
      { id: 'a', credits: 10, price: { amount: 500, currency: 'usd' } },
      { id: 'b', credits: 25, price: { amount: 1000, currency: 'usd' } },
    ];
    // 20 credits: two a (20 credits) or one b (25 credits), both $10.
    expect(cheapestPacks(tie, 20, 'usd').packs.map((l) => l.id)).toEqual(['a']);
  });

  it('buys the bulk of a very large need in the cheapest pack per credit, staying within its bound', () => {
    const p = plan(EXACT_LIMIT * 2 + 5);
    expect(p.credits).toBeGreaterThanOrEqual(EXACT_LIMIT * 2 + 5);
    expect(p.packs.find((l) => l.id === 'pack_200')!.count).toBeGreaterThanOrEqual(100);
    expect(p.credits - (EXACT_LIMIT * 2 + 5)).toBeLessThan(200);
  });
});
