/**
 * SQLite's save path (decision 0013): a batch's durable write is its command rows
 * (command-log.ts), one compact row per operation; the rows derived from them (org states,
 * transactions, usage cells, history, idempotency records) wait in memory in the tail
 * (tail.ts) and are projected in one sorted transaction every so many operations or
 * milliseconds, when a read asks for them, and before close. The writer keeps the org
 * states it has run in memory, so a batch reads no org row it already holds.
 *
 * Any process may write the same file: each batch and projection starts by reading the
 * log's marks inside its transaction (which holds the file's write lock). If the log moved
 * since this writer's last commit, another writer appended: what this one holds in memory
 * may be stale, so it drops its tail (the log has it) and replays the log after the
 * projected mark through the same `applyBatch` — the recovery after a crash is the same
 * replay, started on open. The rules are deterministic given each record's time, so a replay
 * writes what the first run would have.
 *
 * The rows of a batch that creates an org, changes its members or looks up an archived
 * purchase are written in the batch's own transaction (with the tail before them): sign-in
 * reads members without waiting for a projection, and a refund finds its archived purchase
 * in the history table.
 */
import { type Catalog, type IdempotencyRecord, purchaseLookups } from '../core/index.ts';
import {
  applyBatch,
  BatchAbort,
  type BatchChanges,
  idemKey,
  type LoadedOrg,
  MEMBER_COMMANDS,
  type Op,
} from './batch.ts';
import { type Answer, batchRows, loadArchivedPurchases, loadIdempotency } from './batch-save.ts';
import { appendCommands, type LogMarks, loadCommands, markProjected, readMarks } from './command-log.ts';
import type { Dialect } from './dialect.ts';
import { StoreError } from './errors.ts';
import { inTransaction, type Proc } from './sql.ts';
import type { StateCache } from './state-cache.ts';
import { Tail } from './tail.ts';
import type { WriteResult } from './types.ts';

/** When the tail is projected (besides reads that ask and close). */
export interface ProjectionPolicy {
  /** Project once the tail holds this many operations (0: in every batch's own transaction). */
  maxOps: number;
  /** Project a tail this old (milliseconds since its first operation). */
  maxMs: number;
  /** Orgs written per transaction when the policy starts a projection (reads project all at once). */
  sliceOrgs: number;
}

/**
 * Project once 32,768 operations or 10 s have built up (figures in decision 0013): the more
 * operations of one org a projection holds, the fewer index pages each one dirties, and the
 * tail is what recovery replays after a crash, within 5 s (bench `recovery`). The age only
 * bounds how long an unread tail stays in memory: every read projects what it needs first.
 * A due tail is projected in slices of `sliceOrgs` orgs, one transaction each, so batches
 * keep committing between them.
 */
export const DEFAULT_PROJECTION: ProjectionPolicy = { maxOps: 32768, maxMs: 10_000, sliceOrgs: 2048 };

/** Operations read from the log per statement during a replay. */
const REPLAY_CHUNK = 4096;
/** A replay writes what it has replayed every this many operations (bounds its memory). */
const REPLAY_WINDOW = 65_536;

export interface LoggedContext {
  d: Dialect;
  cache: StateCache;
  catalog: Catalog;
  policy: ProjectionPolicy;
  /**
   * Called inside every projection's transaction once its rows are written and before the
   * mark moves (replays included): the crash tests kill the process there.
   */
  onProjecting?: (from: number, to: number) => void;
}

export class LoggedBatches {
  /** The last position this writer appended or replayed up to; -1 until it first looks. */
  private head = -1;
  /** The projected mark as this writer last wrote or read it. */
  private projected = -1;
  private readonly tail = new Tail();
  /** When the tail's first operation was committed (Date.now()), or null when empty. */
  private tailSince: number | null = null;
  /** Orgs left to project in the projection the policy started, in order, or null. */
  private sweep: string[] | null = null;
  /**
   * Counts the times another writer was found to have appended. A cached state is used
   * without reading its row only if its version was checked since (LoadedOrg.checked).
   */
  private epoch = 0;

  constructor(private readonly ctx: LoggedContext) {}

  /** Operations committed but not projected. */
  get tailOps() {
    return this.tail.ops;
  }

  /** The log position of this writer's last append (or replay). */
  get logHead() {
    return this.head;
  }

  /** Whether the policy says the tail should be projected now. */
  due(nowMs: number): boolean {
    if (this.tail.ops === 0) return false;
    return (
      this.tail.ops >= this.ctx.policy.maxOps || nowMs - (this.tailSince ?? nowMs) >= this.ctx.policy.maxMs
    );
  }

  /** Commits a batch; an operation whose rule code throws fails alone and the rest commit without it. */
  *commit(ops: Op[]): Proc<Answer[]> {
    const answers: Answer[] = new Array(ops.length);
    let pending = ops.map((op, i) => ({ op, i }));
    while (pending.length > 0) {
      const batch = pending.map((p) => p.op);
      try {
        const outcomes = yield* inTransaction(() => this.commitOnce(batch));
        pending.forEach((p, k) => {
          answers[p.i] = outcomes[k]!;
        });
        return answers;
      } catch (e) {
        // The states in memory were changed in place by a batch that did not commit: forget
        // them and the tail; the next transaction replays the log (which has the tail).
        for (const o of batch) this.ctx.cache.delete(o.orgId);
        this.forget();
        if (!(e instanceof BatchAbort)) throw e;
        const bad = pending[e.index]!;
        answers[bad.i] = e.failure instanceof Error ? e.failure : new Error(String(e.failure));
        pending = pending.filter((_, k) => k !== e.index);
      }
    }
    return answers;
  }

  /** Projects the whole tail now (or replays another writer's), in one transaction. */
  *project(): Proc<void> {
    yield* this.inOwnTransaction(function* (this: LoggedBatches) {
      yield* this.catchUp();
      this.sweep = null;
      yield* this.writeOrgs(this.tail.orgIds());
    });
  }

  /**
   * Writes the next slice of the projection the policy starts (starting one if none is
   * under way): `sliceOrgs` orgs in id order, in one transaction. Returns whether slices
   * are left.
   */
  *projectSlice(): Proc<{ more: boolean; orgs: string[] }> {
    let slice: string[] = [];
    yield* this.inOwnTransaction(function* (this: LoggedBatches) {
      yield* this.catchUp();
      if (this.sweep === null) this.sweep = this.tail.orgIds();
      slice = this.sweep.splice(0, this.ctx.policy.sliceOrgs);
      if (this.sweep.length === 0) this.sweep = null;
      yield* this.writeOrgs(slice);
    });
    return { more: this.sweep !== null, orgs: slice };
  }

  /**
   * Projects what the tail holds of the named orgs (a read of one org needs only its own
   * rows), in one transaction; another writer's appends are replayed whole first.
   */
  *projectOrgs(ids: string[]): Proc<void> {
    yield* this.inOwnTransaction(function* (this: LoggedBatches) {
      yield* this.catchUp();
      yield* this.writeOrgs(ids);
    });
  }

  /**
   * A projection's own transaction. It commits without waiting for the disk: everything it
   * writes follows from the command log, which is durable, so a projection lost to a power
   * cut is replayed from the log at the next start (the mark it moved is lost with it). An
   * fsync here would hold the writer thread ≈ 1–3 ms per slice and per read of an org with
   * rows waiting, for no promise kept.
   */
  private *inOwnTransaction(body: (this: LoggedBatches) => Proc<void>): Proc<void> {
    try {
      yield* inTransaction(body.bind(this), { waitForDisk: false });
    } catch (e) {
      this.forget();
      throw e;
    }
  }

  /** Drops everything held in memory past the tables: the log is replayed instead. */
  private forget() {
    for (const id of this.tail.orgIds()) this.ctx.cache.delete(id);
    this.tail.clear();
    this.tailSince = null;
    this.sweep = null;
    this.head = -1;
    this.projected = -1;
  }

  /**
   * Inside a transaction: makes this writer's view current. When another writer appended
   * since this one's last commit, cached states are checked against their rows' versions
   * before their next use.
   */
  private *catchUp(): Proc<void> {
    const marks = yield* readMarks();
    if (marks.head !== this.head) {
      // Another writer appended (or this one starts): the log after the projected mark is
      // the truth, the tail in memory may be part of it or stale. Replay it.
      for (const id of this.tail.orgIds()) this.ctx.cache.delete(id);
      this.tail.clear();
      this.tailSince = null;
      this.sweep = null;
      this.epoch++;
      if (marks.projected < marks.head) yield* this.replay(marks);
      this.head = this.projected = marks.head;
      return;
    }
    if (marks.projected !== this.projected) {
      // Another process projected this writer's tail by replaying the log: its rows are written.
      if (marks.projected !== marks.head)
        throw new StoreError(
          `the projection stopped at ${marks.projected}, inside this writer's tail ending at ${marks.head}`,
        );
      this.tail.clear();
      this.tailSince = null;
      this.sweep = null;
      this.projected = marks.projected;
    }
  }

  /**
   * Replays the logged operations after the projected mark, writing their rows every
   * REPLAY_WINDOW operations. An operation at or below its org's row version was projected
   * already (in a slice of an earlier projection) and is skipped.
   */
  private *replay(marks: LogMarks): Proc<void> {
    const { d, catalog } = this.ctx;
    const loaded = new Map<string, LoadedOrg>();
    const window = new Tail();
    for (let after = marks.projected; after < marks.head; ) {
      const chunk = yield* loadCommands(after, marks.head, REPLAY_CHUNK);
      if (chunk.length === 0)
        throw new StoreError(`the command log has no operations between ${after} and ${marks.head}`);
      const missing = [...new Set(chunk.map((l) => l.op.orgId))].filter((id) => !loaded.has(id)).sort();
      for (const r of yield* d.loadOrgs(
        missing,
        missing.map(() => -1),
      ))
        loaded.set(r.id, { state: JSON.parse(r.state!), version: r.version });
      const logged = chunk.filter((l) => l.pos > (loaded.get(l.op.orgId)?.version ?? -1));
      const ops = logged.map((l) => l.op);
      // An archived purchase is looked up in the history table: what the window holds goes there first.
      if (ops.some(needsHistory)) yield* this.writeWindow(window, after);
      const idem = yield* keysFor(d, ops, window);
      const archived = yield* loadArchivedPurchases(ops, loaded);
      let changes: BatchChanges;
      try {
        changes = applyBatch(ops, loaded, idem, catalog, archived).changes;
      } catch (e) {
        const at = e instanceof BatchAbort ? logged[e.index]!.pos : after;
        throw new StoreError(
          `replaying the command log failed at position ${at} (${e instanceof BatchAbort ? String(e.failure) : (e as Error).message}); the database was left as it was`,
        );
      }
      giveVersions(changes, loaded, logged);
      window.add(changes, idem, loaded, logged);
      after = chunk[chunk.length - 1]!.pos;
      if (window.ops >= REPLAY_WINDOW) yield* this.writeWindow(window, after);
    }
    yield* this.writeWindow(window, marks.head);
  }

  /** Writes what a replay holds and marks everything up to `upTo` projected. */
  private *writeWindow(window: Tail, upTo: number): Proc<void> {
    const changes = window.take(window.orgIds());
    if (changes.orgs.size + changes.txns.length + changes.idem.length > 0)
      yield* this.ctx.d.writeBatch(batchRows(changes), window.lastNow);
    this.ctx.onProjecting?.(this.projected, upTo);
    yield* markProjected(upTo);
  }

  private *commitOnce(ops: Op[]): Proc<WriteResult[]> {
    const { d, cache, catalog } = this.ctx;
    yield* this.catchUp();
    const atOnce = this.ctx.policy.maxOps === 0 || ops.some(writtenAtOnce);
    // An archived purchase is looked up in the history table: the tail goes there first.
    if (atOnce) yield* this.writeOrgs(this.tail.orgIds());

    const ids = [...new Set(ops.map((o) => o.orgId))].sort();
    const loaded = new Map<string, LoadedOrg>();
    const unread: string[] = [];
    for (const id of ids) {
      const inTail = this.tail.entry(id);
      const held = inTail ?? cache.get(id);
      if (inTail || (held && held.checked === this.epoch)) loaded.set(id, held!);
      else unread.push(id);
    }
    if (unread.length > 0) {
      // Rows a state is cached for are read only if their version moved (another writer).
      const rows = yield* d.loadOrgs(
        unread,
        unread.map((id) => cache.get(id)?.version ?? -1),
      );
      for (const r of rows) {
        const entry: LoadedOrg =
          r.state === null ? cache.get(r.id)! : { state: JSON.parse(r.state), version: r.version };
        entry.checked = this.epoch;
        if (r.state !== null) cache.set(r.id, entry);
        loaded.set(r.id, entry);
      }
      for (const id of unread) if (!loaded.has(id)) cache.delete(id);
    }

    const idem = yield* keysFor(d, ops, this.tail);
    const archived = atOnce ? yield* loadArchivedPurchases(ops, loaded) : new Map();

    const { outcomes, changes } = applyBatch(ops, loaded, idem, catalog, archived);
    const first = this.head + 1;
    const logged = ops.map((op, i) => ({ pos: first + i, op }));
    giveVersions(changes, loaded, logged);
    for (const [id, o] of changes.orgs)
      if (o.isNew) {
        const entry = loaded.get(id)!;
        entry.checked = this.epoch;
        cache.set(id, entry);
      }
    // A batch written whole needs no command rows: the tail before it is written already,
    // and its own rows commit with the mark (the lone write of a quiet store, a sign-up).
    if (!atOnce) yield* appendCommands(first, ops);
    this.head = first + ops.length - 1;
    if (this.tail.ops === 0) this.tailSince = Date.now();
    this.tail.add(changes, idem, loaded, logged);
    if (this.tail.size === 0) {
      // Nothing of the batch needs projecting (refusals without keys): the mark moves with the log.
      this.tailSince = null;
      yield* markProjected(this.head);
      this.projected = this.head;
    }
    if (atOnce) yield* this.writeOrgs(this.tail.orgIds());
    return outcomes;
  }

  /**
   * Inside a transaction, with the view current: writes the named orgs' part of the tail
   * and moves the mark to just before the oldest operation left in it (to the log's head
   * when the tail is empty).
   */
  private *writeOrgs(ids: string[]): Proc<void> {
    if (this.tail.size === 0 && this.projected === this.head) return;
    const changes = this.tail.take(ids);
    if (changes.orgs.size + changes.txns.length + changes.idem.length + changes.events.length > 0)
      yield* this.ctx.d.writeBatch(batchRows(changes), this.tail.lastNow);
    const oldest = this.tail.oldestPos();
    const mark = oldest === null ? this.head : oldest - 1;
    if (mark < this.projected)
      throw new StoreError(`the projected mark would move back from ${this.projected} to ${mark}`);
    this.ctx.onProjecting?.(this.projected, mark);
    if (mark !== this.projected) yield* markProjected(mark);
    this.projected = mark;
    if (this.tail.size === 0) this.tailSince = null;
  }
}

/**
 * The idempotency records of the operations' keys: from the tail when it holds them (not
 * written yet, with their results), else from the table.
 */
function* keysFor(d: Dialect, ops: Op[], tail: Tail): Proc<Map<string, IdempotencyRecord>> {
  const idem = new Map<string, IdempotencyRecord>();
  const fromTable: Op[] = [];
  for (const o of ops) {
    if (o.opts.idempotencyKey === undefined) continue;
    const k = idemKey(o.orgId, o.opts.idempotencyKey);
    const live = tail.idemLive.get(k);
    if (live) idem.set(k, live);
    else fromTable.push(o);
  }
  for (const [k, rec] of yield* loadIdempotency(d, fromTable)) idem.set(k, rec);
  return idem;
}

/** Operations whose batch is written in its own transaction (see the file's comment). */
function writtenAtOnce(o: Op): boolean {
  return o.kind === 'create' || MEMBER_COMMANDS.has(o.cmd.type) || purchaseLookups(o.cmd) !== null;
}

/** Operations that look up an archived purchase in the history table. */
function needsHistory(o: Op): boolean {
  return o.kind === 'exec' && purchaseLookups(o.cmd) !== null;
}

/**
 * An org row's version is the position of the last logged operation that changed it: the
 * same whether the operation ran first or in a replay, so a writer can tell from the row
 * whether the state it holds is current.
 */
function giveVersions(
  changes: BatchChanges,
  loaded: Map<string, LoadedOrg>,
  logged: { pos: number; op: Op }[],
) {
  const last = new Map<string, number>();
  for (const l of logged) last.set(l.op.orgId, l.pos);
  for (const [id, o] of changes.orgs) {
    o.version = last.get(id)!;
    loaded.get(id)!.version = o.version;
  }
}
