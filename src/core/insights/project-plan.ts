/**
 * Planning a project (the guide: "plan major projects around your credit renewal date"):
 * an org needs `credits` at hand by a time `by`. What is the cheapest way to have them?
 *
 *   bank_rollover       buy nothing: the credits held now, plus each renewal's allocation
 *                       (unused credits carried up to the cap), minus the org's usual use
 *   buy_packs           bank what renews, and buy the cheapest packs for the rest
 *                       (purchased credits never expire, so they may be bought any time
 *                       before `by`; buying late keeps the money longer)
 *   upgrade_one_period  move to a higher tier for the period that holds `by`, then go back
 *                       (a downgrade scheduled for that period's end), plus packs if still short
 *
 * The usual use is the typical period's usage (the advice's median), spread evenly over
 * each period; what is left of it in the current period is typical − used so far. Each
 * renewal runs with the terms of the tier in force then (a scheduled downgrade's, or
 * Free's after a cancel). An upgrade is timed to replace a renewal when one falls before
 * `by` — the org upgrades on the renewal date, so it pays the higher price instead of its
 * own for that period — and otherwise happens on `by` itself, the current period (already
 * paid) cut short. Money is what the option adds to what the org pays anyway.
 */
import { type Catalog, type Money, type TierId, tierOf, tierRank } from '../catalog.ts';
import { invalid } from '../errors.ts';
import { addMonths } from '../periods.ts';
import { plural } from '../wording.ts';
import { formatMoney } from './money.ts';
import { cheapestPacks, describePacks, type PackLine } from './packs.ts';

/** Limits on a plan request: a project of up to a million credits, up to two years ahead. */
export const MAX_PLAN_CREDITS = 1_000_000;
export const MAX_PLAN_MONTHS = 24;

export type PlanOption = 'bank_rollover' | 'buy_packs' | 'upgrade_one_period';

export interface PlanTerms {
  tier: TierId;
  allocation: number;
  rollover_cap: number;
}

export interface ProjectPlanInput {
  catalog: Catalog;
  now: number;
  /** Credits the project needs at hand, and when. */
  credits: number;
  by: number;
  /** The tier now and its terms (an Enterprise contract's own). */
  current: PlanTerms;
  /** The terms renewals will run with (a scheduled downgrade's, Free's after a cancel). */
  next: PlanTerms;
  /** The subscription's anchor and current period index; null anchor: nothing renews. */
  anchor: number | null;
  period_index: number;
  /** Subscription and rollover credits available now (they expire at renewal over the cap). */
  subscription_credits: number;
  /** Purchased, free and adjustment credits available now (they do not expire at renewal). */
  other_credits: number;
  /** The org's usual use per period, and what it used so far in the current one. */
  typical_usage: number;
  used_this_period: number;
  /** Tiers without team access are not offered to an org with a team. */
  needs_team?: boolean;
}

export interface PlanChoice {
  option: PlanOption;
  tier?: TierId;
  tier_name?: string;
  /** What the option adds to what the org pays anyway. */
  cost: Money;
  /** Credits at hand at `by` before buying packs. */
  credits_at_by: number;
  packs: PackLine[];
  packs_price: Money;
  /** Buy the packs before this time (they never expire). */
  buy_by: number | null;
  upgrade_at: number | null;
  /** The scheduled return to the tier the org is on now (Free: a cancel). */
  downgrade_at: number | null;
  /** The cost uses a tier price shipped as an example. */
  example: boolean;
  detail: string;
}

export interface ProjectPlan {
  credits: number;
  by: number;
  /** Renewals between now and `by`. */
  renewals: number[];
  /** The usual use assumed until `by`. */
  usual_use: number;
  /** The cheapest option that has the credits at hand by `by`. */
  recommended: PlanOption;
  recommended_tier?: TierId;
  reason: string;
  /** Every option, cheapest first. */
  options: PlanChoice[];
}

export function planProject(input: ProjectPlanInput): ProjectPlan {
  const { catalog, now, by, credits } = input;
  const currency = catalog.currency;
  if (!Number.isInteger(credits) || credits < 1 || credits > MAX_PLAN_CREDITS)
    throw invalid(`credits must be an integer from 1 to ${MAX_PLAN_CREDITS}`, { field: 'credits' });
  if (!Number.isFinite(by) || by <= now || by > addMonths(now, MAX_PLAN_MONTHS))
    throw invalid(`by must be after now and at most ${MAX_PLAN_MONTHS} months ahead`, { field: 'by' });

  // Renewals of the current anchor in (now, by].
  const renewals: number[] = [];
  if (input.anchor !== null)
    for (let k = input.period_index + 1; ; k++) {
      const r = addMonths(input.anchor, k);
      if (r > by) break;
      if (r > now) renewals.push(r);
    }
  const periodEnd = input.anchor !== null ? addMonths(input.anchor, input.period_index + 1) : null;
  const base = input.typical_usage;
  /** The usual use over [from, to) of a period [start, end) whose budget is `budget`. */
  const paced = (budget: number, start: number, end: number, from: number, to: number) =>
    end <= start || to <= from
      ? 0
      : Math.ceil((budget * (Math.min(to, end) - from)) / (end - Math.max(start, from)));

  /** Credits at hand at `by`, with an optional switch to other terms at `at`. */
  const simulate = (swap?: { at: number; terms: PlanTerms }) => {
    let s = input.subscription_credits;
    let other = input.other_credits;
    let used = 0;
    const spend = (n: number) => {
      const a = Math.min(s, n);
      s -= a;
      other -= n - a; // may go negative: credits the usual use alone would have to buy
      used += n;
    };
    const renew = (t: PlanTerms) => {
      s = Math.min(s, t.rollover_cap) + t.allocation;
    };
    // The rest of the current period (or, with nothing renewing, a month at a time).
    if (periodEnd !== null) spend(paced(Math.max(0, base - input.used_this_period), now, periodEnd, now, by));
    else spend(Math.ceil((base * (by - now)) / (30 * 86_400_000)));
    for (const r of renewals) {
      renew(swap && swap.at === r ? swap.terms : input.next);
      const next = addMonths(r, 1);
      spend(paced(base, r, next, r, by));
    }
    if (swap && swap.at === by) renew(swap.terms);
    return { have: s + other, used };
  };

  const price = (id: TierId) => tierOf(catalog, id).price;
  const own = input.current.tier;
  const options: PlanChoice[] = [];
  const month = (t: number) => new Date(t).toISOString().slice(0, 10);
  const packsFor = (short: number) => cheapestPacks(catalog.packs, Math.max(0, short), currency);

  const bank = simulate();
  const bankShort = credits - bank.have;
  options.push({
    option: 'bank_rollover',
    cost: { amount: 0, currency },
    credits_at_by: bank.have,
    packs: [],
    packs_price: { amount: 0, currency },
    buy_by: null,
    upgrade_at: null,
    downgrade_at: null,
    example: false,
    detail:
      bankShort <= 0
        ? `${bank.have} credits at hand by ${month(by)} (${plural(renewals.length, 'renewal')} on the way, the usual use of ${base} a period spent): enough, nothing to buy`
        : `${bank.have} credits at hand by ${month(by)}: ${bankShort} short`,
  });
  if (bankShort > 0) {
    const plan = packsFor(bankShort);
    options.push({
      option: 'buy_packs',
      cost: plan.price,
      credits_at_by: bank.have,
      packs: plan.packs,
      packs_price: plan.price,
      buy_by: by,
      upgrade_at: null,
      downgrade_at: null,
      example: false,
      detail: `${bank.have} credits at hand by ${month(by)}, and ${describePacks(plan.packs)} (${plan.credits} credits, ${formatMoney(plan.price)}) bought before then for the ${bankShort} short`,
    });
  }

  const rank = tierRank(catalog, own);
  const upgradeAt = renewals.length > 0 ? renewals[renewals.length - 1]! : by;
  const replaces = renewals.length > 0;
  for (const t of catalog.tiers) {
    if (!t.recurring || tierRank(catalog, t.id) <= rank) continue;
    if (input.needs_team && !t.team) continue;
    const terms: PlanTerms = { tier: t.id, allocation: t.allocation, rollover_cap: t.rollover_cap };
    const sim = simulate({ at: upgradeAt, terms });
    const short = credits - sim.have;
    const plan = packsFor(short);
    const upPrice = t.price?.amount ?? 0;
    // On a renewal date the higher price replaces the one the org would pay anyway.
    const ownPrice = replaces ? (price(input.next.tier)?.amount ?? 0) : 0;
    const extra = Math.max(0, upPrice - ownPrice);
    options.push({
      option: 'upgrade_one_period',
      tier: t.id,
      tier_name: t.name,
      cost: { amount: extra + plan.price.amount, currency },
      credits_at_by: sim.have,
      packs: plan.packs,
      packs_price: plan.price,
      buy_by: plan.packs.length > 0 ? by : null,
      upgrade_at: upgradeAt,
      downgrade_at: addMonths(upgradeAt, 1),
      example: t.price?.example === true,
      detail: `${t.name} from ${month(upgradeAt)} to ${month(addMonths(upgradeAt, 1))}${replaces ? ` instead of a period of ${tierOf(catalog, input.next.tier).name}` : ''} (${formatMoney({ amount: extra, currency })} more${t.price?.example ? ', example price' : ''}): ${sim.have} credits at hand by ${month(by)}${plan.packs.length > 0 ? `, and ${describePacks(plan.packs)} (${formatMoney(plan.price)}) for the ${short} short` : ''}`,
    });
  }

  const covering = options.filter((o) => o.option !== 'bank_rollover' || bankShort <= 0);
  const order: Record<PlanOption, number> = { bank_rollover: 0, buy_packs: 1, upgrade_one_period: 2 };
  const ranked = [...covering].sort(
    (a, b) =>
      a.cost.amount - b.cost.amount ||
      order[a.option] - order[b.option] ||
      (a.tier && b.tier ? tierRank(catalog, a.tier) - tierRank(catalog, b.tier) : 0),
  );
  const best = ranked[0]!;
  const rest = ranked.slice(1);
  const what =
    best.option === 'bank_rollover'
      ? 'banking what renews is enough'
      : best.option === 'buy_packs'
        ? `buying ${describePacks(best.packs)} before ${month(by)} is cheapest`
        : `upgrading to ${best.tier_name} on ${month(best.upgrade_at!)} for one period, then back, is cheapest`;
  const runnerUp = rest[0];
  const reason = `${credits} credits by ${month(by)}: ${what} (${formatMoney(best.cost)}${best.example ? ', example tier prices' : ''})${runnerUp ? `; next: ${runnerUp.option === 'upgrade_one_period' ? `${runnerUp.tier_name} for one period` : runnerUp.option === 'buy_packs' ? 'packs' : 'banking'} at ${formatMoney(runnerUp.cost)}` : ''}`;

  const out: ProjectPlan = {
    credits,
    by,
    renewals,
    usual_use: bank.used,
    recommended: best.option,
    reason,
    options: [...ranked, ...options.filter((o) => !covering.includes(o))],
  };
  if (best.tier) out.recommended_tier = best.tier;
  return out;
}
