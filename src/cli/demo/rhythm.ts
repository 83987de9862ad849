/**
 * How busy an org is on a given day, relative to its usual weekday: the seasonality of a
 * real account. Weekends are quieter for studios and busier for hobbyists; the run-up to the
 * holidays is a bump (campaigns, cards, gifts), the days between Christmas and New Year
 * are near silent, one summer month is quiet, and the account grows over the year.
 * Pure: a day and the span in, a factor out (UTC calendar).
 */

export interface Rhythm {
  /** Saturdays and Sundays, relative to a weekday. */
  weekend: number;
  /** 15 November to 22 December. */
  holiday: number;
  /** 23 December to 1 January. */
  year_end: number;
  /** The quiet month (0 = January … 11 = December) and how much of the usual it keeps. */
  quiet_month: number;
  quiet: number;
  /** Activity at the start of the simulated span and at its end, in between linearly. */
  growth: readonly [number, number];
}

export type Season = 'holiday' | 'year_end' | 'quiet' | 'usual';

export function seasonOf(r: Rhythm, day: number): Season {
  const d = new Date(day);
  const month = d.getUTCMonth();
  const date = d.getUTCDate();
  if ((month === 11 && date >= 23) || (month === 0 && date === 1)) return 'year_end';
  if ((month === 10 && date >= 15) || (month === 11 && date <= 22)) return 'holiday';
  if (month === r.quiet_month) return 'quiet';
  return 'usual';
}

/** The factor on the usual weekday's activity for the day that starts at `day`. */
export function activity(r: Rhythm, day: number, start: number, end: number): number {
  const weekday = new Date(day).getUTCDay();
  const weekend = weekday === 0 || weekday === 6 ? r.weekend : 1;
  const season = seasonOf(r, day);
  const seasonal =
    season === 'holiday' ? r.holiday : season === 'year_end' ? r.year_end : season === 'quiet' ? r.quiet : 1;
  const progress = end > start ? Math.min(1, Math.max(0, (day - start) / (end - start))) : 1;
  const growth = r.growth[0] + (r.growth[1] - r.growth[0]) * progress;
  return weekend * seasonal * growth;
}
