/**
 * Tier fit: purchase-vs-upgrade advice from the last complete periods (SPEC §4, the seed's
 * "When to Purchase vs. Upgrade"). The rules, in the order they are tried, with the
 * allocation A of the tier the org is on now and each period's usage u:
 *
 *   over     u > A                      heavy    u > A and u ≥ 1.5·A (2u ≥ 3A, integers)
 *   typical  the median usage (the upper middle's mean rounded up for an even count)
 *   spike    3+ periods and the busiest used more than A and at least twice the next busiest
 *
 *   0. no complete period yet                         → stay
 *   1. heavy in most periods (more than half, ≥ 2)    → upgrade to the lowest higher tier
 *      whose allocation covers the typical usage (else the highest tier)
 *   2. a spike                                         → buy packs covering the spike's overage
 *   3. over in at most one period, or never heavy     → buy packs covering the typical overage
 *   4. over in several periods, heavy in some         → the cheaper of rule 1's upgrade and packs
 *   5. never over, credits forfeited at renewal in at least half of 2+ periods
 *                                                       → downgrade to the lower tier that would
 *      have cost least, when it would have cost less than staying (else stay)
 *   6. otherwise                                       → stay
 *
 * A tier that does not renew (Free) has no allocation to be over: its advice is the option
 * that would have cost least, packs winning ties (no commitment).
 * Every option's money is computed by `costOfTier` from the configured prices and shown in
 * `costs`, whatever the rule chose; a reason says when another option would have cost less.
 */
import { type Catalog, type Money, type TierId, tierOf, tierRank } from '../catalog.ts';
import { plural } from '../wording.ts';
import { formatMoney } from './money.ts';
import { costOfTier, type TierCost, type TierTerms } from './option-cost.ts';
import { cheapestPacks, describePacks, type PackLine } from './packs.ts';
import type { Window } from './past-periods.ts';

export type AdviceAction = 'stay' | 'buy_packs' | 'upgrade' | 'downgrade';

export interface PeriodUsage extends Window {
  /** Credits charged for usage in the period. */
  used: number;
  /** Subscription and rollover credits that expired at the renewal closing the period. */
  forfeited: number;
}

export interface OptionCost {
  /** `stay`/`buy_packs` on the current tier; `upgrade`/`downgrade` to another. */
  option: AdviceAction;
  tier: TierId;
  /** What the option would have cost over the periods looked at. */
  amount: Money;
  subscription: Money;
  packs: PackLine[];
  /** The tier price in the amount is a shipped example, not a real price. */
  example: boolean;
  detail: string;
}

export interface Advice {
  action: AdviceAction;
  tier?: TierId;
  packs?: PackLine[];
  packs_price?: Money;
  reason: string;
  costs: OptionCost[];
  basis: {
    periods: number;
    allocation: number;
    typical_usage: number;
    typical_overage: number;
    periods_over: number;
    periods_over_50: number;
    periods_forfeiting: number;
    forfeited: number;
    spike: boolean;
    /** The option with the lowest cost (the current tier wins ties). */
    cheapest: { option: AdviceAction; tier: TierId } | null;
  };
}

export interface TierFitInput {
  catalog: Catalog;
  tier: TierId;
  /** The org's terms now (an Enterprise contract differs from the catalog's defaults). */
  allocation: number;
  rollover_cap: number;
  /** Complete periods, oldest first. */
  periods: readonly PeriodUsage[];
  /** The org has members besides its owner: tiers without team access are not advised. */
  needs_team?: boolean;
}

/** The median, an even count taking the mean of the middle two rounded up. */
export function typical(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : Math.ceil((s[mid - 1]! + s[mid]!) / 2);
}

export function tierFit(input: TierFitInput): Advice {
  const { catalog, tier, periods } = input;
  const currency = catalog.currency;
  const A = input.allocation;
  const n = periods.length;
  const used = periods.map((p) => p.used);
  const current = tierOf(catalog, tier);
  const recurring = current.recurring;

  const isOver = (u: number) => u > A;
  const isHeavy = (u: number) => u > A && 2 * u >= 3 * A;
  const over = used.filter(isOver).length;
  const heavy = used.filter(isHeavy).length;
  const forfeiting = periods.filter((p) => p.forfeited > 0).length;
  const forfeited = periods.reduce((s, p) => s + p.forfeited, 0);
  const typicalUsage = typical(used);
  const typicalOverage = typical(used.filter(isOver).map((u) => u - A));
  const sorted = [...used].sort((a, b) => b - a);
  const spike = recurring && n >= 3 && sorted[0]! > A && sorted[0]! >= 2 * sorted[1]!;

  // --- what every tier would have cost -------------------------------------------------
  const termsOf = (id: TierId): TierTerms => {
    const t = tierOf(catalog, id);
    const own = id === tier;
    return {
      id,
      name: t.name,
      allocation: t.recurring ? (own ? A : t.allocation) : 0,
      rollover_cap: t.recurring ? (own ? input.rollover_cap : t.rollover_cap) : 0,
      price: t.price,
    };
  };
  const rank = tierRank(catalog, tier);
  const sims = new Map<TierId, TierCost>();
  for (const t of catalog.tiers) sims.set(t.id, costOfTier(termsOf(t.id), used, catalog.packs, currency));
  const sim = (id: TierId) => sims.get(id)!;
  const eligible = (id: TierId) => id !== tier && (!input.needs_team || tierOf(catalog, id).team);

  const costs: OptionCost[] = catalog.tiers
    .filter((t) => t.id === tier || eligible(t.id))
    .map((t) => {
      const s = sim(t.id);
      const option: AdviceAction =
        t.id === tier
          ? s.packs.length > 0
            ? 'buy_packs'
            : 'stay'
          : tierRank(catalog, t.id) > rank
            ? 'upgrade'
            : 'downgrade';
      return {
        option,
        tier: t.id,
        amount: s.total,
        subscription: s.subscription,
        packs: s.packs,
        example: s.example,
        detail: detail(t.id === tier, t.name, s, n, t.recurring),
      };
    })
    .sort((a, b) => (a.tier === tier ? -1 : b.tier === tier ? 1 : 0));
  let cheapest: OptionCost | null = null;
  for (const c of costs) if (cheapest === null || c.amount.amount < cheapest.amount.amount) cheapest = c;

  const basis: Advice['basis'] = {
    periods: n,
    allocation: A,
    typical_usage: typicalUsage,
    typical_overage: typicalOverage,
    periods_over: over,
    periods_over_50: heavy,
    periods_forfeiting: forfeiting,
    forfeited,
    spike,
    cheapest: cheapest && n > 0 ? { option: cheapest.option, tier: cheapest.tier } : null,
  };
  const money = (id: TierId) => formatMoney(sim(id).total);
  const exampleNote = (id: TierId) => (sim(id).example ? ' (example tier prices)' : '');
  const advise = (a: Omit<Advice, 'costs' | 'basis'>): Advice => ({ ...a, costs, basis });
  const buyPacks = (need: number, why: string): Advice => {
    const plan = cheapestPacks(catalog.packs, need, currency);
    return advise({
      action: 'buy_packs',
      packs: plan.packs,
      packs_price: plan.price,
      reason: `${why}: ${describePacks(plan.packs)} (${plan.credits} credits, ${formatMoney(plan.price)}) cover ${plan.credits === need ? 'it' : `${need} credits`}`,
    });
  };
  const lowerCostNote = (chosen: TierId) => {
    if (!cheapest || cheapest.amount.amount >= sim(chosen).total.amount) return '';
    const what = cheapest.tier === tier ? `staying on ${current.name} and buying packs` : cheapest.tier;
    return `; at the configured prices ${what} would have cost ${formatMoney(cheapest.amount)}, less than ${money(chosen)}${exampleNote(chosen)}`;
  };
  const span = `the last ${plural(n, 'complete period')}`;

  if (n === 0) return advise({ action: 'stay', reason: 'there is no complete period to look at yet' });

  if (!recurring) {
    if (used.every((u) => u === 0))
      return advise({ action: 'stay', reason: `no credits were used in ${span}` });
    // Free: no allocation to be over, so the cheapest way to have paid for the usage decides.
    const best = costs.reduce((b, c) => (c.amount.amount < b.amount.amount ? c : b), costs[0]!);
    if (best.tier === tier)
      return buyPacks(
        typicalUsage,
        `${current.name} has no monthly allocation, and in ${span} packs would have cost ${money(tier)}, no more than any plan; for a typical month of ${typicalUsage} credits`,
      );
    return advise({
      action: 'upgrade',
      tier: best.tier,
      reason: `usage of ${typicalUsage} credits in a typical month: ${tierOf(catalog, best.tier).name} would have cost ${money(best.tier)} in ${span}${exampleNote(best.tier)}, less than packs alone (${money(tier)})`,
    });
  }

  const higher = catalog.tiers.filter((t) => t.recurring && tierRank(catalog, t.id) > rank && eligible(t.id));
  const upgradeTarget = (higher.find((t) => t.allocation >= typicalUsage) ?? higher[higher.length - 1])?.id;

  if (heavy >= 2 && heavy * 2 > n) {
    if (upgradeTarget === undefined)
      return buyPacks(
        typicalOverage,
        `usage was at least 50% over the allocation of ${A} in ${heavy} of ${span}, and there is no higher tier; for the typical overage of ${typicalOverage} credits`,
      );
    const t = tierOf(catalog, upgradeTarget);
    return advise({
      action: 'upgrade',
      tier: upgradeTarget,
      reason: `usage was at least 50% over the allocation of ${A} in ${heavy} of ${span} (typically ${typicalUsage} credits): ${t.name}${t.allocation >= typicalUsage ? `, the lowest tier whose allocation of ${t.allocation} covers it` : `, the highest tier (${t.allocation} credits)`}, would have cost ${money(upgradeTarget)}${exampleNote(upgradeTarget)}${lowerCostNote(upgradeTarget)}`,
    });
  }

  if (spike)
    return buyPacks(
      sorted[0]! - A,
      `one period used ${sorted[0]} credits, at least twice any other (${sorted[1]} at most): a project spike, not a pattern; for its overage of ${sorted[0]! - A} credits`,
    );

  if (over >= 1 && (over <= 1 || heavy === 0))
    return buyPacks(
      typicalOverage,
      over === 1
        ? `usage went over the allocation of ${A} in only 1 of ${span}; for the typical overage of ${typicalOverage} credits`
        : `usage went over the allocation of ${A} in ${over} of ${span}, always by less than 50%; for the typical overage of ${typicalOverage} credits`,
    );

  if (over >= 1) {
    if (upgradeTarget !== undefined && sim(upgradeTarget).total.amount < sim(tier).total.amount)
      return advise({
        action: 'upgrade',
        tier: upgradeTarget,
        reason: `usage went over the allocation of ${A} in ${over} of ${span}, by 50% or more in ${heavy}: ${tierOf(catalog, upgradeTarget).name} would have cost ${money(upgradeTarget)}${exampleNote(upgradeTarget)}, less than staying and buying packs (${money(tier)})`,
      });
    return buyPacks(
      typicalOverage,
      `usage went over the allocation of ${A} in ${over} of ${span}, by 50% or more in ${heavy}; packs (${money(tier)} with the subscription) cost no more than upgrading; for the typical overage of ${typicalOverage} credits`,
    );
  }

  if (n >= 2 && forfeiting * 2 >= n) {
    const lower = catalog.tiers.filter((t) => tierRank(catalog, t.id) < rank && eligible(t.id));
    let best: TierId | undefined;
    for (const t of lower)
      if (
        best === undefined ||
        sim(t.id).total.amount < sim(best).total.amount ||
        (sim(t.id).total.amount === sim(best).total.amount &&
          tierRank(catalog, t.id) > tierRank(catalog, best))
      )
        best = t.id;
    const why = `credits were forfeited at renewal in ${forfeiting} of ${span} (${forfeited} in all) while usage stayed within the allocation of ${A}`;
    if (best !== undefined && sim(best).total.amount < sim(tier).total.amount)
      return advise({
        action: 'downgrade',
        tier: best,
        reason: `${why}: ${tierOf(catalog, best).name} would have cost ${money(best)}${exampleNote(best)} instead of ${money(tier)}`,
      });
    return advise({ action: 'stay', reason: `${why}, but no lower tier would have cost less` });
  }

  return advise({
    action: 'stay',
    reason: `usage stayed within the allocation of ${A} in each of ${span} (typically ${typicalUsage} credits)`,
  });
}

function detail(own: boolean, name: string, s: TierCost, n: number, recurring: boolean): string {
  const parts: string[] = [];
  if (recurring)
    parts.push(
      `${own ? 'staying on ' : ''}${name}: ${formatMoney({ amount: s.subscription.amount / Math.max(1, n), currency: s.subscription.currency })} × ${plural(n, 'period')}${s.example ? ' (example price)' : ''}`,
    );
  else parts.push(`${name}: no subscription`);
  if (s.packs.length > 0) parts.push(`${describePacks(s.packs)} (${formatMoney(s.packs_price)})`);
  return `${parts.join(' + ')} = ${formatMoney(s.total)}`;
}
