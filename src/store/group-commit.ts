/**
 * Group commit (TigerBeetle's lesson): operations that arrive while a commit is in flight
 * wait in a queue and go together into the next one, so one fsync acknowledges many
 * operations. Each caller is answered only after its batch is durable. An operation whose
 * rule code throws (a bug, not a refusal) fails alone: the batch is retried without it.
 */
import type { Op } from './batch.ts';
import type { WriteResult } from './types.ts';

interface Pending {
  op: Op;
  resolve: (r: WriteResult) => void;
  reject: (e: unknown) => void;
}

export class StoreOverloaded extends Error {
  constructor(limit: number) {
    super(`the write queue is full (${limit} operations waiting); retry shortly`);
    this.name = 'StoreOverloaded';
  }
}

export class StoreClosed extends Error {
  constructor() {
    super('the store is closing and accepts no new writes');
    this.name = 'StoreClosed';
  }
}

export interface GroupCommitOptions {
  /** Most operations committed together (bounds memory and lock time per batch). */
  maxBatch: number;
  /** Most operations waiting; beyond it, writes are refused rather than queued without bound. */
  maxQueue: number;
  /**
   * Batches in flight at once (default 1). Concurrent batches never share an org: an
   * operation waits while its org is in a batch being committed, so each org still sees
   * its operations in arrival order and its cached state is used by one batch at a time.
   */
  concurrency?: number;
  /**
   * The committer applies batches strictly one after another in the order given (the
   * SQLite writer thread): then batches in flight may share orgs, and only the number
   * in flight is bounded.
   */
  ordered?: boolean;
  onBatch?: (size: number, ms: number) => void;
  /**
   * A store that has been sent nothing for this long is quiet: an operation arriving then
   * has no batch to wait for, so its batch starts at the end of the current task instead
   * of the event loop's next turn (≈ 0.2 ms of a lone write's latency on a busy loop), and
   * the committer is told the batch is a quiet one. Under load operations keep arriving
   * and batch as before. Off when absent or Infinity.
   */
  quietMs?: number;
}

/** What the committer learns about a batch besides its operations. */
export interface BatchInfo {
  /** Started at once because the store was quiet (see `quietMs`). */
  quiet: boolean;
}

/** How long a store must have been sent nothing to count as quiet (see `quietMs`). */
export const QUIET_MS = 5;

export class GroupCommit {
  private queue: Pending[] = [];
  private readonly busy = new Set<string>();
  private inflight = 0;
  private scheduled = false;
  /** The batch the next pump takes was scheduled because the store was quiet. */
  private quietStart = false;
  private lastSubmitAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  private idle: (() => void)[] = [];

  constructor(
    /** Answers per operation: its outcome, or an Error for the one whose rule code threw. */
    private readonly commit: (ops: Op[], info: BatchInfo) => Promise<(WriteResult | Error)[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  get pending() {
    return this.queue.length;
  }

  submit(op: Op): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new StoreClosed());
    if (this.queue.length >= this.options.maxQueue)
      return Promise.reject(new StoreOverloaded(this.options.maxQueue));
    const now = performance.now();
    const quietMs = this.options.quietMs ?? Number.POSITIVE_INFINITY;
    const quiet =
      quietMs < Number.POSITIVE_INFINITY &&
      this.inflight === 0 &&
      this.queue.length === 0 &&
      now - this.lastSubmitAt >= quietMs;
    this.lastSubmitAt = now;
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.schedule(quiet);
    });
  }

  /**
   * Yields once first, so that everything arriving in this turn of the event loop joins the
   * batch; on a quiet store only to the end of the current task (what it submits at once
   * still joins).
   */
  private schedule(quiet = false) {
    if (this.scheduled) return;
    this.scheduled = true;
    this.quietStart = quiet;
    const go = () => {
      this.scheduled = false;
      this.pump();
    };
    if (quiet) queueMicrotask(go);
    else setImmediate(go);
  }

  private pump() {
    const limit = this.options.concurrency ?? 1;
    while (this.inflight < limit && this.queue.length > 0) {
      const batch = this.take();
      if (batch.length === 0) return; // every waiting org is in a batch being committed
      this.inflight++;
      const info = { quiet: this.quietStart };
      this.quietStart = false;
      void this.run(batch, info);
    }
    if (this.inflight === 0 && this.queue.length === 0) for (const done of this.idle.splice(0)) done();
  }

  /** The next batch in arrival order, skipping (and keeping queued) operations of busy orgs. */
  private take(): Pending[] {
    if (this.options.ordered) return this.queue.splice(0, this.options.maxBatch);
    if (this.busy.size === 0 && this.queue.length <= this.options.maxBatch) {
      const all = this.queue;
      this.queue = [];
      for (const p of all) this.busy.add(p.op.orgId);
      return all;
    }
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const taken = new Set<string>();
    // An org whose operation is left waiting keeps all its later operations waiting too.
    const blocked = new Set<string>();
    for (const p of this.queue) {
      const org = p.op.orgId;
      if (blocked.has(org) || this.busy.has(org) || batch.length >= this.options.maxBatch) {
        rest.push(p);
        blocked.add(org);
      } else {
        batch.push(p);
        taken.add(org);
      }
    }
    for (const org of taken) this.busy.add(org);
    this.queue = rest;
    return batch;
  }

  private async run(batch: Pending[], info: BatchInfo) {
    const started = performance.now();
    try {
      const outcomes = await this.commit(
        batch.map((p) => p.op),
        info,
      );
      this.options.onBatch?.(batch.length, performance.now() - started);
      for (let i = 0; i < batch.length; i++) {
        const o = outcomes[i]!;
        if (o instanceof Error) batch[i]!.reject(o);
        else batch[i]!.resolve(o);
      }
    } catch (e) {
      // A bug in one operation's rule code never gets here: the store retries the batch
      // without it (batch-save.ts). This is an outage (the database, the writer thread).
      for (const p of batch) p.reject(e);
    } finally {
      for (const p of batch) this.busy.delete(p.op.orgId);
      this.inflight--;
      if (this.queue.length > 0) this.schedule();
      else if (this.inflight === 0) for (const done of this.idle.splice(0)) done();
    }
  }

  /** Stops taking writes and waits for every queued one to be committed. */
  async close() {
    this.closed = true;
    if (this.inflight === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }
}
