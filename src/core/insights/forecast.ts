/**
 * The forecast: at the recent burn rate, when do the credits run out, and is that before
 * the renewal? Burn = credits used over a recent window ÷ the window's length. Everything
 * is projected linearly from that one rate, in integer arithmetic (BigInt where
 * credits × milliseconds could pass 2^53), rounding against the org: projected use rounds
 * up, the run-out time rounds down.
 *
 *  - runs_out_at: now + available ÷ burn (null when nothing was used in the window, or when
 *    it would take longer than HORIZON_MS: a date centuries away helps nobody);
 *  - shortfall: credits the org will lack before the period ends = projected use until the
 *    period end − available, or 0 (also 0 without a renewal to wait for);
 *  - arriving_at_renewal: the allocation of the tier in force next period;
 *  - forfeit_at_renewal: what renewal would expire over the cap if nothing more were used
 *    (the core's `forfeitAtRenewal`); projected_forfeit_at_renewal: the same after the
 *    projected use, drawn first from the subscription and rollover credits (they expire first);
 *  - last_year: usage in the same period a year earlier, when the org is that old.
 */
export const DAY_MS = 86_400_000;
export const HORIZON_MS = 100 * 366 * DAY_MS;

export interface ForecastInput {
  now: number;
  /** Credits that can be spent now (`available`, the credit line not counted). */
  available: number;
  /** Credits used in the window [now − window_ms, now). */
  used_in_window: number;
  window_ms: number;
  /** End of the current period; null when nothing renews. */
  period_end: number | null;
  /** Allocation of the tier in force for the next period (0 when it does not renew). */
  next_allocation: number;
  /** Rollover cap of the tier in force for the next period. */
  next_rollover_cap: number;
  /** Unused subscription and rollover credits now (held ones not counted). */
  expiring_unused: number;
  /** `forfeitAtRenewal` of the core, as of now. */
  forfeit_at_renewal: number;
  last_year: { from: number; to: number; used: number } | null;
}

export interface Forecast {
  burn_per_day: number;
  window_days: number;
  used_in_window: number;
  available: number;
  runs_out_at: number | null;
  period_end: number | null;
  runs_out_before_renewal: boolean;
  projected_use_until_renewal: number;
  shortfall: number;
  arriving_at_renewal: number;
  forfeit_at_renewal: number;
  projected_forfeit_at_renewal: number;
  last_year: { from: number; to: number; used: number } | null;
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

export function forecast(f: ForecastInput): Forecast {
  if (f.window_ms <= 0) throw new Error('invariant violated: the burn window must be positive');
  const used = BigInt(Math.max(0, f.used_in_window));
  const windowMs = BigInt(f.window_ms);
  const available = Math.max(0, f.available);

  let runsOutAt: number | null = null;
  if (used > 0n) {
    const ms = (BigInt(available) * windowMs) / used;
    if (ms <= BigInt(HORIZON_MS)) runsOutAt = f.now + Number(ms);
  }

  const untilEnd = f.period_end === null ? 0 : Math.max(0, f.period_end - f.now);
  const projected = used === 0n ? 0 : Number(ceilDiv(used * BigInt(untilEnd), windowMs));
  const shortfall = f.period_end === null ? 0 : Math.max(0, projected - available);
  const expiringLeft = Math.max(0, f.expiring_unused - projected);

  return {
    // A rate, not a balance: two decimals for people; the integers above are exact.
    burn_per_day: Math.round((Number(used) * DAY_MS * 100) / f.window_ms) / 100,
    window_days: Math.round((f.window_ms / DAY_MS) * 100) / 100,
    used_in_window: Number(used),
    available,
    runs_out_at: runsOutAt,
    period_end: f.period_end,
    runs_out_before_renewal: f.period_end !== null && runsOutAt !== null && runsOutAt < f.period_end,
    projected_use_until_renewal: projected,
    shortfall,
    arriving_at_renewal: f.period_end === null ? 0 : f.next_allocation,
    forfeit_at_renewal: f.forfeit_at_renewal,
    projected_forfeit_at_renewal: f.period_end === null ? 0 : Math.max(0, expiringLeft - f.next_rollover_cap),
    last_year: f.last_year,
  };
}
