/**
 * Recently seen API keys, by the SHA-256 of their secret, so a busy key is not read from
 * the database on every request (a lookup was ≈ 7 % of the request thread's time under
 * load). Bounded in age and in size:
 *  - an entry lives `ttlMs` (monotonic time, not the service clock: a manual clock must
 *    not keep a revoked key alive), so a key revoked through another server instance or
 *    process stops working here within `ttlMs`;
 *  - a revocation through this process clears the cache, so it takes effect here at once;
 *  - unknown secrets are never cached, so guessing cannot fill it; past `maxEntries` the
 *    oldest entry goes.
 */
import type { ApiKey } from '../store/types.ts';

export class ApiKeyCache {
  private readonly entries = new Map<string, { key: ApiKey; until: number }>();

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(hash: string): ApiKey | undefined {
    const e = this.entries.get(hash);
    if (!e) return undefined;
    if (this.now() < e.until) return e.key;
    this.entries.delete(hash);
    return undefined;
  }

  set(hash: string, key: ApiKey) {
    if (this.ttlMs <= 0) return;
    this.entries.delete(hash); // re-inserted last: Map order is age order
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    // One object serves many requests: frozen, so no request can change what the next sees.
    Object.freeze(key.scopes);
    this.entries.set(hash, { key: Object.freeze(key), until: this.now() + this.ttlMs });
  }

  clear() {
    this.entries.clear();
  }

  get size() {
    return this.entries.size;
  }
}
