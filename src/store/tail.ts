/**
 * The command log's unprojected tail, in memory (decision 0013): what the batches committed
 * since the last projection changed, merged into one change set, so the projection writes
 * each touched org's state once however many operations changed it, and the transactions,
 * usage cells, history and idempotency records of thousands of operations in one sorted
 * pass. It also answers the writer's lookups for what is not in the tables yet: the live
 * state of each org it holds, and the idempotency records with their results.
 */
import type { IdempotencyRecord } from '../core/index.ts';
import { type BatchChanges, type DirtyOrg, type IdemRow, idemKey, type LoadedOrg } from './batch.ts';

export class Tail {
  /** Orgs changed since the last projection: the live entry the writer uses, and its flags. */
  readonly orgs = new Map<string, { entry: LoadedOrg; isNew: boolean; membersChanged: boolean }>();
  private txns: BatchChanges['txns'] = [];
  private events: BatchChanges['events'] = [];
  private archived: BatchChanges['archived'] = [];
  /** Records to write, one per (org, key): a later batch's record replaces an earlier one. */
  private readonly idemRows = new Map<string, IdemRow>();
  /** The same records as the rules replay them, with their results. */
  readonly idemLive = new Map<string, IdempotencyRecord>();
  /** Operations in the tail, and the time of the newest. */
  ops = 0;
  lastNow = 0;

  /**
   * Adds a committed batch: its change set (orgs with the versions they were given), and
   * the idempotency map the rules used, holding the batch's new records with their results.
   */
  add(
    changes: BatchChanges,
    live: Map<string, IdempotencyRecord>,
    loaded: Map<string, LoadedOrg>,
    ops: number,
    now: number,
  ) {
    for (const [id, o] of changes.orgs) {
      const prev = this.orgs.get(id);
      this.orgs.set(id, {
        entry: loaded.get(id)!,
        isNew: o.isNew || (prev?.isNew ?? false),
        membersChanged: o.membersChanged || (prev?.membersChanged ?? false),
      });
    }
    for (const t of changes.txns) this.txns.push(t);
    for (const e of changes.events) this.events.push(e);
    for (const a of changes.archived) this.archived.push(a);
    for (const r of changes.idem) {
      const k = idemKey(r.org_id, r.key);
      this.idemRows.set(k, r);
      this.idemLive.set(k, live.get(k)!);
    }
    this.ops += ops;
    this.lastNow = now;
  }

  /** The merged change set to project, each org with the state and version it has now. */
  changes(): BatchChanges {
    const orgs = new Map<string, DirtyOrg>();
    for (const [id, o] of this.orgs)
      orgs.set(id, {
        state: o.entry.state,
        version: o.entry.version,
        isNew: o.isNew,
        membersChanged: o.membersChanged,
      });
    return {
      orgs,
      txns: this.txns,
      events: this.events,
      archived: this.archived,
      idem: [...this.idemRows.values()],
    };
  }

  clear() {
    this.orgs.clear();
    this.txns = [];
    this.events = [];
    this.archived = [];
    this.idemRows.clear();
    this.idemLive.clear();
    this.ops = 0;
  }
}
