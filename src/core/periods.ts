/**
 * Billing periods. Period k of an anchor runs from anchor + k months to anchor + k+1 months,
 * the day clamped to the month's length (Jan 31 → Feb 28 → Mar 31: the clamp never
 * "drifts", because every boundary is computed from the anchor, not from the last one).
 * All times are epoch milliseconds, all calendar arithmetic is UTC.
 */
export function addMonths(anchorMs: number, months: number): number {
  const a = new Date(anchorMs);
  const y = a.getUTCFullYear();
  const m = a.getUTCMonth() + months;
  const targetYear = y + Math.floor(m / 12);
  const targetMonth = ((m % 12) + 12) % 12;
  const daysInTarget = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  const day = Math.min(a.getUTCDate(), daysInTarget);
  return Date.UTC(
    targetYear,
    targetMonth,
    day,
    a.getUTCHours(),
    a.getUTCMinutes(),
    a.getUTCSeconds(),
    a.getUTCMilliseconds(),
  );
}

export interface PeriodBounds {
  index: number;
  start: number;
  end: number;
}

export function periodBounds(anchorMs: number, index: number): PeriodBounds {
  return { index, start: addMonths(anchorMs, index), end: addMonths(anchorMs, index + 1) };
}

/** The period that contains `atMs` (the first one when `atMs` is before the anchor). */
export function periodAt(anchorMs: number, atMs: number): PeriodBounds {
  if (atMs < anchorMs) return periodBounds(anchorMs, 0);
  const a = new Date(anchorMs);
  const t = new Date(atMs);
  let k = (t.getUTCFullYear() - a.getUTCFullYear()) * 12 + (t.getUTCMonth() - a.getUTCMonth());
  k = Math.max(0, k - 1);
  while (addMonths(anchorMs, k + 1) <= atMs) k++;
  return periodBounds(anchorMs, k);
}

/** Calendar month (UTC) containing `atMs`: the budget period of orgs with no subscription. */
export function calendarMonth(atMs: number): { start: number; end: number } {
  const t = new Date(atMs);
  return {
    start: Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1),
    end: Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 1),
  };
}
