import { describe, expect, it } from 'vitest';
import { tierName } from '../../lib/catalog';
import {
  actionLabel,
  daysUntil,
  fillDays,
  lastDays,
  operationLabel,
  perDay,
  periodLabel,
  rangeDays,
  rangeQuery,
  relativeDays,
  sharePct,
} from './format';

const DAY = 86_400_000;

describe('insights formatting', () => {
  it('turns an inclusive range of UTC days into the report’s [from, to) times', () => {
    expect(rangeQuery('2026-03-01', '2026-03-31')).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
    });
    expect(rangeDays('2026-03-01', '2026-03-31')).toBe(31);
    expect(rangeDays('2026-03-02', '2026-03-01')).toBe(0);
    expect(rangeDays('', '2026-03-01')).toBe(0);
  });

  it('takes the last N days up to and including today (UTC)', () => {
    const now = Date.parse('2026-12-04T23:30:00Z');
    expect(lastDays(now, 7)).toEqual({ from: '2026-11-28', to: '2026-12-04' });
    expect(rangeDays(lastDays(now, 30).from, lastDays(now, 30).to)).toBe(30);
  });

  it('fills the days without usage with zeros, oldest first', () => {
    const rows = [
      { key: '2026-03-03', credits: 5, count: 2 },
      { key: '2026-03-01', credits: 1, count: 1 },
    ];
    expect(fillDays(rows, '2026-03-01', '2026-03-04')).toEqual({
      days: ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04'],
      credits: [1, 0, 5, 0],
      counts: [1, 0, 2, 0],
    });
    // A backwards range falls back to the rows' own days.
    expect(fillDays(rows, '2026-03-05', '2026-03-01').days).toEqual(['2026-03-01', '2026-03-03']);
  });

  it('says shares to one decimal and rates to two', () => {
    expect(sharePct(1, 3)).toBe('33.3%');
    expect(sharePct(0, 0)).toBe('0%');
    expect(sharePct(2, 2)).toBe('100%');
    expect(perDay(3.256)).toBe('3.26 credits a day');
    expect(perDay(1)).toBe('1 credit a day');
    expect(perDay(0)).toBe('0 credits a day');
  });

  it('counts whole days and says them relative to today', () => {
    expect(daysUntil(0, 3 * DAY + 5)).toBe(3);
    expect(daysUntil(0, DAY - 1)).toBe(0);
    expect(relativeDays(0)).toBe('today');
    expect(relativeDays(1)).toBe('tomorrow');
    expect(relativeDays(12)).toBe('in 12 days');
    expect(relativeDays(-1)).toBe('yesterday');
    expect(relativeDays(-4)).toBe('4 days ago');
  });

  it('words the advice’s action with the tiers, named as the catalog names them', () => {
    const tiers = [
      { id: 'basic', name: 'Basic' },
      { id: 'pro', name: 'Pro' },
      { id: 'business', name: 'Business' },
    ];
    const name = (id: string) => tierName(tiers, id);
    expect(actionLabel('upgrade', 'pro', 'basic', name)).toBe('Upgrade to Pro');
    expect(actionLabel('downgrade', 'basic', 'pro', name)).toBe('Move down to Basic');
    expect(actionLabel('buy_packs', undefined, 'basic', name)).toBe('Stay on Basic and buy packs');
    expect(actionLabel('stay', undefined, 'business', name)).toBe('Stay on Business');
    const renamed = (id: string) => tierName([{ id: 'pro', name: 'Pro Studio' }], id);
    expect(actionLabel('upgrade', 'pro', 'basic', renamed)).toBe('Upgrade to Pro Studio');
  });

  it('reads operations and periods as a person would', () => {
    expect(operationLabel('image.generate/4k')).toBe('4K · image.generate');
    expect(operationLabel('image.generate/720p')).toBe('720p · image.generate');
    expect(operationLabel('plain')).toBe('plain');
    // The end is exclusive: the period's last day is the day before.
    expect(periodLabel('2026-03-04T00:00:00.000Z', '2026-04-04T00:00:00.000Z')).toBe('Mar 4 – Apr 3, 2026');
  });
});
