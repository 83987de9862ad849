/**
 * The in-process side of `OrgChanges`: listeners per org, told synchronously when a
 * committed batch changed their org. SQLite announces its own commits here; PostgreSQL
 * announces what its LISTEN connection hears (org-changes-postgres.ts).
 */
import type { OrgChanges } from './types.ts';

export class LocalOrgChanges implements OrgChanges {
  private readonly listeners = new Map<string, Set<() => void>>();

  async subscribe(orgId: string, listener: () => void) {
    return this.add(orgId, listener);
  }

  add(orgId: string, listener: () => void): () => void {
    let set = this.listeners.get(orgId);
    if (!set) {
      set = new Set();
      this.listeners.set(orgId, set);
    }
    // Each subscription is its own entry, even for the same function.
    const entry = () => listener();
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.listeners.get(orgId) === set) this.listeners.delete(orgId);
    };
  }

  /** Orgs anyone listens to here (PostgreSQL LISTENs only while there are some). */
  get size() {
    return this.listeners.size;
  }

  emit(orgId: string) {
    const set = this.listeners.get(orgId);
    if (!set) return;
    for (const l of [...set]) {
      try {
        l();
      } catch {
        // A listener's failure is its own (a closed stream); the others still hear.
      }
    }
  }

  /** Everything may have changed (a lost connection came back). */
  emitAll() {
    for (const org of [...this.listeners.keys()]) this.emit(org);
  }
}
