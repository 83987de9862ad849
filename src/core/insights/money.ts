/** Money for people: integer minor units shown in the currency's own format ("$19.99"). */
import type { Money } from '../catalog.ts';

export function formatMoney(m: Money): string {
  const f = new Intl.NumberFormat('en-US', { style: 'currency', currency: m.currency.toUpperCase() });
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(m.amount / 10 ** digits);
}

export const sumMoney = (currency: string, ...amounts: Money[]): Money => ({
  amount: amounts.reduce((s, m) => s + m.amount, 0),
  currency,
});
