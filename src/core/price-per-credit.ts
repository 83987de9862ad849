/**
 * What one credit costs in a tier or a pack, for people comparing them (the guide's
 * "purchase vs upgrade" is a per-credit question). Money stays integer: the price per
 * credit is counted in thousandths of the currency's minor unit (millicents for USD),
 * rounded half up, which is exact for the seed's packs (pack_200: $59.99 / 200 =
 * 29.995 cents = 29,995 millicents) and for every shipped example tier price.
 */
import type { Money } from './catalog.ts';

/** Thousandths of a minor unit: three more decimals than the price itself. */
export const PER_CREDIT_SCALE = 1000;

export interface PricePerCredit {
  /** Thousandths of the currency's minor unit (millicents for USD), rounded half up. */
  amount_milli: number;
  currency: string;
  /** The same amount in the currency's own format, e.g. "$0.29995". */
  display: string;
}

export function pricePerCredit(price: Money, credits: number): PricePerCredit {
  if (!Number.isInteger(credits) || credits <= 0)
    throw new Error(`invariant violated: credits must be a positive integer, got ${credits}`);
  // Integer maths: round half up of price × 1000 / credits.
  const amount_milli = Math.floor((price.amount * PER_CREDIT_SCALE * 2 + credits) / (credits * 2));
  const f = new Intl.NumberFormat('en-US', { style: 'currency', currency: price.currency.toUpperCase() });
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  const display = new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: price.currency.toUpperCase(),
    minimumFractionDigits: digits,
    maximumFractionDigits: digits + 3,
  }).format(amount_milli / PER_CREDIT_SCALE / 10 ** digits);
  return { amount_milli, currency: price.currency, display };
}

/** Is a cheaper per credit than b? Compared exactly (cross-multiplied), not by the rounded figures. */
export const cheaperPerCredit = (
  a: { price: Money; credits: number },
  b: { price: Money; credits: number },
) => a.price.amount * b.credits < b.price.amount * a.credits;
