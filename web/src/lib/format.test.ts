import { describe, expect, it } from 'vitest';
import {
  affordability,
  credits,
  money,
  perCredit,
  resolutionLabel,
  signedCredits,
  sourcesSummary,
} from './format';

describe('formatting', () => {
  it('says credit for one and credits otherwise', () => {
    expect(credits(1)).toBe('1 credit');
    expect(credits(0)).toBe('0 credits');
    expect(credits(1200)).toBe('1,200 credits');
  });
  it('signs amounts with a real minus', () => {
    expect(signedCredits(20)).toBe('+20');
    expect(signedCredits(-3)).toBe('−3');
    expect(signedCredits(0)).toBe('0');
  });
  it('prints money from cents and the price per credit to a tenth of a cent', () => {
    expect(money({ amount: 999, currency: 'usd' })).toBe('$9.99');
    expect(perCredit({ amount: 999, currency: 'usd' }, 20)).toBe('$0.500');
    expect(perCredit({ amount: 5999, currency: 'usd' }, 200)).toBe('$0.300');
  });
  it('names resolutions as people say them', () => {
    expect(resolutionLabel('8k')).toBe('8K');
    expect(resolutionLabel('720p')).toBe('720p');
  });
  it('sums the sources of a transaction per source', () => {
    expect(
      sourcesSummary([
        { source: 'free', amount: -1 },
        { source: 'purchase', amount: -2 },
        { source: 'purchase', amount: -1 },
      ]),
    ).toBe('Free 1, Purchased 3');
  });
  it('gives the exact shortfall of an unaffordable batch', () => {
    expect(affordability(8, 5)).toEqual({ affordable: false, short: 3 });
    expect(affordability(5, 5)).toEqual({ affordable: true, short: 0 });
  });
});
