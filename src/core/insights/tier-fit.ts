/**
 * Tier fit: purchase-vs-upgrade advice from the last complete periods (SPEC §4, the seed's
 * "When to Purchase vs. Upgrade"). Money decides, the guide explains:
 *
 *   1. Every option is priced by replaying the periods' usage under it (`costOfTier`):
 *      staying on the current tier and buying packs when it runs out, or moving to each
 *      other tier the org may hold (with packs as needed), rollover included.
 *   2. The advice is the cheapest option: `stay` (or `buy_packs` when staying needed packs)
 *      on the current tier, `upgrade` or `downgrade` to another. Ties go to the current
 *      tier (no change is the cheaper change), then to the lower tier (less commitment).
 *   3. The guide's rule of thumb for the usage shape is named beside it, with whether it
 *      agrees. With the allocation A of the tier the org is on now and each period's use u:
 *
 *        over      u > A                  heavy   u > A and u ≥ 1.5·A (2u ≥ 3A, integers)
 *        typical   the median usage (the upper middle's mean rounded up for an even count)
 *        spike     3+ periods and the busiest used more than A and at least twice the next
 *
 *        heavy in most periods (more than half, ≥ 2)          → upgrade  (heavy_overage)
 *        a spike                                              → packs    (project_spike)
 *        over in at most one period, or never heavy           → packs    (occasional_overage)
 *        over in several periods, heavy in some               → unsettled (mixed_overage)
 *        never over, forfeiting in at least half of 2+ periods → lower tier (forfeiting)
 *        otherwise                                            → stay     (fits)
 *
 *      When the rule and the money disagree, the reason says so with both figures.
 *
 * A tier that does not renew (Free) has no allocation to be over: the guide has no rule
 * for it, and the money alone decides. With no complete period there is nothing to price:
 * the advice is `stay` with no cost rows.
 */
import { type Catalog, type Money, type TierId, tierOf, tierRank } from '../catalog.ts';
import { type PricePerCredit, pricePerCredit } from '../price-per-credit.ts';
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
  tier_name: string;
  /** What the option would have cost over the periods looked at. */
  amount: Money;
  subscription: Money;
  /** The tier's price per credit of its allocation; null for a tier without one (Free). */
  price_per_credit: PricePerCredit | null;
  packs: PackLine[];
  /** The tier price in the amount is a shipped example, not a real price. */
  example: boolean;
  detail: string;
}

/** The guide's rules of thumb, by the usage shape they speak of. */
export type Guideline =
  | 'no_history'
  | 'no_allocation'
  | 'heavy_overage'
  | 'project_spike'
  | 'occasional_overage'
  | 'mixed_overage'
  | 'forfeiting'
  | 'fits';

export interface RuleOfThumb {
  guideline: Guideline;
  /** What the rule suggests; null when it does not settle the question. */
  suggests: AdviceAction | null;
  /** Whether the advice (decided by money) is what the rule suggests; null when it suggests nothing. */
  agrees: boolean | null;
  /** The rule, in the guide's words. */
  text: string;
}

export interface Advice {
  action: AdviceAction;
  tier?: TierId;
  /** The name of `tier` ("Pro"). */
  tier_name?: string;
  /** buy_packs: the packs to have on hand for a period like the ones looked at. */
  packs?: PackLine[];
  packs_price?: Money;
  reason: string;
  rule_of_thumb: RuleOfThumb;
  /** One row per option, the current tier first; none when there is no complete period. */
  costs: OptionCost[];
  basis: {
    periods: number;
    allocation: number;
    typical_usage: number;
    typical_overage: number;
    /** How far typical usage is over the allocation, in whole percent (0 when not over). */
    typical_overage_pct: number;
    periods_over: number;
    periods_over_50: number;
    periods_forfeiting: number;
    forfeited: number;
    spike: boolean;
    /** The option with the lowest cost: the advice itself (null with no period). */
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

/** The guide's words (the seed's "When to Purchase vs. Upgrade", SPEC §4 for forfeits). */
const GUIDE: Record<Guideline, string> = {
  no_history: 'there is no complete period to judge yet',
  no_allocation: 'the guide’s rules of thumb speak of exceeding an allocation, and this tier has none',
  heavy_overage:
    'consistently exceeding the allocation by 50% or more: upgrading to the next tier will likely provide better value',
  project_spike:
    'project-based spikes: purchasing additional credits may be preferable to changing your subscription',
  occasional_overage:
    'occasional extra usage: purchasing additional credits as needed may be more economical',
  mixed_overage:
    'over in several periods but by 50% or more in only some: the rules of thumb do not settle it',
  forfeiting: 'credits regularly forfeited at renewal: a lower tier may fit better',
  fits: 'usage within the allocation: the current tier fits',
};

/** The median, an even count taking the mean of the middle two rounded up. */
export function typical(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : Math.ceil((s[mid - 1]! + s[mid]!) / 2);
}

/** Does the chosen action count as following a rule that suggests `suggests`? */
const follows = (suggests: AdviceAction, action: AdviceAction) =>
  suggests === action || (suggests === 'buy_packs' && action === 'stay');

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
  const typicalOveragePct = A > 0 && typicalUsage > A ? Math.round(((typicalUsage - A) * 100) / A) : 0;
  const sorted = [...used].sort((a, b) => b - a);
  const spike = recurring && n >= 3 && sorted[0]! > A && sorted[0]! >= 2 * sorted[1]!;

  // --- the rule of thumb for this usage shape (the explanation, not the decision) ------
  const guideline: Guideline =
    n === 0
      ? 'no_history'
      : !recurring
        ? 'no_allocation'
        : heavy >= 2 && heavy * 2 > n
          ? 'heavy_overage'
          : spike
            ? 'project_spike'
            : over >= 1 && (over <= 1 || heavy === 0)
              ? 'occasional_overage'
              : over >= 1
                ? 'mixed_overage'
                : n >= 2 && forfeiting * 2 >= n
                  ? 'forfeiting'
                  : 'fits';
  const suggests: AdviceAction | null = {
    no_history: 'stay',
    no_allocation: null,
    heavy_overage: 'upgrade',
    project_spike: 'buy_packs',
    occasional_overage: 'buy_packs',
    mixed_overage: null,
    forfeiting: 'downgrade',
    fits: 'stay',
  }[guideline] as AdviceAction | null;

  const basis: Advice['basis'] = {
    periods: n,
    allocation: A,
    typical_usage: typicalUsage,
    typical_overage: typicalOverage,
    typical_overage_pct: typicalOveragePct,
    periods_over: over,
    periods_over_50: heavy,
    periods_forfeiting: forfeiting,
    forfeited,
    spike,
    cheapest: null,
  };
  if (n === 0)
    return {
      action: 'stay',
      reason: 'there is no complete period to look at yet',
      rule_of_thumb: { guideline, suggests, agrees: true, text: GUIDE[guideline] },
      costs: [],
      basis,
    };

  // --- what every option would have cost ---------------------------------------------
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
  const eligible = (id: TierId) => id !== tier && (!input.needs_team || tierOf(catalog, id).team);
  const costs: OptionCost[] = catalog.tiers
    .filter((t) => t.id === tier || eligible(t.id))
    .map((t) => {
      const terms = termsOf(t.id);
      const s = costOfTier(terms, used, catalog.packs, currency);
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
        tier_name: t.name,
        amount: s.total,
        subscription: s.subscription,
        price_per_credit: t.price && terms.allocation > 0 ? pricePerCredit(t.price, terms.allocation) : null,
        packs: s.packs,
        example: s.example,
        detail: detail(t.id === tier, t.name, s, n, t.recurring),
      };
    })
    .sort((a, b) => (a.tier === tier ? -1 : b.tier === tier ? 1 : 0));

  // Cheapest first; the current tier wins a tie, then the lower tier.
  const ranked = [...costs].sort(
    (a, b) =>
      a.amount.amount - b.amount.amount ||
      (a.tier === tier ? -1 : b.tier === tier ? 1 : 0) ||
      tierRank(catalog, a.tier) - tierRank(catalog, b.tier),
  );
  const best = ranked[0]!;
  const own = costs[0]!;
  basis.cheapest = { option: best.option, tier: best.tier };
  const span = `the last ${plural(n, 'complete period')}`;
  const money = (c: OptionCost) => formatMoney(c.amount);
  const example = (c: OptionCost) => (c.example ? ' (example tier prices)' : '');
  const optionName = (c: OptionCost) =>
    c.tier === tier
      ? c.option === 'buy_packs'
        ? `staying on ${c.tier_name} and buying packs`
        : `staying on ${c.tier_name}`
      : c.tier_name;
  const diff = (a: OptionCost, b: OptionCost) =>
    formatMoney({ amount: b.amount.amount - a.amount.amount, currency });
  const nextBest = ranked[1];

  // --- the money sentence ------------------------------------------------------------
  let moneySays: string;
  if (best.tier === tier)
    moneySays = nextBest
      ? `${optionName(best)} would have cost ${money(best)}${example(best)} over ${span}, ${nextBest.amount.amount === best.amount.amount ? 'no more than' : `${diff(best, nextBest)} less than`} any change of plan (the next cheapest: ${optionName(nextBest)}, ${money(nextBest)})`
      : `${optionName(best)} would have cost ${money(best)} over ${span}`;
  else
    moneySays = `${best.tier_name} would have cost ${money(best)}${example(best)} over ${span}, ${diff(best, own)} less than ${optionName(own)} (${money(own)})`;

  // --- the rule of thumb sentence ------------------------------------------------------
  const agrees = suggests === null ? null : follows(suggests, best.option);
  const shape = describeShape(guideline, {
    A,
    n,
    over,
    heavy,
    typicalUsage,
    typicalOveragePct,
    forfeiting,
    forfeited,
    busiest: sorted[0] ?? 0,
    nextBusiest: sorted[1] ?? 0,
  });
  let guideSays: string;
  if (agrees === null) guideSays = `${shape}; ${GUIDE[guideline]}, so the money decides`;
  else if (agrees) guideSays = `${shape}: this is the guide’s rule of thumb (${GUIDE[guideline]})`;
  else {
    // Name the cheapest option of the kind the rule suggests, and by how much it loses.
    const suggested = ranked.find(
      (c) => c.option === suggests || (suggests === 'buy_packs' && c.tier === tier),
    );
    guideSays = suggested
      ? `${shape}, and the guide’s rule of thumb says ${GUIDE[guideline].split(': ')[1] ?? GUIDE[guideline]}, but at your volume ${optionName(best)} is still ${diff(best, suggested)} cheaper than ${optionName(suggested)} (${money(best)} against ${money(suggested)})`
      : `${shape}, and the guide’s rule of thumb points elsewhere, but no such option is open to this org`;
  }

  const rule_of_thumb: RuleOfThumb = { guideline, suggests, agrees, text: GUIDE[guideline] };
  const advise = (
    a: Pick<Advice, 'action' | 'tier' | 'tier_name' | 'packs' | 'packs_price'>,
    extra = '',
  ) => ({
    ...a,
    reason: `${moneySays}${extra}. ${capitalise(guideSays)}.`,
    rule_of_thumb,
    costs,
    basis,
  });

  if (best.tier !== tier) return advise({ action: best.option, tier: best.tier, tier_name: best.tier_name });
  if (best.option === 'stay') return advise({ action: 'stay' });

  // Packs on the current tier: enough for a typical period's overage when most periods
  // ran over, else for the busiest period's (an occasional overage or a project spike).
  const overages = used.filter(isOver).map((u) => u - A);
  const need = over * 2 > n ? typical(overages) : Math.max(...overages);
  const plan = cheapestPacks(catalog.packs, need, currency);
  const forWhat =
    over * 2 > n
      ? `a typical period’s overage of ${need} credits`
      : `a period like the busiest (${need} credits over)`;
  return advise(
    { action: 'buy_packs', packs: plan.packs, packs_price: plan.price },
    `; for ${forWhat}: ${describePacks(plan.packs)} (${plan.credits} credits, ${formatMoney(plan.price)})`,
  );
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function describeShape(
  g: Guideline,
  x: {
    A: number;
    n: number;
    over: number;
    heavy: number;
    typicalUsage: number;
    typicalOveragePct: number;
    forfeiting: number;
    forfeited: number;
    busiest: number;
    nextBusiest: number;
  },
): string {
  const of = `${x.n} periods`;
  switch (g) {
    case 'heavy_overage':
      return `you exceed the allocation of ${x.A} by ${x.typicalOveragePct}% in a typical period (${x.typicalUsage} credits), by 50% or more in ${x.heavy} of ${of}`;
    case 'project_spike':
      return `one period used ${x.busiest} credits, at least twice any other (${x.nextBusiest} at most): a project spike`;
    case 'occasional_overage':
      return x.over === 1
        ? `usage went over the allocation of ${x.A} in only 1 of ${of}`
        : `usage went over the allocation of ${x.A} in ${x.over} of ${of}, always by less than 50%`;
    case 'mixed_overage':
      return `usage went over the allocation of ${x.A} in ${x.over} of ${of}, by 50% or more in ${x.heavy}`;
    case 'forfeiting':
      return `credits were forfeited at renewal in ${x.forfeiting} of ${of} (${x.forfeited} in all) while usage stayed within the allocation of ${x.A}`;
    case 'fits':
      return `usage stayed within the allocation of ${x.A} in each of ${of} (typically ${x.typicalUsage} credits)`;
    case 'no_allocation':
      return `a typical period used ${x.typicalUsage} credits`;
    case 'no_history':
      return 'there is no complete period yet';
  }
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
