/**
 * The demo's one clock. Every operation of an org runs at its own time and time never goes
 * back, so the log's `created_at` order is the order things were recorded in (and renewals,
 * which the ledger stamps at the period end as soon as a later operation arrives, fall in
 * between). An operation planned for an instant the clock has passed (a purchase or a
 * render took a minute) runs late rather than early.
 */
export class DemoClock {
  private t: number;
  constructor(
    start: number,
    /** Nothing runs at or after this instant. */
    readonly end: number,
  ) {
    this.t = start;
  }

  get now(): number {
    return this.t;
  }

  /** Moves to `at`, or stays where it is if `at` has passed. */
  to(at: number): number {
    this.t = Math.max(this.t, at);
    return this.t;
  }

  /** Moves on by `ms`, but never to the end of the simulated span. */
  after(ms: number): number {
    this.t = Math.max(this.t, Math.min(this.t + ms, this.end - 1));
    return this.t;
  }

  get over(): boolean {
    return this.t >= this.end;
  }
}
