import { describe, expect, it } from 'vitest';
import { at, DAY, iso } from '../test-helpers.ts';
import { type ForecastInput, forecast, HORIZON_MS } from './forecast.ts';

const now = at('2025-03-10');
const base: ForecastInput = {
  now,
  available: 10,
  used_in_window: 28,
  window_ms: 14 * DAY,
  period_end: at('2025-03-20'),
  next_allocation: 50,
  next_rollover_cap: 100,
  expiring_unused: 10,
  forfeit_at_renewal: 0,
  last_year: null,
};

describe('forecast', () => {
  it('projects the run-out date from the burn rate and the shortfall before renewal', () => {
    const f = forecast(base); // 28 credits in 14 days: 2 a day; 10 left → 5 days
    expect(f.burn_per_day).toBe(2);
    expect(iso(f.runs_out_at!)).toBe(iso(at('2025-03-15')));
    expect(f.runs_out_before_renewal).toBe(true);
    expect(f.projected_use_until_renewal).toBe(20);
    expect(f.shortfall).toBe(10);
    expect(f.arriving_at_renewal).toBe(50);
  });

  it('finds no shortfall when the credits last until the renewal', () => {
    const f = forecast({ ...base, available: 30 });
    expect(f.runs_out_before_renewal).toBe(false);
    expect(f.shortfall).toBe(0);
  });

  it('never runs out when nothing was used in the window', () => {
    const f = forecast({ ...base, used_in_window: 0 });
    expect(f).toMatchObject({
      burn_per_day: 0,
      runs_out_at: null,
      shortfall: 0,
      projected_use_until_renewal: 0,
    });
  });

  it('rounds projected use up and the run-out time down', () => {
    // 1 credit in 3 days, 1 day to go: a third of a credit is still a credit to plan for.
    const f = forecast({
      ...base,
      available: 0,
      used_in_window: 1,
      window_ms: 3 * DAY,
      period_end: now + DAY,
    });
    expect(f.projected_use_until_renewal).toBe(1);
    expect(f.shortfall).toBe(1);
    expect(f.runs_out_at).toBe(now);
    expect(f.burn_per_day).toBe(0.33);
  });

  it('projects what renewal will forfeit over the cap after the expected use', () => {
    // 180 subscription/rollover credits unused, 20 more to be used, cap 100 → 60 forfeited.
    const f = forecast({ ...base, available: 200, expiring_unused: 180, forfeit_at_renewal: 80 });
    expect(f.forfeit_at_renewal).toBe(80);
    expect(f.projected_forfeit_at_renewal).toBe(60);
  });

  it('has no renewal, shortfall or arrivals for an org without a period', () => {
    const f = forecast({ ...base, period_end: null });
    expect(f).toMatchObject({
      period_end: null,
      shortfall: 0,
      arriving_at_renewal: 0,
      runs_out_before_renewal: false,
    });
    expect(f.runs_out_at).not.toBeNull();
  });

  it('gives no run-out date further away than its horizon, with exact integer maths', () => {
    const far = forecast({ ...base, available: 1_000_000_000, used_in_window: 1, window_ms: 90 * DAY });
    expect(far.runs_out_at).toBeNull();
    const near = forecast({
      ...base,
      available: 1_000_000_000,
      used_in_window: 999_999_999,
      window_ms: 90 * DAY,
    });
    expect(near.runs_out_at! - now).toBeLessThan(HORIZON_MS);
    expect(near.runs_out_at! - now).toBe(Math.floor((1_000_000_000 * 90 * DAY) / 999_999_999));
  });

  it('passes last year’s usage of the same period through', () => {
    const ly = { from: at('2024-02-20'), to: at('2024-03-20'), used: 42 };
    expect(forecast({ ...base, last_year: ly }).last_year).toEqual(ly);
  });
});
