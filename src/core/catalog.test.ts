import { describe, expect, it } from 'vitest';
import { CatalogError, defaultCatalog, findOperation, parseCatalog, tierOf, tierRank } from './catalog.ts';
import { priceOf } from './ledger.ts';

const seed = () =>
  structuredClone(defaultCatalog) as unknown as Record<string, unknown> & {
    tiers: Record<string, unknown>[];
    packs: Record<string, unknown>[];
    tools: { operations: Record<string, unknown>[] }[];
  };

function pathOfError(input: unknown): string {
  try {
    parseCatalog(input);
  } catch (e) {
    if (e instanceof CatalogError) return e.path;
    throw e;
  }
  throw new Error('the catalog was accepted');
}

describe('catalog', () => {
  it("loads the seed's defaults: tiers, packs and resolutions", () => {
    const c = defaultCatalog;
    const tiers = Object.fromEntries(
      c.tiers.map((t) => [t.id, [t.allocation, t.rollover_cap, t.recurring, t.team]]),
    );
    expect(tiers).toEqual({
      free: [5, 0, false, false],
      basic: [20, 40, true, false],
      pro: [50, 100, true, true],
      business: [150, 300, true, true],
      enterprise: [500, 1000, true, true],
    });
    expect(c.packs.map((p) => [p.id, p.credits, p.price.amount])).toEqual([
      ['pack_20', 20, 999],
      ['pack_50', 50, 1999],
      ['pack_100', 100, 3499],
      ['pack_200', 200, 5999],
    ]);
    expect(c.currency).toBe('usd');
    expect(c.purchase_expiry_days).toBeNull();
    const ops = ['720p', '1080p', '4k', '8k'].map((op) => findOperation(c, 'image.generate', op)?.credits);
    expect(ops).toEqual([1, 2, 3, 4]);
  });

  it('marks the shipped tier prices as examples (the seed has none)', () => {
    for (const t of defaultCatalog.tiers.filter((x) => x.id !== 'free'))
      expect(t.price).toMatchObject({ example: true });
    expect(tierOf(defaultCatalog, 'free').price).toBeNull();
  });

  it('orders tiers as listed, so a later tier is an upgrade', () => {
    const rank = (id: Parameters<typeof tierRank>[1]) => tierRank(defaultCatalog, id);
    expect(rank('free') < rank('basic') && rank('basic') < rank('pro')).toBe(true);
    expect(rank('pro') < rank('business') && rank('business') < rank('enterprise')).toBe(true);
  });

  it('prices work from the catalog: 3 images at 4k and 2 at 720p cost 11 credits', () => {
    expect(
      priceOf(defaultCatalog, [
        { tool: 'image.generate', operation: '4k', quantity: 3 },
        { tool: 'image.generate', operation: '720p', quantity: 2 },
      ]),
    ).toBe(11);
    expect(() =>
      priceOf(defaultCatalog, [{ tool: 'image.generate', operation: '16k', quantity: 1 }]),
    ).toThrow(/unknown operation/);
    expect(() => priceOf(defaultCatalog, [{ tool: 'image.generate', operation: '4k', quantity: 0 }])).toThrow(
      /quantity/,
    );
  });

  it('accepts other tools and operations added in configuration', () => {
    const c = seed();
    c.tools.push({
      id: 'video.generate',
      operations: [{ id: '5s', params: { seconds: 5 }, credits: 10 }],
    } as never);
    const parsed = parseCatalog(c);
    expect(findOperation(parsed, 'video.generate', '5s')?.credits).toBe(10);
  });

  describe('refuses an invalid config with the path of the bad field', () => {
    const cases: [string, (c: ReturnType<typeof seed>) => void, string][] = [
      ['a negative allocation', (c) => (c.tiers[1]!.allocation = -1), '$.tiers[1].allocation'],
      ['a fractional allocation', (c) => (c.tiers[1]!.allocation = 2.5), '$.tiers[1].allocation'],
      ['a missing rollover cap', (c) => delete c.tiers[2]!.rollover_cap, '$.tiers[2].rollover_cap'],
      ['a recurring free tier', (c) => (c.tiers[0]!.recurring = true), '$.tiers[0].recurring'],
      ['an unknown tier id', (c) => (c.tiers[3]!.id = 'platinum'), '$.tiers[3].id'],
      ['a duplicate tier', (c) => (c.tiers[2]!.id = 'basic'), '$.tiers[2].id'],
      ['an unknown field', (c) => (c.tiers[1]!.bonus = 3), '$.tiers[1].bonus'],
      ['a pack of zero credits', (c) => (c.packs[0]!.credits = 0), '$.packs[0].credits'],
      [
        'a price in floats',
        (c) => ((c.packs[1]!.price as { amount: number }).amount = 19.99),
        '$.packs[1].price.amount',
      ],
      [
        'a price in another currency',
        (c) => ((c.packs[2]!.price as { currency: string }).currency = 'eur'),
        '$.packs[2].price.currency',
      ],
      [
        'an operation costing 0',
        (c) => (c.tools[0]!.operations[3]!.credits = 0),
        '$.tools[0].operations[3].credits',
      ],
      [
        'a duplicate operation',
        (c) => (c.tools[0]!.operations[1]!.id = '720p'),
        '$.tools[0].operations[1].id',
      ],
      ['no packs', (c) => (c.packs = []), '$.packs'],
      ['a purchase expiry of 0 days', (c) => (c.purchase_expiry_days = 0), '$.purchase_expiry_days'],
      ['no free tier', (c) => (c.tiers = c.tiers.slice(1)), '$.tiers'],
    ];
    for (const [what, mutate, path] of cases)
      it(`${what} → ${path}`, () => {
        const c = seed();
        mutate(c);
        expect(pathOfError(c)).toBe(path);
      });

    it('a document that is not an object → $', () => {
      expect(pathOfError([])).toBe('$');
      expect(pathOfError(null)).toBe('$');
    });
  });
});
