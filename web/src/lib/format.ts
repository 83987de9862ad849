/** How numbers, money and times read in the app. Credits are integers, money is cents. */

export function credits(n: number): string {
  return `${n.toLocaleString('en-US')} ${Math.abs(n) === 1 ? 'credit' : 'credits'}`;
}

export function signedCredits(n: number): string {
  return `${n > 0 ? '+' : n < 0 ? '−' : ''}${Math.abs(n).toLocaleString('en-US')}`;
}

export function money(m: { amount: number; currency: string }): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: m.currency.toUpperCase() }).format(
    m.amount / 100,
  );
}

/** Money per credit, to a tenth of a cent: $0.300. */
export function perCredit(m: { amount: number; currency: string }, creditCount: number): string {
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: m.currency.toUpperCase(),
    minimumFractionDigits: 3,
    maximumFractionDigits: 3,
  }).format(m.amount / 100 / creditCount);
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString('en-US', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
    timeZoneName: 'short',
  });
}

export function date(iso: string): string {
  return new Date(iso).toLocaleDateString('en-US', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
}

/** The grant sources in the order people read them (the API's `by_source` keys). */
export const SOURCE_LABELS = {
  free: 'Free',
  subscription: 'Subscription',
  rollover: 'Rollover',
  purchase: 'Purchased',
  adjustment: 'Adjustment',
} as const;

export function sourceLabel(source: string): string {
  return (SOURCE_LABELS as Record<string, string>)[source] ?? source;
}

/** Transaction types as the log shows them. */
export const TXN_TYPE_LABELS: Record<string, string> = {
  free_grant: 'Free credits',
  allocation: 'Allocation',
  rollover: 'Rollover',
  expiry: 'Expiry',
  purchase: 'Purchase',
  usage: 'Usage',
  refund: 'Refund',
  adjustment: 'Adjustment',
};

/** Operation ids of image.generate as people say them: 720p, 1080p, 4K, 8K. */
export function resolutionLabel(op: string): string {
  return /^\d+k$/i.test(op) ? op.toUpperCase() : op;
}

/** The sources a transaction drew from or added to, summed per source: "Free 1, Purchased 2". */
export function sourcesSummary(sources: { source: string; amount: number }[]): string {
  const sums = new Map<string, number>();
  for (const s of sources) sums.set(s.source, (sums.get(s.source) ?? 0) + Math.abs(s.amount));
  return [...sums].map(([s, n]) => `${sourceLabel(s)} ${n}`).join(', ');
}

/** What the batch costs against what is available: the words and the shortfall. */
export function affordability(total: number, available: number): { affordable: boolean; short: number } {
  const short = Math.max(0, total - available);
  return { affordable: short === 0, short };
}
