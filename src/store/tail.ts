/**
 * The command log's unprojected tail, in memory (decision 0013): what the batches committed
 * since the last projection changed, kept per org, so a projection writes each touched
 * org's state once however many operations changed it, and the transactions, usage cells,
 * history and idempotency records of thousands of operations in one pass sorted by org.
 * Orgs leave it in slices (sorted runs of org ids, one transaction each) so a large tail is
 * projected without stopping the writer for long. It also answers the writer's lookups for
 * what is not in the tables yet: the live state of each org it holds, and the idempotency
 * records with their results.
 */
import type { Archived, DomainEvent, IdempotencyRecord, Transaction } from '../core/index.ts';
import { type BatchChanges, type DirtyOrg, type IdemRow, idemKey, type LoadedOrg, type Op } from './batch.ts';

/** One org's part of the tail. */
interface OrgTail {
  /** The live entry the writer uses (state and version). */
  entry: LoadedOrg;
  /** Whether the tail created the org or changed its members (rows those need). */
  isNew: boolean;
  membersChanged: boolean;
  /** Whether the state changed (an org here only for a refusal's key record did not). */
  changed: boolean;
  /** The log position of the org's oldest operation in the tail, and how many it has there. */
  firstPos: number;
  count: number;
  txns: Transaction[];
  events: DomainEvent[];
  archived: Archived[];
  /** Idempotency records to write, by key: a later batch's record replaces an earlier one. */
  idem: Map<string, IdemRow>;
}

export class Tail {
  private readonly orgs = new Map<string, OrgTail>();
  /** The records of `idem` as the rules replay them, with their results. */
  readonly idemLive = new Map<string, IdempotencyRecord>();
  /** Operations in the tail (those of orgs already projected out of it are not counted). */
  ops = 0;
  lastNow = 0;

  /** The live entry of an org the tail holds (it must not be read from its row). */
  entry(id: string): LoadedOrg | undefined {
    return this.orgs.get(id)?.entry;
  }

  /** Org ids in the tail, sorted: the order slices are projected in. */
  orgIds(): string[] {
    return [...this.orgs.keys()].sort();
  }

  get size() {
    return this.orgs.size;
  }

  /** The position of the oldest operation still in the tail, or null when it is empty. */
  oldestPos(): number | null {
    let min: number | null = null;
    for (const o of this.orgs.values()) if (min === null || o.firstPos < min) min = o.firstPos;
    return min;
  }

  /**
   * Adds a committed batch (or a replayed chunk): its change set (orgs with the versions
   * they were given), the idempotency map the rules used (holding the new records with
   * their results), the entries the rules ran on, and each operation's log position.
   */
  add(
    changes: BatchChanges,
    live: Map<string, IdempotencyRecord>,
    loaded: Map<string, LoadedOrg>,
    logged: { pos: number; op: Op }[],
  ) {
    const first = new Map<string, number>();
    for (const l of logged) if (!first.has(l.op.orgId)) first.set(l.op.orgId, l.pos);
    const bucket = (id: string): OrgTail => {
      let o = this.orgs.get(id);
      if (!o) {
        o = {
          entry: loaded.get(id)!,
          isNew: false,
          membersChanged: false,
          changed: false,
          firstPos: first.get(id)!,
          count: 0,
          txns: [],
          events: [],
          archived: [],
          idem: new Map(),
        };
        this.orgs.set(id, o);
      }
      return o;
    };
    for (const [id, d] of changes.orgs) {
      const o = bucket(id);
      o.entry = loaded.get(id)!;
      o.changed = true;
      o.isNew ||= d.isNew;
      o.membersChanged ||= d.membersChanged;
    }
    for (const t of changes.txns) bucket(t.org_id).txns.push(t);
    for (const e of changes.events) bucket(e.org_id).events.push(e);
    for (const a of changes.archived) bucket(a.org_id).archived.push(a.archived);
    for (const r of changes.idem) {
      const k = idemKey(r.org_id, r.key);
      bucket(r.org_id).idem.set(k, r);
      this.idemLive.set(k, live.get(k)!);
    }
    for (const l of logged) {
      const o = this.orgs.get(l.op.orgId);
      if (o) {
        o.count++;
        this.ops++;
      }
    }
    if (logged.length > 0) this.lastNow = logged[logged.length - 1]!.op.opts.now;
  }

  /**
   * Takes the named orgs out of the tail as one change set to project, each org with the
   * state and version it has now (ids the tail does not hold are skipped).
   */
  take(ids: Iterable<string>): BatchChanges {
    const out: BatchChanges = {
      orgs: new Map<string, DirtyOrg>(),
      txns: [],
      events: [],
      archived: [],
      idem: [],
    };
    for (const id of ids) {
      const o = this.orgs.get(id);
      if (!o) continue;
      this.orgs.delete(id);
      this.ops -= o.count;
      if (o.changed)
        out.orgs.set(id, {
          state: o.entry.state,
          version: o.entry.version,
          isNew: o.isNew,
          membersChanged: o.membersChanged,
        });
      for (const t of o.txns) out.txns.push(t);
      for (const e of o.events) out.events.push(e);
      for (const a of o.archived) out.archived.push({ org_id: id, archived: a });
      for (const [k, r] of o.idem) {
        out.idem.push(r);
        this.idemLive.delete(k);
      }
    }
    return out;
  }

  clear() {
    this.orgs.clear();
    this.idemLive.clear();
    this.ops = 0;
  }
}
