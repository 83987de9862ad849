import { describe, expect, it } from 'vitest';
import { cheaperPerCredit, pricePerCredit } from './price-per-credit.ts';

describe('price per credit', () => {
  it('counts thousandths of a cent, rounding half up, so money stays integer', () => {
    expect(pricePerCredit({ amount: 999, currency: 'usd' }, 20).amount_milli).toBe(49_950);
    expect(pricePerCredit({ amount: 1000, currency: 'usd' }, 3)).toEqual({
      amount_milli: 333_333,
      currency: 'usd',
      display: '$3.33333',
    });
    expect(pricePerCredit({ amount: 1, currency: 'usd' }, 2000).amount_milli).toBe(1); // 0.5 → 1
  });

  it('shows a currency without minor units in its own format', () => {
    expect(pricePerCredit({ amount: 1000, currency: 'jpy' }, 3).display).toBe('¥333.333');
  });

  it('compares offers exactly, not by the rounded figures', () => {
    const a = { price: { amount: 1, currency: 'usd' }, credits: 3000 };
    const b = { price: { amount: 1, currency: 'usd' }, credits: 2999 };
    expect(cheaperPerCredit(a, b)).toBe(true);
    expect(cheaperPerCredit(b, a)).toBe(false);
  });
});
