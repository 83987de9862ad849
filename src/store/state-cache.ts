/**
 * Org states kept in memory between batches, least recently used dropped first, so a
 * store with a million orgs holds only the busy ones. A cached state is only ever used
 * after its row version was checked inside the batch's transaction.
 */
import type { LoadedOrg } from './batch.ts';

export const DEFAULT_CACHED_ORGS = 50_000;

export class StateCache {
  private readonly map = new Map<string, LoadedOrg>();
  constructor(private readonly capacity = DEFAULT_CACHED_ORGS) {}

  get(id: string): LoadedOrg | undefined {
    const v = this.map.get(id);
    if (v) {
      this.map.delete(id);
      this.map.set(id, v);
    }
    return v;
  }

  set(id: string, v: LoadedOrg) {
    this.map.delete(id);
    this.map.set(id, v);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }

  delete(id: string) {
    this.map.delete(id);
  }

  get size() {
    return this.map.size;
  }
}
