import { describe, expect, it } from 'vitest';
import { at, iso } from '../test-helpers.ts';
import { forfeitedIn, MAX_PERIODS, pastPeriods } from './past-periods.ts';

const show = (ws: { start: number; end: number }[]) => ws.map((w) => [iso(w.start), iso(w.end)]);

describe('past periods', () => {
  it('looks back over the complete periods of the anchor, oldest first, and months before it', () => {
    // Anchor Jan 31: periods Jan 31 → Feb 28 → Mar 31 → Apr 30 (current: index 3).
    const ws = pastPeriods({
      now: at('2025-05-10'),
      anchor: at('2025-01-31'),
      period_index: 3,
      created_at: at('2024-12-01'),
      count: 6,
    });
    expect(show(ws)).toEqual([
      [iso(at('2024-12-31')), iso(at('2025-01-31'))],
      [iso(at('2025-01-31')), iso(at('2025-02-28'))],
      [iso(at('2025-02-28')), iso(at('2025-03-31'))],
      [iso(at('2025-03-31')), iso(at('2025-04-30'))],
    ]);
  });

  it('leaves out a window that started before the org existed', () => {
    const ws = pastPeriods({
      now: at('2025-03-20'),
      anchor: at('2025-01-10'),
      period_index: 2,
      created_at: at('2025-01-10'),
      count: 6,
    });
    expect(ws.length).toBe(2);
    expect(iso(ws[0]!.start)).toBe(iso(at('2025-01-10')));
  });

  it('looks at an org without a subscription in monthly windows ending now', () => {
    const ws = pastPeriods({
      now: at('2025-06-15T12:00'),
      anchor: null,
      period_index: 0,
      created_at: at('2025-03-01'),
      count: 6,
    });
    expect(show(ws)).toEqual([
      [iso(at('2025-03-15T12:00')), iso(at('2025-04-15T12:00'))],
      [iso(at('2025-04-15T12:00')), iso(at('2025-05-15T12:00'))],
      [iso(at('2025-05-15T12:00')), iso(at('2025-06-15T12:00'))],
    ]);
  });

  it(`never looks back over more than ${MAX_PERIODS} periods`, () => {
    const ws = pastPeriods({
      now: at('2030-01-01'),
      anchor: null,
      period_index: 0,
      created_at: 0,
      count: 1000,
    });
    expect(ws.length).toBe(MAX_PERIODS);
  });

  it('counts an expiry at a window’s end as forfeited at the renewal closing it', () => {
    const ws = [
      { start: at('2025-01-01'), end: at('2025-02-01') },
      { start: at('2025-02-01'), end: at('2025-03-01') },
    ];
    expect(
      forfeitedIn(ws, [
        { at: at('2025-02-01'), credits: 7 },
        { at: at('2025-03-01'), credits: 3 },
        { at: at('2025-03-02'), credits: 100 },
      ]),
    ).toEqual([7, 3]);
  });
});
