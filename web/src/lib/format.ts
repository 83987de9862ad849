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
