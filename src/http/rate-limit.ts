/**
 * Token buckets: each client (an IP address, or a credential) may send `rps` requests per
 * second on average with bursts up to `burst`. In memory and per process, bounded in size
 * (the least recently seen clients are forgotten first): enough for one server or a few;
 * a fleet behind a load balancer should limit there as well.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rps: number,
    private readonly burst: number,
    private readonly maxClients = 100_000,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Takes one token: 0 when allowed, else the whole seconds to wait before retrying. */
  take(id: string): number {
    const b = this.refilled(id);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return this.secondsUntilOne(b);
  }

  /**
   * Whether a token is there, without taking it: 0, or the whole seconds until one is. For
   * limits that charge only some outcomes (a failed sign-in) but must refuse before the work.
   */
  wait(id: string): number {
    const b = this.refilled(id);
    return b.tokens >= 1 ? 0 : this.secondsUntilOne(b);
  }

  private secondsUntilOne(b: { tokens: number }): number {
    return Math.max(1, Math.ceil((1 - b.tokens) / this.rps));
  }

  private refilled(id: string): { tokens: number; at: number } {
    const now = this.clock();
    let b = this.buckets.get(id);
    if (b) {
      this.buckets.delete(id); // re-inserted below, so the map stays in least-recently-seen order
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rps);
      b.at = now;
    } else {
      if (this.buckets.size >= this.maxClients) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      b = { tokens: this.burst, at: now };
    }
    this.buckets.set(id, b);
    return b;
  }
}
