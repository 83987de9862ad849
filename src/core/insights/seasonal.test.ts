import { describe, expect, it } from 'vitest';
import { addMonths } from '../periods.ts';
import { at } from '../test-helpers.ts';
import { seasonalPattern } from './seasonal.ts';

const T0 = at('2025-01-01');
const periods = (used: number[], forfeited: number[] = []) =>
  used.map((u, k) => ({
    start: addMonths(T0, k),
    end: addMonths(T0, k + 1),
    used: u,
    forfeited: forfeited[k] ?? 0,
  }));

describe('seasonal pattern', () => {
  it('names the months that ran short of the subscription and those that forfeited at renewal', () => {
    // Basic (20, cap 40): quiet Jan–Mar bank 40, April's 70 uses 60 and runs 10 short.
    const s = seasonalPattern({
      allocation: 20,
      rollover_cap: 40,
      periods: periods([5, 5, 5, 70, 20, 30], [0, 0, 15, 0, 0, 0]),
    });
    expect(s.periods.map((p) => [p.subscription_credits, p.short, p.banked])).toEqual([
      [20, 0, 15],
      [35, 0, 30],
      [50, 0, 40],
      [60, 10, 0],
      [20, 0, 0],
      [20, 10, 0],
    ]);
    expect(s.ran_short).toEqual([addMonths(T0, 3), addMonths(T0, 5)]);
    expect(s.forfeited).toEqual([addMonths(T0, 2)]);
    expect(s.busiest).toBe(addMonths(T0, 3));
    expect(s.periods[3]!.kind).toBe('busy');
    expect(s.periods[0]!.kind).toBe('quiet');
    expect(s.summary).toContain('ran short in 2025-04, 2025-06');
    expect(s.summary).toContain('forfeited at renewal in 2025-03');
    expect(s.summary).toContain('quiet periods (2025-01, 2025-02, 2025-03) are the time to bank rollover');
  });

  it('says so when nothing ran short or was forfeited, and when there is no period', () => {
    expect(seasonalPattern({ allocation: 50, rollover_cap: 100, periods: periods([40, 45]) }).summary).toBe(
      'no period ran short of the subscription’s credits; nothing was forfeited at renewal',
    );
    expect(seasonalPattern({ allocation: 50, rollover_cap: 100, periods: [] })).toMatchObject({
      periods: [],
      busiest: null,
      summary: 'there is no complete period to look at yet',
    });
  });
});
