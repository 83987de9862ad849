/**
 * Where "now" comes from. The core never reads the clock; the app asks one of these and
 * passes the time in. The manual clock is the test clock (like Stripe's): frozen at the
 * real time it started, moved only by `advance`, enabled only by `AMISI_CLOCK=manual`.
 */
export interface Clock {
  readonly manual: boolean;
  now(): number;
}

export const systemClock: Clock = { manual: false, now: () => Date.now() };

export class ManualClock implements Clock {
  readonly manual = true;
  private t: number;
  constructor(start = Date.now()) {
    this.t = start;
  }
  now() {
    return this.t;
  }
  advance(seconds: number): number {
    this.t += seconds * 1000;
    return this.t;
  }
}
