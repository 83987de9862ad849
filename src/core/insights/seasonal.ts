/**
 * Seasonal planning, looking back (the guide: "purchase additional credits during
 * high-demand periods; take advantage of lower-usage months to build up your rollover
 * credits"): which past periods ran short of the subscription's credits and which
 * forfeited credits at renewal. The subscription is replayed over the periods with the
 * org's current terms (allocation and rollover cap), exactly as `costOfTier` does, so
 * `short` is what had to come from packs (or other credits) and `banked` what was carried
 * into the next period. `forfeited` is what the log's renewals actually expired.
 */
import type { PeriodUsage } from './tier-fit.ts';

/** A period is busy or quiet when it used at least half as much again, or at most half, of the typical period. */
export const BUSY_RATIO_PCT = 150;
export const QUIET_RATIO_PCT = 50;

export interface SeasonalPeriod {
  start: number;
  end: number;
  used: number;
  /** Subscription and rollover credits the period had: allocation + what was carried in. */
  subscription_credits: number;
  /** Credits used beyond those: bought in packs or drawn from other grants. */
  short: number;
  /** Carried into the next period (at most the rollover cap). */
  banked: number;
  forfeited: number;
  /** busy: ≥ 150% of the typical period; quiet: ≤ 50% of it (and below the allocation). */
  kind: 'busy' | 'quiet' | 'usual';
}

export interface Seasonal {
  periods: SeasonalPeriod[];
  /** Start times of the periods that ran short, and of those that forfeited. */
  ran_short: number[];
  forfeited: number[];
  busiest: number | null;
  quietest: number | null;
  /** What the pattern suggests, in words. */
  summary: string;
}

export function seasonalPattern(input: {
  allocation: number;
  rollover_cap: number;
  periods: readonly PeriodUsage[];
}): Seasonal {
  const { allocation: A, rollover_cap: cap } = input;
  const used = input.periods.map((p) => p.used);
  const sorted = [...used].sort((a, b) => a - b);
  const typical = sorted.length === 0 ? 0 : sorted[sorted.length >> 1]!;
  let carry = 0;
  const periods = input.periods.map((p): SeasonalPeriod => {
    const have = A + carry;
    const short = Math.max(0, p.used - have);
    carry = Math.min(Math.max(0, have - p.used), cap);
    const kind =
      typical > 0 && p.used * 100 >= typical * BUSY_RATIO_PCT && p.used > A
        ? 'busy'
        : p.used * 100 <= typical * QUIET_RATIO_PCT && p.used < A
          ? 'quiet'
          : 'usual';
    return {
      start: p.start,
      end: p.end,
      used: p.used,
      subscription_credits: have,
      short,
      banked: carry,
      forfeited: p.forfeited,
      kind,
    };
  });
  const ranShort = periods.filter((p) => p.short > 0);
  const forfeiting = periods.filter((p) => p.forfeited > 0);
  let busiest: SeasonalPeriod | null = null;
  let quietest: SeasonalPeriod | null = null;
  for (const p of periods) {
    if (busiest === null || p.used > busiest.used) busiest = p;
    if (quietest === null || p.used < quietest.used) quietest = p;
  }
  const month = (t: number) => new Date(t).toISOString().slice(0, 7);
  const list = (ps: SeasonalPeriod[]) => ps.map((p) => month(p.start)).join(', ');
  const parts: string[] = [];
  if (periods.length === 0) parts.push('there is no complete period to look at yet');
  else {
    parts.push(
      ranShort.length === 0
        ? 'no period ran short of the subscription’s credits'
        : `ran short in ${list(ranShort)} (${ranShort.reduce((s, p) => s + p.short, 0)} credits beyond the subscription): buy packs for periods like these`,
    );
    parts.push(
      forfeiting.length === 0
        ? 'nothing was forfeited at renewal'
        : `forfeited at renewal in ${list(forfeiting)} (${forfeiting.reduce((s, p) => s + p.forfeited, 0)} credits): quiet periods bank at most the rollover cap of ${cap}`,
    );
    const quiet = periods.filter((p) => p.kind === 'quiet');
    if (quiet.length > 0 && ranShort.length > 0)
      parts.push(`quiet periods (${list(quiet)}) are the time to bank rollover for the busy ones`);
  }
  return {
    periods,
    ran_short: ranShort.map((p) => p.start),
    forfeited: forfeiting.map((p) => p.start),
    busiest: busiest && busiest.used > 0 ? busiest.start : null,
    quietest: quietest ? quietest.start : null,
    summary: parts.join('; '),
  };
}
