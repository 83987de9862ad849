/**
 * The windows the advice looks back over: the last complete billing periods. They are the
 * periods of the current anchor before the current one, continued before the anchor in
 * whole months of the same calendar rule (so an upgrade, which restarts the anchor, does
 * not cut the history short: the months before it are still looked at). An org without a
 * recurring period (Free) is looked at in monthly windows ending now. A window that
 * starts before the org existed is not complete and is left out.
 */
import { addMonths } from '../periods.ts';

export const MAX_PERIODS = 24;

export interface Window {
  start: number;
  end: number;
}

export function pastPeriods(opts: {
  now: number;
  /** The subscription's anchor and current period index; null anchor = no recurring subscription. */
  anchor: number | null;
  period_index: number;
  created_at: number;
  count: number;
}): Window[] {
  const count = Math.min(Math.max(0, Math.floor(opts.count)), MAX_PERIODS);
  const anchor = opts.anchor ?? opts.now;
  const current = opts.anchor === null ? 0 : opts.period_index;
  const out: Window[] = [];
  for (let j = current - 1; j >= current - count; j--) {
    const w = { start: addMonths(anchor, j), end: addMonths(anchor, j + 1) };
    if (w.start < opts.created_at) break;
    out.push(w);
  }
  return out.reverse();
}

export interface Forfeit {
  at: number;
  credits: number;
}

/** Credits forfeited at each window's closing renewal: expiries in (start, end]. */
export function forfeitedIn(windows: readonly Window[], forfeits: readonly Forfeit[]): number[] {
  return windows.map((w) => {
    let sum = 0;
    for (const f of forfeits) if (f.at > w.start && f.at <= w.end) sum += f.credits;
    return sum;
  });
}
