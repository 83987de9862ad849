import { describe, expect, it } from 'vitest';
import { addMonths, calendarMonth, periodAt, periodBounds } from './periods.ts';
import { at, iso } from './test-helpers.ts';

const ends = (anchor: string, n: number) =>
  Array.from({ length: n }, (_, k) => iso(addMonths(at(anchor), k + 1)).slice(0, 10));

describe('periods', () => {
  it('clamps the day to the end of a short month and returns to the anchor day (Jan 31 → Feb 28 → Mar 31)', () => {
    expect(ends('2025-01-31', 4)).toEqual(['2025-02-28', '2025-03-31', '2025-04-30', '2025-05-31']);
  });

  it('never drifts: every boundary is computed from the anchor, not from the previous boundary', () => {
    const anchor = at('2025-01-31T09:30');
    for (let k = 0; k < 36; k++) {
      const p = periodBounds(anchor, k);
      expect(p.end).toBe(periodBounds(anchor, k + 1).start);
      const day = new Date(p.end).getUTCDate();
      const month = new Date(p.end).getUTCMonth();
      const lastDay = new Date(Date.UTC(new Date(p.end).getUTCFullYear(), month + 1, 0)).getUTCDate();
      expect(day).toBe(Math.min(31, lastDay));
      expect(iso(p.end).slice(11)).toBe('09:30:00.000Z');
    }
  });

  it('uses Feb 29 in leap years and Feb 28 otherwise', () => {
    expect(ends('2024-01-31', 1)).toEqual(['2024-02-29']);
    expect(ends('2023-01-31', 1)).toEqual(['2023-02-28']);
    // An anchor on Feb 29 renews on the 29th where it exists, the 28th otherwise.
    const feb29 = at('2024-02-29');
    expect(iso(addMonths(feb29, 1)).slice(0, 10)).toBe('2024-03-29');
    expect(iso(addMonths(feb29, 12)).slice(0, 10)).toBe('2025-02-28');
    expect(iso(addMonths(feb29, 48)).slice(0, 10)).toBe('2028-02-29');
  });

  it('crosses year ends', () => {
    expect(ends('2024-11-30', 3)).toEqual(['2024-12-30', '2025-01-30', '2025-02-28']);
  });

  it('finds the period containing an instant: start inclusive, end exclusive', () => {
    const anchor = at('2025-01-31');
    expect(periodAt(anchor, at('2025-02-27'))).toMatchObject({ index: 0 });
    expect(periodAt(anchor, at('2025-02-28'))).toMatchObject({
      index: 1,
      start: at('2025-02-28'),
      end: at('2025-03-31'),
    });
    expect(periodAt(anchor, at('2025-03-31') - 1)).toMatchObject({ index: 1 });
    expect(periodAt(anchor, at('2026-01-31'))).toMatchObject({ index: 12 });
    expect(periodAt(anchor, at('2024-12-01'))).toMatchObject({ index: 0 });
  });

  it('uses the calendar month (UTC) for budgets of orgs without a subscription', () => {
    expect(calendarMonth(at('2024-02-29T23:59'))).toEqual({ start: at('2024-02-01'), end: at('2024-03-01') });
  });
});
