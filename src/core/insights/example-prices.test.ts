/**
 * The shipped example tier prices (config/catalog.json) are chosen so that the guide's
 * advice holds as a real product would price it: these tests are the reasons, in code.
 */
import { describe, expect, it } from 'vitest';
import { defaultCatalog, type TierId, tierOf } from '../catalog.ts';
import { cheaperPerCredit, pricePerCredit } from '../price-per-credit.ts';
import { costOfTier } from './option-cost.ts';

const paid = defaultCatalog.tiers.filter((t) => t.recurring);
const asOffer = (id: TierId) => {
  const t = tierOf(defaultCatalog, id);
  return { price: t.price!, credits: t.allocation };
};
const cost = (id: TierId, used: number[]) => {
  const t = tierOf(defaultCatalog, id);
  return costOfTier(
    { id, name: t.name, allocation: t.allocation, rollover_cap: t.rollover_cap, price: t.price },
    used,
    defaultCatalog.packs,
    defaultCatalog.currency,
  ).total.amount;
};

describe('the example tier prices', () => {
  it('make a subscription credit cheaper than any pack credit', () => {
    for (const t of paid)
      for (const p of defaultCatalog.packs)
        expect(cheaperPerCredit(asOffer(t.id), p), `${t.id} vs ${p.id}`).toBe(true);
  });

  it('make each higher tier cheaper per credit than the one below', () => {
    for (let i = 1; i < paid.length; i++)
      expect(cheaperPerCredit(asOffer(paid[i]!.id), asOffer(paid[i - 1]!.id)), paid[i]!.id).toBe(true);
  });

  it('make a sustained overage of 50% or more cheaper by upgrading than by packs, over 1 to 24 periods', () => {
    const spans = [1, 2, 3, 4, 5, 6, 12, 24];
    for (let i = 0; i + 1 < paid.length; i++) {
      const [t, next] = [paid[i]!, paid[i + 1]!];
      for (const over of [50, 75, 100])
        for (const n of spans) {
          const used = Array.from({ length: n }, () => Math.ceil((t.allocation * (100 + over)) / 100));
          expect(cost(next.id, used), `${t.id} ${over}% over for ${n} periods`).toBeLessThan(
            cost(t.id, used),
          );
        }
    }
  });

  it('keep an occasional small overage cheaper with packs once there are four periods to look at', () => {
    for (let i = 0; i + 1 < paid.length; i++) {
      const [t, next] = [paid[i]!, paid[i + 1]!];
      for (const n of [4, 6, 12, 24]) {
        const used = Array.from({ length: n }, (_, k) =>
          k === 1 ? Math.ceil(t.allocation * 1.2) : t.allocation,
        );
        expect(cost(t.id, used), `${t.id} for ${n} periods`).toBeLessThan(cost(next.id, used));
      }
    }
  });

  it('are marked as examples, and priced per credit exactly in thousandths of a cent', () => {
    for (const t of paid) expect(t.price).toMatchObject({ example: true });
    expect(pricePerCredit(asOffer('basic').price, 20)).toEqual({
      amount_milli: 25_000,
      currency: 'usd',
      display: '$0.25',
    });
    const p200 = defaultCatalog.packs.find((p) => p.id === 'pack_200')!;
    expect(pricePerCredit(p200.price, p200.credits)).toEqual({
      amount_milli: 29_995,
      currency: 'usd',
      display: '$0.29995',
    });
  });
});
