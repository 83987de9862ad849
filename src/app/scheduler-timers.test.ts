import { describe, expect, it } from 'vitest';
import { schedulerTimers } from './scheduler.ts';

describe('scheduler timers', () => {
  it('sends webhooks and emails on wall-clock time even under the manual test clock, while renewals wait for it', () => {
    expect(
      schedulerTimers({ manual: true, scheduler_interval_seconds: 60, delivery_interval_seconds: 2 }),
    ).toEqual({
      intervalMs: 0,
      deliveryIntervalMs: 2000,
    });
  });

  it('runs full passes and deliveries on the system clock, and neither when set to 0', () => {
    expect(
      schedulerTimers({ manual: false, scheduler_interval_seconds: 60, delivery_interval_seconds: 2 }),
    ).toEqual({
      intervalMs: 60_000,
      deliveryIntervalMs: 2000,
    });
    expect(
      schedulerTimers({ manual: true, scheduler_interval_seconds: 0, delivery_interval_seconds: 0 }),
    ).toEqual({
      intervalMs: 0,
      deliveryIntervalMs: 0,
    });
  });
});
