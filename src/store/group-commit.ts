/**
 * Group commit (TigerBeetle's lesson): operations that arrive while a commit is in flight
 * wait in a queue and go together into the next one, so one fsync acknowledges many
 * operations. Each caller is answered only after its batch is durable. An operation whose
 * rule code throws (a bug, not a refusal) fails alone: the batch is retried without it.
 */
import { BatchAbort, type Op } from './batch.ts';
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
  onBatch?: (size: number, ms: number) => void;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly commit: (ops: Op[]) => Promise<WriteResult[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  get pending() {
    return this.queue.length;
  }

  submit(op: Op): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new StoreClosed());
    if (this.queue.length >= this.options.maxQueue)
      return Promise.reject(new StoreOverloaded(this.options.maxQueue));
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.draining) this.draining = this.drain();
    });
  }

  private async drain() {
    // Yield once so that everything arriving in this turn of the event loop joins the batch.
    await new Promise((r) => setImmediate(r));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.maxBatch);
        const started = performance.now();
        try {
          const outcomes = await this.commit(batch.map((p) => p.op));
          this.options.onBatch?.(batch.length, performance.now() - started);
          for (let i = 0; i < batch.length; i++) batch[i]!.resolve(outcomes[i]!);
        } catch (e) {
          if (e instanceof BatchAbort) {
            batch[e.index]!.reject(e.failure);
            this.queue.unshift(...batch.filter((_, i) => i !== e.index));
          } else {
            for (const p of batch) p.reject(e);
          }
        }
        if (this.queue.length > 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.draining = null;
    }
  }

  /** Stops taking writes and waits for every queued one to be committed. */
  async close() {
    this.closed = true;
    while (this.draining) await this.draining;
  }
}
