/**
 * The demo's randomness: a small deterministic PRNG (mulberry32) with the few draws the
 * simulation needs, so the same seed always gives the same demo. Imports nothing.
 */
export class Dice {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** An integer from lo to hi, both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }

  /** One of the keys, each as likely as its weight. */
  weighted<K extends string>(weights: Readonly<Partial<Record<K, number>>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }

  /** An id like the API's random ones (`gen_…`): 16 base-36 characters. */
  id(prefix: string): string {
    let s = '';
    for (let i = 0; i < 16; i++) s += Math.floor(this.next() * 36).toString(36);
    return `${prefix}_${s}`;
  }
}
