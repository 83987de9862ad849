import { describe, expect, it } from 'vitest';
import { type Catalog, defaultCatalog, type TierId, tierOf } from '../catalog.ts';
import { catalogWith } from '../test-helpers.ts';
import { type PeriodUsage, tierFit, typical } from './tier-fit.ts';

const MONTH = 30 * 86_400_000;

function periods(used: number[], forfeited: number[] = []): PeriodUsage[] {
  return used.map((u, i) => ({
    start: i * MONTH,
    end: (i + 1) * MONTH,
    used: u,
    forfeited: forfeited[i] ?? 0,
  }));
}

/**
 * The tier prices the project shipped before issue 16 ($9/$19/$49/$149): a subscription
 * credit cost more than a pack credit, so packs often beat the guide's upgrade. Kept here
 * to prove that money, not the rule of thumb, decides.
 */
const packsCheaper: Catalog = catalogWith({
  tiers: defaultCatalog.tiers.map((t) =>
    t.price
      ? {
          ...t,
          price: {
            ...t.price,
            amount: { basic: 900, pro: 1900, business: 4900, enterprise: 14900 }[t.id as 'basic'],
          },
        }
      : t,
  ),
});

function advise(
  tier: TierId,
  used: number[],
  forfeited: number[] = [],
  needs_team = false,
  catalog = defaultCatalog,
) {
  const t = tierOf(catalog, tier);
  return tierFit({
    catalog,
    tier,
    allocation: t.recurring ? t.allocation : 0,
    rollover_cap: t.rollover_cap,
    periods: periods(used, forfeited),
    needs_team,
  });
}

const packIds = (a: { packs?: { id: string; count: number }[] }) => a.packs?.map((l) => [l.id, l.count]);
const costOf = (a: ReturnType<typeof advise>, tier: TierId) => a.costs.find((c) => c.tier === tier)!;
const cheapestAmount = (a: ReturnType<typeof advise>) => Math.min(...a.costs.map((c) => c.amount.amount));
const advisedCost = (a: ReturnType<typeof advise>) =>
  (a.tier === undefined ? a.costs[0]! : costOf(a, a.tier)).amount.amount;

describe('tier fit', () => {
  it('takes the median as typical usage, rounding the middle pair up', () => {
    expect(typical([10, 30, 20])).toBe(20);
    expect(typical([10, 25, 28, 35])).toBe(27);
    expect(typical([])).toBe(0);
  });

  it('stays, with no cost rows, when there is no complete period to look at', () => {
    const a = advise('basic', []);
    expect(a.action).toBe('stay');
    expect(a.reason).toContain('no complete period');
    expect(a.costs).toEqual([]);
    expect(a.basis.cheapest).toBeNull();
  });

  it('advises buy_packs on Basic at 35 credits a month for four periods when packs are cheapest, and says the rule of thumb disagrees', () => {
    const a = advise('basic', [35, 35, 35, 35], [], false, packsCheaper);
    expect(a.action).toBe('buy_packs');
    expect(a.tier).toBeUndefined();
    expect(costOf(a, 'basic').amount.amount).toBe(4 * 900 + 3 * 999); // $65.97
    expect(costOf(a, 'pro').amount.amount).toBe(4 * 1900); // $76.00
    expect(a.basis.cheapest).toEqual({ option: 'buy_packs', tier: 'basic' });
    expect(a.rule_of_thumb).toMatchObject({ guideline: 'heavy_overage', suggests: 'upgrade', agrees: false });
    expect(a.basis.typical_overage_pct).toBe(75);
    expect(a.reason).toContain('You exceed the allocation of 20 by 75%');
    expect(a.reason).toContain(
      'but at your volume staying on Basic and buying packs is still $10.03 cheaper than Pro ($65.97 against $76.00)',
    );
    expect(packIds(a)).toEqual([['pack_20', 1]]); // a typical period's 15 over
  });

  it('never advises Enterprise to an org for which Pro with packs costs less', () => {
    // A Business team ≥50% over in every period: the rule of thumb says upgrade, to Enterprise.
    const a = advise('business', [240, 230, 235], [], true, packsCheaper);
    expect(costOf(a, 'pro').amount.amount).toBeLessThan(costOf(a, 'enterprise').amount.amount);
    expect(a.tier).not.toBe('enterprise');
    expect(a).toMatchObject({ action: 'downgrade', tier: 'pro', tier_name: 'Pro' });
    expect(costOf(a, 'pro').amount.amount).toBe(23_697); // the issue's $236.97
    expect(a.reason).toContain('Pro is still $210.03 cheaper than Enterprise ($236.97 against $447.00)');
  });

  it('upgrades when upgrading is cheapest, citing the guide’s 50% rule as the explanation', () => {
    const a = advise('basic', [35, 35, 35, 35]);
    expect(a).toMatchObject({ action: 'upgrade', tier: 'pro', tier_name: 'Pro' });
    expect(costOf(a, 'pro').amount.amount).toBe(4 * 800);
    expect(costOf(a, 'basic').amount.amount).toBe(4 * 500 + 3 * 999);
    expect(a.rule_of_thumb).toMatchObject({ guideline: 'heavy_overage', agrees: true });
    expect(a.reason).toContain(
      'Pro would have cost $32.00 (example tier prices) over the last 4 complete periods',
    );
    expect(a.reason).toContain('this is the guide’s rule of thumb');
  });

  it('names tiers by their names in reasons and details, not by their ids', () => {
    const a = advise('business', [40, 45, 50, 38], [0, 10, 30, 60]);
    expect(a.reason).toMatch(/Pro would have cost/);
    expect(a.reason).not.toMatch(/\b(pro|business|basic)\b/);
    for (const c of a.costs) expect(c.detail).toContain(c.tier_name);
  });

  it('shows what each option would have cost, the current tier first, with each tier’s price per credit', () => {
    const a = advise('basic', [35, 40, 32]);
    expect(a.costs.map((c) => c.tier)).toEqual(['basic', 'free', 'pro', 'business', 'enterprise']);
    expect(costOf(a, 'basic')).toMatchObject({ option: 'buy_packs', example: true });
    expect(costOf(a, 'basic').detail).toBe(
      'staying on Basic: $5.00 × 3 periods (example price) + 3 × pack_20 ($29.97) = $44.97',
    );
    expect(costOf(a, 'pro').price_per_credit).toEqual({
      amount_milli: 16_000,
      currency: 'usd',
      display: '$0.16',
    });
    expect(costOf(a, 'free').price_per_credit).toBeNull();
    expect(costOf(a, 'basic').packs[0]!.price_per_credit.display).toBe('$0.4995');
  });

  it('advises packs for a project spike when they cost least, citing the guide', () => {
    const a = advise('pro', [40, 45, 100, 42]);
    expect(a.action).toBe('buy_packs');
    expect(a.basis.spike).toBe(true);
    expect(a.rule_of_thumb).toMatchObject({ guideline: 'project_spike', agrees: true });
    expect(packIds(a)).toEqual([['pack_50', 1]]); // the busiest period's 50 over
    expect(a.reason).toContain('project spike');
  });

  it('says plainly when a spike is so large that the next tier would have cost less than packs', () => {
    const a = advise('pro', [40, 45, 160, 42]);
    expect(a).toMatchObject({ action: 'upgrade', tier: 'business' });
    expect(a.rule_of_thumb).toMatchObject({ guideline: 'project_spike', agrees: false });
    expect(a.reason).toContain('Business is still $6.99 cheaper than staying on Pro and buying packs');
  });

  it('leaves a mixed overage to the money, saying the rules of thumb do not settle it', () => {
    const a = advise('basic', [35, 25, 28, 10]);
    expect(a.basis).toMatchObject({ periods_over: 3, periods_over_50: 1, spike: false });
    expect(a.rule_of_thumb).toMatchObject({ guideline: 'mixed_overage', suggests: null, agrees: null });
    expect(advisedCost(a)).toBe(cheapestAmount(a));
    expect(a.reason).toContain('so the money decides');
  });

  it('advises a lower tier when credits are forfeited at renewal and it would have cost less', () => {
    const a = advise('business', [40, 45, 50, 38], [0, 10, 30, 60]);
    expect(a).toMatchObject({ action: 'downgrade', tier: 'pro' });
    expect(a.basis).toMatchObject({ periods_forfeiting: 3, forfeited: 100 });
    expect(costOf(a, 'business').amount.amount).toBe(4 * 1500);
    expect(a.rule_of_thumb).toMatchObject({ guideline: 'forfeiting', agrees: true });
  });

  it('only advises tiers with team access to an org that has a team', () => {
    const a = advise('business', [10, 10, 10], [50, 50, 50], true);
    expect(a.costs.map((c) => c.tier)).toEqual(['business', 'pro', 'enterprise']);
    expect(a.tier).toBe('pro');
  });

  it('stays when credits are forfeited but no lower tier would have cost less, and says the rule disagrees', () => {
    const a = advise('basic', [19, 19], [5, 5]); // Free with packs: two 20-packs, $19.98 > $10
    expect(a.action).toBe('stay');
    expect(a.rule_of_thumb).toMatchObject({ guideline: 'forfeiting', agrees: false });
    expect(a.reason).toContain('staying on Basic is still $9.98 cheaper than Free');
  });

  it('stays when usage fits the allocation and staying costs least', () => {
    const a = advise('pro', [40, 45, 30]);
    expect(a.action).toBe('stay');
    expect(a.reason).toContain('within the allocation of 50');
    expect(costOf(a, 'pro')).toMatchObject({ option: 'stay', packs: [] });
  });

  it('advises packs on Free when they would have cost least', () => {
    const a = advise('free', [3, 3, 3]);
    expect(a.action).toBe('buy_packs');
    expect(packIds(a)).toEqual([['pack_20', 1]]);
    expect(costOf(a, 'free').amount.amount).toBe(999);
    expect(a.rule_of_thumb).toMatchObject({ guideline: 'no_allocation', agrees: null });
  });

  it('advises the cheapest plan on Free when a plan would have cost less than packs', () => {
    const a = advise('free', [60, 70, 80]);
    expect(a.action).toBe('upgrade');
    expect(advisedCost(a)).toBe(cheapestAmount(a));
    expect(a.reason).toContain('less than staying on Free and buying packs');
  });

  it('stays on Free when nothing was used', () => {
    expect(advise('free', [0, 0]).action).toBe('stay');
  });

  it('judges an Enterprise org against its contract, not the catalog default', () => {
    const a = tierFit({
      catalog: defaultCatalog,
      tier: 'enterprise',
      allocation: 2000,
      rollover_cap: 0,
      periods: periods([1900, 2100, 1800]),
    });
    expect(a.basis.allocation).toBe(2000);
    expect(a.action).toBe('buy_packs'); // over once, by 100
    expect(packIds(a)).toEqual([['pack_100', 1]]);
  });
});
