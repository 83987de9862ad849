/**
 * How the insights read: date ranges as the usage report takes them (UTC days), the days
 * without usage filled in so a daily chart has no false slopes, shares, rates and the
 * advice's action in words. Pure functions, tested in format.test.ts.
 */

export const DAY_MS = 86_400_000;

/** A UTC day as YYYY-MM-DD. */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The last `days` UTC days up to and including the day of `now`. */
export function lastDays(now: number, days: number): { from: string; to: string } {
  return { from: isoDay(now - (days - 1) * DAY_MS), to: isoDay(now) };
}

/**
 * An inclusive range of days (YYYY-MM-DD) as the report's `from`/`to` times: `to` is the
 * start of the day after, because the report's `to` is exclusive.
 */
export function rangeQuery(from: string, to: string): { from: string; to: string } {
  return {
    from: new Date(`${from}T00:00:00Z`).toISOString(),
    to: new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS).toISOString(),
  };
}

/** How many days an inclusive range holds (0 if it is backwards or not a date). */
export function rangeDays(from: string, to: string): number {
  const d = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
  return Number.isFinite(d) && d > 0 ? d : 0;
}

/** The most days a daily chart fills in; past this the report's own rows are shown. */
export const MAX_FILLED_DAYS = 800;

/**
 * The report's day rows (only days with usage, biggest first) as one point per day of the
 * range, oldest first, with 0 on days without usage.
 */
export function fillDays(
  rows: { key: string; credits: number; count: number }[],
  from: string,
  to: string,
): { days: string[]; credits: number[]; counts: number[] } {
  const byDay = new Map(rows.map((r) => [r.key, r]));
  const n = rangeDays(from, to);
  const days =
    n > 0 && n <= MAX_FILLED_DAYS
      ? Array.from({ length: n }, (_, i) => isoDay(Date.parse(`${from}T00:00:00Z`) + i * DAY_MS))
      : [...byDay.keys()].sort();
  return {
    days,
    credits: days.map((d) => byDay.get(d)?.credits ?? 0),
    counts: days.map((d) => byDay.get(d)?.count ?? 0),
  };
}

/** A share of a total in %, one decimal ("12.5%"); "0%" of nothing. */
export function sharePct(part: number, total: number): string {
  if (total <= 0) return '0%';
  return `${(Math.round((part / total) * 1000) / 10).toLocaleString('en-US')}%`;
}

/** A burn rate: "3.25 credits a day". */
export function perDay(rate: number): string {
  const r = Math.round(rate * 100) / 100;
  return `${r.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${r === 1 ? 'credit' : 'credits'} a day`;
}

/** Whole days from `from` to `to` (ms), rounded down; negative when `to` is earlier. */
export function daysUntil(from: number, to: number): number {
  return Math.floor((to - from) / DAY_MS);
}

/** "in 3 days", "today", "2 days ago". */
export function relativeDays(days: number): string {
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  if (days > 0) return `in ${days} days`;
  return days === -1 ? 'yesterday' : `${-days} days ago`;
}

/**
 * The advice's action in words: "Upgrade to Pro", "Buy packs", "Stay on Basic"; tiers named
 * by `name` (`tierName` over the catalog, lib/catalog.ts).
 */
export function actionLabel(
  action: string,
  tier: string | undefined,
  current: string,
  name: (id: string) => string,
): string {
  switch (action) {
    case 'upgrade':
      return `Upgrade to ${name(tier ?? '')}`;
    case 'downgrade':
      return `Move down to ${name(tier ?? '')}`;
    case 'buy_packs':
      return `Stay on ${name(current)} and buy packs`;
    default:
      return `Stay on ${name(current)}`;
  }
}

/** A usage-report operation key (`image.generate/4k`) as a person reads it: "4K · image.generate". */
export function operationLabel(key: string): string {
  const slash = key.lastIndexOf('/');
  if (slash < 0) return key;
  const op = key.slice(slash + 1);
  return `${/^\d+k$/.test(op) ? op.toUpperCase() : op} · ${key.slice(0, slash)}`;
}

/** A billing period as "Mar 4 – Apr 3, 2026" (end exclusive, so the last day shown is the day before). */
export function periodLabel(startIso: string, endIso: string): string {
  const start = new Date(startIso);
  const last = new Date(Date.parse(endIso) - 1);
  const md = (d: Date) => d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
  return `${md(start)} – ${md(last)}, ${last.getUTCFullYear()}`;
}
