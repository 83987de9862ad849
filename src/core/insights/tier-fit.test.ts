import { describe, expect, it } from 'vitest';
import { defaultCatalog, type TierId, tierOf } from '../catalog.ts';
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

function advise(tier: TierId, used: number[], forfeited: number[] = [], needs_team = false) {
  const t = tierOf(defaultCatalog, tier);
  return tierFit({
    catalog: defaultCatalog,
    tier,
    allocation: t.recurring ? t.allocation : 0,
    rollover_cap: t.rollover_cap,
    periods: periods(used, forfeited),
    needs_team,
  });
}

const packIds = (a: { packs?: { id: string; count: number }[] }) => a.packs?.map((l) => [l.id, l.count]);
const costOf = (a: ReturnType<typeof advise>, tier: TierId) => a.costs.find((c) => c.tier === tier)!;

describe('tier fit', () => {
  it('takes the median as typical usage, rounding the middle pair up', () => {
    expect(typical([10, 30, 20])).toBe(20);
    expect(typical([10, 25, 28, 35])).toBe(27);
    expect(typical([])).toBe(0);
  });

  it('stays when there is no complete period to look at', () => {
    const a = advise('basic', []);
    expect(a.action).toBe('stay');
    expect(a.reason).toContain('no complete period');
    expect(a.basis.cheapest).toBeNull();
  });

  it('advises an upgrade when usage is ≥50% over the allocation in most periods, to the lowest tier covering typical usage', () => {
    const a = advise('basic', [35, 40, 32]); // Basic gives 20; all three ≥ 30
    expect(a.action).toBe('upgrade');
    expect(a.tier).toBe('pro'); // 50 ≥ typical 35; Business would be more than needed
    expect(a.basis).toMatchObject({ periods: 3, periods_over_50: 3, typical_usage: 35 });
    expect(a.reason).toContain('at least 50% over the allocation of 20 in 3 of the last 3 complete periods');
  });

  it('counts exactly 50% over as heavy, and one credit less as not', () => {
    expect(advise('basic', [30, 30, 10]).action).toBe('upgrade'); // 30 = 1.5 × 20
    expect(advise('basic', [29, 29, 10]).action).toBe('buy_packs');
  });

  it('shows what each option would have cost, and says when another would have cost less', () => {
    const a = advise('basic', [35, 40, 32]);
    // Staying on Basic ($9 × 3) and buying three 20-packs: $56.97; Pro ($19 × 3): $57.00.
    expect(costOf(a, 'basic')).toMatchObject({
      option: 'buy_packs',
      amount: { amount: 5697, currency: 'usd' },
    });
    expect(costOf(a, 'pro')).toMatchObject({
      option: 'upgrade',
      amount: { amount: 5700, currency: 'usd' },
      example: true,
    });
    expect(costOf(a, 'free')).toMatchObject({ option: 'downgrade' });
    expect(a.costs[0]!.tier).toBe('basic');
    expect(costOf(a, 'basic').detail).toBe(
      'staying on Basic: $9.00 × 3 periods (example price) + 3 × pack_20 ($29.97) = $56.97',
    );
    expect(a.basis.cheapest).toEqual({ option: 'buy_packs', tier: 'basic' });
    expect(a.reason).toContain('staying on Basic and buying packs would have cost $56.97, less than $57.00');
  });

  it('advises packs for a project spike: one period far above the rest', () => {
    const a = advise('pro', [40, 45, 160, 42]);
    expect(a.action).toBe('buy_packs');
    expect(a.basis.spike).toBe(true);
    // 110 over: a 100-pack and a 20-pack ($44.98) beat every other mix.
    expect(packIds(a)).toEqual([
      ['pack_20', 1],
      ['pack_100', 1],
    ]);
    expect(a.packs_price).toEqual({ amount: 4498, currency: 'usd' });
    expect(a.reason).toContain('project spike');
  });

  it('advises packs when usage went over in only one period', () => {
    const a = advise('basic', [25, 18]);
    expect(a.action).toBe('buy_packs');
    expect(packIds(a)).toEqual([['pack_20', 1]]);
    expect(a.reason).toContain('in only 1 of the last 2 complete periods');
  });

  it('advises packs for the typical overage when usage is over in several periods but always by under 50%', () => {
    const a = advise('basic', [25, 28, 22]); // over by 5, 8, 2: typical 5
    expect(a.action).toBe('buy_packs');
    expect(a.basis.typical_overage).toBe(5);
    expect(packIds(a)).toEqual([['pack_20', 1]]);
  });

  it('weighs the money when usage is over in several periods and ≥50% over in only some', () => {
    const a = advise('basic', [35, 25, 28, 10]);
    expect(a.basis).toMatchObject({ periods_over: 3, periods_over_50: 1, spike: false });
    expect(a.action).toBe('buy_packs'); // $55.98 on Basic with packs vs $76 on Pro
    expect(costOf(a, 'basic').amount.amount).toBe(4 * 900 + 2 * 999);
    const b = advise('basic', [60, 35, 65, 20]); // heavy in 3 of 4 → upgrade anyway
    expect(b.action).toBe('upgrade');
  });

  it('advises a lower tier when credits are forfeited at renewal in most periods and it would have cost less', () => {
    const a = advise('business', [40, 45, 50, 38], [0, 10, 30, 60]);
    expect(a.action).toBe('downgrade');
    expect(a.tier).toBe('pro'); // $76 on Pro; packs alone $79.94, Basic with packs $85.95
    expect(a.basis).toMatchObject({ periods_forfeiting: 3, forfeited: 100 });
    expect(costOf(a, 'business').amount.amount).toBe(4 * 4900);
    expect(costOf(a, 'pro').amount.amount).toBe(4 * 1900);
    expect(a.reason).toContain('forfeited at renewal in 3 of the last 4 complete periods');
  });

  it('only advises tiers with team access to an org that has a team', () => {
    const a = advise('business', [10, 10, 10], [50, 50, 50], true);
    expect(a.costs.map((c) => c.tier)).toEqual(['business', 'pro', 'enterprise']);
    expect(a.tier).toBe('pro');
  });

  it('stays when credits are forfeited but no lower tier would have cost less', () => {
    const a = advise('basic', [19, 19], [5, 5]); // packs alone: two 20-packs, $19.98 > $18
    expect(a.action).toBe('stay');
    expect(a.reason).toContain('no lower tier would have cost less');
  });

  it('stays when usage fits the allocation', () => {
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
  });

  it('advises a plan on Free when a plan would have cost less than packs', () => {
    const a = advise('free', [60, 70, 80]);
    expect(a.action).toBe('upgrade');
    expect(a.tier).toBe('pro');
    expect(a.reason).toContain('less than packs alone');
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
