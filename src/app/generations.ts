/**
 * Generation: the AI tools that spend the credits, never charging for failure.
 *
 * One batch = one price, one hold, one settlement:
 *   validate (prompt length, batch size) → hold n × price for the whole batch (refused up
 *   front with insufficient_credits / budget_exceeded) → render with bounded concurrency,
 *   storing each image as it lands → capture (delivered × price) once, with usage quantity
 *   = delivered and job_id = the batch id; the rest of the hold returns in the same step.
 *   Nothing delivered → the hold is released.
 *
 * The core closes a hold at its one capture, so "capture per image" is kept as an exact
 * sum rather than n commands: the charge is for exactly the images delivered, and the log
 * line says so ("3 of 4 images delivered, 3 credits charged, 1 credit released"). An image
 * is served only once it is charged.
 *
 * The settlement runs under one idempotency key derived from the batch id, so a batch
 * settled twice (a crash between the capture and the record, two instances recovering the
 * same batch) is charged once. Recovery after a crash counts the images that reached the
 * output store: those are captured, the rest released — never both, never twice.
 *
 * Imports: ../core (commands, errors), ../tools (backends, renderBatch, output store),
 * ./ledger.ts, ./ids.ts; nothing of HTTP.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import {
  availableOf,
  type Command,
  DomainError,
  type Hold,
  isDomainError,
  MAX_HOLD_TTL_SECONDS,
  notFound,
  plural,
  type Transaction,
  type Usage,
} from '../core/index.ts';
import {
  type BatchProgress,
  checkGeneration,
  IMAGE_TOOL_ID,
  type ImageBackend,
  type ImageFormat,
  type ImageOperation,
  MIME_OF,
  type OutputStore,
  randomSeed,
  renderBatch,
  type StoredImage,
  type ToolRegistry,
} from '../tools/index.ts';
import type { AppDeps } from './deps.ts';
import type { BatchRecord, BatchRecords, FailureRecord, ImageRecord } from './generations-records.ts';
import { randomId } from './ids.ts';
import { runCommand } from './ledger.ts';

export type { ImageBackend, ImageFormat, ToolRegistry } from '../tools/index.ts';
export { MAX_BATCH_SIZE, MAX_PROMPT_CHARS, MAX_SEED } from '../tools/index.ts';
export type { BatchRecord, ImageRecord } from './generations-records.ts';

/** Time kept between the render deadline and the hold's expiry, for the settlement. */
export const SETTLE_MARGIN_SECONDS = 300;
/** A running batch rewrites its record this often, so others can tell it is alive. */
export const HEARTBEAT_MS = 30_000;
/** A batch whose owner has not written for this long is abandoned and may be recovered. */
export const STALE_MS = 120_000;
/** How often unsettled batches of dead owners are looked for, after the one at start. */
export const SWEEP_MS = 30_000;
/** How often a watcher of a batch rendering elsewhere re-reads its record. */
export const WATCH_POLL_MS = 1_000;

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface GenerationOptions {
  deps: AppDeps;
  registry: ToolRegistry;
  backend: ImageBackend;
  /** Longest one image may take on this backend (retries included). */
  imageDeadlineMs: number;
  outputs: OutputStore;
  records: BatchRecords;
  /** Renders in flight per batch. */
  concurrency: number;
  batchesPerOrg: number;
  maxBatches: number;
  log?: Logger;
  /** A batch began rendering before its hold committed: kept (the hold committed) or dropped (refused). */
  onEarlyRender?: (outcome: 'kept' | 'dropped') => void;
}

export interface GenerationRequest {
  prompts: string[];
  operation: string;
  seed?: number | undefined;
  format?: ImageFormat | undefined;
  member_id?: string | undefined;
  project_id?: string | undefined;
}

export interface FinalizeRequest {
  operation: string;
  format?: ImageFormat | undefined;
  member_id?: string | undefined;
  project_id?: string | undefined;
}

export type GenerationEvent =
  | { type: 'progress'; batch: BatchRecord; image: ImageRecord; done: number; total: number }
  | { type: 'done'; batch: BatchRecord };

/** Too many batches rendering: for this org, or on this instance. Retry later. */
export class GenerationBusy extends Error {
  constructor(
    readonly scope: 'org' | 'server' | 'closing',
    readonly limit: number,
  ) {
    super(
      scope === 'org'
        ? `this org already has ${limit} generation batch${limit === 1 ? '' : 'es'} rendering; retry when one finishes`
        : scope === 'server'
          ? `this server is rendering ${limit} batches, its limit; retry shortly`
          : 'this server is shutting down; retry shortly',
    );
    this.name = 'GenerationBusy';
  }
}

/** A place in the limits, taken before the request's idempotency key so a 429 is never stored as its outcome. */
export interface Slot {
  release(): void;
}

interface Live {
  record: BatchRecord;
  controller: AbortController;
  events: EventEmitter;
  /** Record writes of this batch, one after another (a late heartbeat must not undo the final write). */
  writes: Promise<void>;
  /** Images being stored; all of them land before the batch settles. */
  storing: Promise<void>[];
  finished: Promise<void>;
}

interface Plan {
  op: ImageOperation;
  format: ImageFormat;
  member_id: string | null;
  project_id: string | null;
  finalize_of: BatchRecord['finalize_of'];
  images: { prompt: string; seed: number }[];
}

const nothingLog: Logger = { info() {}, warn() {}, error() {} };
/** The log line of a settlement: "3 of 4 images delivered, 3 credits charged, 1 credit released". */
export function settlementSummary(delivered: number, n: number, charged: number, released: number): string {
  const parts = [`${delivered} of ${plural(n, 'image')} delivered`];
  if (charged > 0 || released === 0) parts.push(`${plural(charged, 'credit')} charged`);
  if (released > 0) parts.push(`${plural(released, 'credit')} released`);
  return parts.join(', ');
}
const settleKey = (batchId: string) => `amisi:generation:${batchId}:settle`;
const holdKey = (batchId: string) => `amisi:generation:${batchId}:hold`;
const isTerminal = (r: BatchRecord) => r.status !== 'running';
const round2 = (ms: number) => Math.round(ms * 100) / 100;
/** Orgs whose available credits the service remembers for its speculative starts. */
const AVAILABLE_HINTS_KEPT = 10_000;

export class GenerationService {
  readonly instance = randomId('inst', 12);
  private readonly o: GenerationOptions;
  private readonly log: Logger;
  private readonly live = new Map<string, Live>();
  private readonly perOrg = new Map<string, number>();
  /** Available credits per org as this service last saw them: the hint of `affords`. */
  private readonly lastAvailable = new Map<string, number>();
  private running = 0;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | null = null;
  private closed = false;

  constructor(o: GenerationOptions) {
    if (!Number.isInteger(o.concurrency) || o.concurrency < 1)
      throw new RangeError('concurrency must be ≥ 1');
    this.o = o;
    this.log = o.log ?? nothingLog;
  }

  describe() {
    return { id: this.o.backend.id, ...this.o.backend.describe() };
  }

  get registry(): ToolRegistry {
    return this.o.registry;
  }

  get batchesPerOrg(): number {
    return this.o.batchesPerOrg;
  }

  /** Seconds a batch of n images holds its credits: every image at its deadline, plus the settlement margin. */
  holdTtlSeconds(n: number): number {
    const rounds = Math.ceil(n / this.o.concurrency);
    return Math.min(
      MAX_HOLD_TTL_SECONDS,
      SETTLE_MARGIN_SECONDS + rounds * Math.ceil(this.o.imageDeadlineMs / 1000),
    );
  }

  /** Takes a place for one more batch of this org, or throws GenerationBusy. */
  reserve(orgId: string): Slot {
    if (this.running >= this.o.maxBatches) throw new GenerationBusy('server', this.o.maxBatches);
    const mine = this.perOrg.get(orgId) ?? 0;
    if (mine >= this.o.batchesPerOrg) throw new GenerationBusy('org', this.o.batchesPerOrg);
    this.running++;
    this.perOrg.set(orgId, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.running--;
        const left = (this.perOrg.get(orgId) ?? 1) - 1;
        if (left > 0) this.perOrg.set(orgId, left);
        else this.perOrg.delete(orgId);
      },
    };
  }

  /** Validates, holds the whole batch's price and starts rendering; resolves once the hold is open. */
  async create(orgId: string, req: GenerationRequest, slot: Slot): Promise<BatchRecord> {
    try {
      const refusal = checkGeneration(
        { prompts: req.prompts, operation: req.operation, seed: req.seed },
        this.o.registry,
      );
      if (refusal) throw refusal;
      const op = this.o.registry.image(req.operation)!;
      const seed = req.seed ?? randomSeed();
      return await this.start(
        orgId,
        {
          op,
          format: req.format ?? 'png',
          member_id: req.member_id ?? null,
          project_id: req.project_id ?? null,
          finalize_of: null,
          // Image i renders with seed + i, so a batch of one prompt repeated gives variations.
          images: req.prompts.map((prompt, i) => ({ prompt, seed: (seed + i) >>> 0 })),
        },
        slot,
      );
    } catch (e) {
      slot.release();
      throw e;
    }
  }

  /** Re-renders a delivered draft (same prompt and seed) at a higher resolution, as a batch of one. */
  async finalize(
    orgId: string,
    batchId: string,
    imageId: string,
    req: FinalizeRequest,
    slot: Slot,
  ): Promise<BatchRecord> {
    try {
      const source = await this.get(orgId, batchId);
      const image = source.images.find((i) => i.id === imageId);
      if (!image) throw notFound('image', imageId);
      if (image.status !== 'succeeded')
        throw new DomainError(
          'conflict',
          `image ${imageId} was not delivered (${image.status}); only a delivered draft can be finalized`,
          { image_status: image.status },
        );
      const refusal = checkGeneration({ prompts: [image.prompt], operation: req.operation }, this.o.registry);
      if (refusal) throw refusal;
      const op = this.o.registry.image(req.operation)!;
      if (op.width * op.height <= source.width * source.height)
        throw new DomainError(
          'validation_failed',
          `finalize renders at a higher resolution than the draft's ${source.operation} (${source.width}×${source.height}); ${op.operation} (${op.width}×${op.height}) is not higher`,
          { field: 'body.operation', draft_operation: source.operation },
        );
      return await this.start(
        orgId,
        {
          op,
          format: req.format ?? source.format,
          member_id: req.member_id ?? source.member_id,
          project_id: req.project_id ?? source.project_id,
          finalize_of: { batch_id: source.id, image_id: image.id },
          images: [{ prompt: image.prompt, seed: image.seed }],
        },
        slot,
      );
    } catch (e) {
      slot.release();
      throw e;
    }
  }

  /** The batch as it is now: live in memory while it renders here, else its record. */
  async get(orgId: string, id: string): Promise<BatchRecord> {
    const live = this.live.get(`${orgId}/${id}`);
    if (live) return live.record;
    const r = await this.o.records.get(orgId, id);
    if (!r) throw notFound('generation', id);
    return r;
  }

  /** A delivered image's bytes; null for anything else (another org's, undelivered, unknown). */
  async image(orgId: string, batchId: string, imageId: string): Promise<StoredImage | null> {
    const r = await this.get(orgId, batchId).catch((e) => {
      if (isDomainError(e) && e.code === 'not_found') return null;
      throw e;
    });
    const img = r?.images.find((i) => i.id === imageId);
    if (!r || !img || img.status !== 'succeeded') return null;
    return this.o.outputs.get(orgId, img.key ?? `${img.id}.${r.format}`);
  }

  /**
   * Calls `on` with the batch's progress so far, then with each change, then `done`.
   * Resolves to an unsubscribe function. A batch rendering on another instance is
   * followed by re-reading its record.
   */
  async watch(orgId: string, id: string, on: (e: GenerationEvent) => void): Promise<() => void> {
    const seen = new Set<string>();
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let unsubscribe = () => {};
    const stop = () => {
      stopped = true;
      if (timer) clearInterval(timer);
      unsubscribe();
    };
    const progress = (rec: BatchRecord) => {
      for (const image of rec.images)
        if (image.status !== 'pending' && !seen.has(image.id)) {
          seen.add(image.id);
          on({ type: 'progress', batch: rec, image, done: seen.size, total: rec.images.length });
        }
    };
    const finish = (rec: BatchRecord) => {
      progress(rec);
      stop();
      on({ type: 'done', batch: rec });
    };
    /** Follows a batch this process is not rendering (another instance, or a recovery to come). */
    const poll = () => {
      timer = setInterval(async () => {
        if (stopped) return;
        try {
          const rec = this.live.get(`${orgId}/${id}`)?.record ?? (await this.o.records.get(orgId, id));
          if (stopped || !rec) return;
          if (isTerminal(rec)) finish(rec);
          else progress(rec);
        } catch (err) {
          this.log.warn({ err, batch: id }, 'watching a generation batch failed');
        }
      }, WATCH_POLL_MS);
      timer.unref();
    };

    const live = this.live.get(`${orgId}/${id}`);
    if (live) {
      // Snapshot and subscription in one synchronous step: no event missed, none twice.
      progress(live.record);
      const listener = (e: GenerationEvent) => {
        if (stopped) return;
        if (e.type === 'progress') progress(e.batch);
        else if (isTerminal(e.batch)) finish(e.batch);
        else {
          // Rendering ended without a settlement (the store failed): recovery will settle it.
          unsubscribe();
          poll();
        }
      };
      live.events.on('event', listener);
      unsubscribe = () => live.events.off('event', listener);
      return stop;
    }
    const r = await this.o.records.get(orgId, id);
    if (!r) throw notFound('generation', id);
    if (isTerminal(r)) finish(r);
    else {
      progress(r);
      poll();
    }
    return stop;
  }

  /**
   * Settles every batch a dead or silent owner left unsettled: images that reached the
   * output store are captured, the rest released. Runs at start and then every SWEEP_MS.
   */
  async recover(): Promise<number> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = this.recoverNow().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  /** Recovers what is abandoned now, then keeps looking every SWEEP_MS. */
  async startRecovery(): Promise<number> {
    // A failure here (an unreadable data dir) must not keep the ledger from serving: log it, retry in the sweep.
    const n = await this.recover().catch((err) => {
      this.log.error({ err }, 'generation recovery failed; the sweep will retry');
      return 0;
    });
    if (!this.sweepTimer && !this.closed) {
      this.sweepTimer = setInterval(() => {
        this.recover().catch((err) => this.log.error({ err }, 'generation recovery sweep failed'));
      }, SWEEP_MS);
      this.sweepTimer.unref();
    }
    return n;
  }

  /** Cancels the batches rendering here and waits for them to settle: done images charged, the rest released. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    const all = [...this.live.values()];
    for (const l of all) l.controller.abort();
    await Promise.allSettled(all.map((l) => l.finished));
    await this.sweeping?.catch(() => {});
  }

  // --- the flow -----------------------------------------------------------------------

  private owner() {
    return { host: hostname(), pid: process.pid, instance: this.instance };
  }

  private async start(orgId: string, plan: Plan, slot: Slot): Promise<BatchRecord> {
    if (this.closed) throw new GenerationBusy('closing', 0);
    const id = randomId('gen');
    const n = plan.images.length;
    const ttl = this.holdTtlSeconds(n);
    const backend = this.o.backend.describe();
    const record: BatchRecord = {
      version: 1,
      id,
      org_id: orgId,
      tool: IMAGE_TOOL_ID,
      operation: plan.op.operation,
      width: plan.op.width,
      height: plan.op.height,
      format: plan.format,
      credits_per_image: plan.op.credits,
      member_id: plan.member_id,
      project_id: plan.project_id,
      finalize_of: plan.finalize_of,
      backend: { id: this.o.backend.id, name: backend.name, kind: backend.kind },
      status: 'running',
      hold: { key: holdKey(id), ttl_seconds: ttl, id: null, expires_at: null },
      settlement: null,
      error: null,
      owner: this.owner(),
      heartbeat_at: Date.now(),
      created_at: this.o.deps.clock.now(),
      completed_at: null,
      timings_ms: { precheck: null, hold: null, hold_wait: null, render: null, settle: null },
      images: plan.images.map((im, index) => ({
        id: `${id.replace(/^gen_/, 'img_')}_${index}`,
        index,
        prompt: im.prompt,
        seed: im.seed,
        status: 'pending',
        key: null,
        bytes: null,
        error: null,
        elapsed_ms: null,
      })),
    };
    const events = new EventEmitter();
    events.setMaxListeners(0);
    const live: Live = {
      record,
      controller: new AbortController(),
      events,
      writes: Promise.resolve(),
      storing: [],
      finished: Promise.resolve(),
    };
    const key = `${orgId}/${id}`;
    // Live before the record exists, so a recovery sweep never mistakes it for abandoned.
    this.live.set(key, live);
    // Speculative start: when the org can afford the batch right now, rendering begins
    // while the hold commits instead of after it, so the ledger's fsync is off the batch's
    // critical path. Nothing rendered is stored, shown or charged until the hold is
    // durable; a refused hold aborts the render and drops its output. An org that cannot
    // afford the batch renders nothing before the ledger says so.
    let opened: (held: boolean) => void = () => {};
    const held = new Promise<boolean>((resolve) => {
      opened = resolve;
    });
    const checking = performance.now();
    const speculate = await this.affords(orgId, n * plan.op.credits);
    record.timings_ms.precheck = round2(performance.now() - checking);
    let early = false;
    try {
      // The record first: if the process dies after the hold commits, recovery finds the
      // hold again through its idempotency key.
      await this.save(live);
      const started = performance.now();
      const holding = runCommand<Hold>(this.o.deps, orgId, this.holdCommand(record), record.hold.key);
      holding.catch(() => {}); // awaited below
      if (speculate) {
        // One turn of the loop lets the group commit hand the hold to the writer before
        // a renderer that computes on this thread takes it.
        await new Promise<void>((resolve) => setImmediate(resolve));
        live.finished = this.run(live, slot, held);
        early = true;
      }
      const hold = await holding;
      record.timings_ms.hold = round2(performance.now() - started);
      if (hold.balance) this.saw(orgId, hold.balance.available);
      if (hold.value.amount !== n * plan.op.credits)
        throw new Error(
          `invariant violated: hold of ${hold.value.amount} for ${n} × ${plan.op.credits} credits`,
        );
      record.hold.id = hold.value.id;
      record.hold.expires_at = hold.value.expires_at;
    } catch (e) {
      opened(false);
      if (early) this.o.onEarlyRender?.('dropped');
      // A refusal that says what is available corrects the hint; any other (a budget, a
      // missing org) stops early starts for the org until a hold or settlement succeeds.
      if (isDomainError(e)) this.saw(orgId, typeof e.extra.available === 'number' ? e.extra.available : -1);
      else this.lastAvailable.delete(orgId);
      // The speculative render stops and stores nothing; only then is the record dropped.
      await live.finished;
      this.live.delete(key);
      // Refused: the batch never existed. Anything else may have held credits: the record
      // stays marked and the next sweep settles it.
      if (isDomainError(e)) await this.o.records.delete(orgId, id).catch(() => {});
      throw e;
    }
    opened(true);
    if (early) this.o.onEarlyRender?.('kept');
    else live.finished = this.run(live, slot, held);
    return record;
  }

  /**
   * Whether the org's available credits cover `price`: only a hint for starting early, never
   * a decision (the hold decides). It is the available balance this service last saw for
   * the org (after its holds, settlements and refusals), else a read of the org.
   */
  private async affords(orgId: string, price: number): Promise<boolean> {
    const seen = this.lastAvailable.get(orgId);
    if (seen !== undefined) return seen >= price;
    try {
      const now = this.o.deps.clock.now();
      const state = await this.o.deps.store.getOrg(orgId, now);
      if (state === null) return false;
      const available = availableOf(state, now);
      this.saw(orgId, available);
      return available >= price;
    } catch {
      return false; // the hold will say what is wrong
    }
  }

  /** Remembers an org's available credits as a write left them (a bounded map, oldest out first). */
  private saw(orgId: string, available: number): void {
    this.lastAvailable.delete(orgId);
    this.lastAvailable.set(orgId, available);
    if (this.lastAvailable.size > AVAILABLE_HINTS_KEPT)
      this.lastAvailable.delete(this.lastAvailable.keys().next().value!);
  }

  private holdCommand(r: BatchRecord): Command {
    return {
      type: 'hold',
      items: [{ tool: r.tool, operation: r.operation, quantity: r.images.length }],
      ttl_seconds: r.hold.ttl_seconds,
      member_id: r.member_id,
      project_id: r.project_id,
    };
  }

  /** Queues a write of the record behind the batch's earlier writes. */
  private save(live: Live): Promise<void> {
    const next = live.writes.then(() => {
      live.record.heartbeat_at = Date.now();
      return this.o.records.put(live.record);
    });
    live.writes = next.catch(() => {});
    return next;
  }

  /**
   * Renders the batch, stores what lands, settles. It may start before the hold is durable
   * (see start): `held` says whether the hold committed; if not, the render is aborted and
   * the batch ends here having stored, saved and emitted nothing.
   */
  private async run(live: Live, slot: Slot, held: Promise<boolean>): Promise<void> {
    const r = live.record;
    const key = `${r.org_id}/${r.id}`;
    const deadlineMs = (r.hold.ttl_seconds - SETTLE_MARGIN_SECONDS) * 1000;
    const signal = AbortSignal.any([live.controller.signal, AbortSignal.timeout(deadlineMs)]);
    const started = performance.now();
    const rendering = renderBatch(
      r.images.map((im) => ({
        prompt: im.prompt,
        seed: im.seed,
        width: r.width,
        height: r.height,
        format: r.format,
      })),
      this.o.backend,
      {
        concurrency: Math.min(this.o.concurrency, r.images.length),
        signal,
        onProgress: (p) => this.landed(live, p, held),
      },
    ).catch((err) => {
      this.log.error({ err, batch: r.id }, 'rendering a generation batch failed');
    });
    if (!(await held)) {
      live.controller.abort();
      await rendering;
      await Promise.allSettled(live.storing);
      return;
    }
    const heartbeat = setInterval(() => {
      this.save(live).catch((err) => this.log.warn({ err, batch: r.id }, 'generation heartbeat failed'));
    }, HEARTBEAT_MS);
    heartbeat.unref();
    try {
      await rendering;
      await Promise.all(live.storing);
      for (const im of r.images)
        if (im.status === 'pending')
          fail(im, { code: 'render_failed', message: 'the image was not rendered', retryable: true });
      r.timings_ms.render = Math.round(performance.now() - started);
      const settling = performance.now();
      await this.settle(r, r.hold.id!);
      // Settled is finished for the limits: a client that reads the batch as done may start
      // the next one at once (no request runs between the settlement and this line).
      slot.release();
      r.timings_ms.settle = round2(performance.now() - settling);
      clearInterval(heartbeat);
      await this.save(live);
      this.log.info(
        { batch: r.id, org: r.org_id, status: r.status, summary: r.settlement?.summary },
        'generation batch settled',
      );
    } catch (err) {
      // The store or the disk failed: the batch stays unsettled and marked; a sweep settles it.
      this.log.error({ err, batch: r.id }, 'settling a generation batch failed; recovery will retry');
    } finally {
      clearInterval(heartbeat);
      this.live.delete(key);
      slot.release();
      live.events.emit('event', { type: 'done', batch: r } satisfies GenerationEvent);
      live.events.removeAllListeners();
    }
  }

  /**
   * One image finished: store it (or record why not), then tell watchers. Never throws.
   * The store (an fsync'd write) runs beside the next render rather than in its slot, so
   * rendering never waits on the disk; the batch waits for every store before it settles.
   */
  private landed(live: Live, p: BatchProgress, held: Promise<boolean>): void {
    const r = live.record;
    const img = r.images[p.result.index]!;
    const arrived = performance.now();
    const stored = (async () => {
      // Rendered before the hold was durable: wait for it; a refused hold drops the image.
      if (!(await held)) return;
      r.timings_ms.hold_wait = Math.max(r.timings_ms.hold_wait ?? 0, round2(performance.now() - arrived));
      img.elapsed_ms = p.result.elapsed_ms;
      if (p.result.ok) {
        const { bytes, mime } = p.result.image;
        try {
          const { key } = await this.o.outputs.put(r.org_id, img.id, bytes, mime);
          img.key = key;
          img.bytes = bytes.length;
          img.status = 'rendered';
        } catch (err) {
          this.log.error({ err, batch: r.id, image: img.id }, 'storing a generated image failed');
          fail(img, {
            code: 'store_failed',
            message: 'the image was rendered but could not be stored',
            retryable: true,
          });
        }
      } else {
        const e = p.result.error;
        fail(img, { code: e.code, message: e.message, retryable: e.retryable });
      }
      const done = r.images.filter((i) => i.status !== 'pending').length;
      live.events.emit('event', {
        type: 'progress',
        batch: r,
        image: img,
        done,
        total: r.images.length,
      } satisfies GenerationEvent);
    })().catch((err) => this.log.error({ err, batch: r.id }, 'recording a generated image failed'));
    live.storing.push(stored);
  }

  /**
   * Resolves the batch's hold once, under the batch's settle key: capture the delivered
   * images' price (the rest returns), or release when none was delivered. If the hold is
   * no longer open (it expired while rendering), nothing is charged and nothing delivered.
   */
  private async settle(r: BatchRecord, holdId: string): Promise<void> {
    const { deps } = this.o;
    const n = r.images.length;
    const price = r.credits_per_image;
    const delivered = r.images.filter((i) => i.status === 'rendered');
    const s = delivered.length;
    const cmd: Command =
      s > 0
        ? { type: 'capture', hold_id: holdId, amount: s * price, usage: this.usageOf(r, s) }
        : { type: 'release', hold_id: holdId };
    const now = deps.clock.now();
    const res = await deps.store.execute(r.org_id, cmd, { now, idempotencyKey: settleKey(r.id) });
    deps.onWrite?.(cmd, res);
    if (res.ok && res.balance) this.saw(r.org_id, res.balance.available);
    let charged = 0;
    let transactionId: string | null = null;
    if (res.ok) {
      charged = s * price;
      if (s > 0) transactionId = (res.result as Transaction).id;
      for (const im of delivered) im.status = 'succeeded';
    } else if (res.error.code === 'hold_not_open' || res.error.code === 'idempotency_key_reuse') {
      // Settled before under another command, or resolved by time: the hold says what happened.
      const state = await deps.store.getOrg(r.org_id, now);
      const hold =
        state?.holds.find((h) => h.id === holdId) ??
        (state ? await deps.store.findHistory(r.org_id, 'hold', holdId) : null);
      if (hold?.status === 'captured') {
        charged = hold.captured;
        const paid = Math.floor(hold.captured / price);
        if (paid !== s)
          this.log.warn(
            { batch: r.id, paid, delivered: s },
            'a generation hold was captured for another count',
          );
        delivered.forEach((im, k) => {
          if (k < paid) im.status = 'succeeded';
          else
            fail(im, {
              code: 'not_charged',
              message: 'the batch was settled without this image',
              retryable: true,
            });
        });
      } else {
        const how = hold?.status === 'expired' || !hold ? 'expired' : (hold.status as string);
        r.error = {
          code: `hold_${how}`,
          message: `the batch's hold ${how === 'expired' ? 'expired' : `was ${how}`} before the images were charged: nothing was charged and no image is delivered`,
        };
        for (const im of delivered)
          fail(im, {
            code: `hold_${how}`,
            message: 'rendered after the hold was no longer open: not charged, not delivered',
            retryable: true,
          });
      }
    } else {
      throw res.error;
    }
    const ok = r.images.filter((i) => i.status === 'succeeded').length;
    const released = n * price - charged;
    r.settlement = {
      charged,
      released,
      transaction_id: transactionId,
      summary:
        r.error === null
          ? settlementSummary(ok, n, charged, released)
          : `0 of ${plural(n, 'image')} delivered: ${r.error.message}`,
    };
    r.status = ok === n ? 'succeeded' : ok > 0 ? 'partially_succeeded' : 'failed';
    r.completed_at = deps.clock.now();
  }

  /** The usage of a capture; a pure function of the record and the count, so a retry replays it exactly. */
  private usageOf(r: BatchRecord, delivered: number): Usage {
    const n = r.images.length;
    const released = (n - delivered) * r.credits_per_image;
    const metadata: NonNullable<Usage['metadata']> = {
      images_requested: n,
      images_delivered: delivered,
      credits_released: released,
      summary: settlementSummary(delivered, n, delivered * r.credits_per_image, released),
      backend: r.backend.id,
    };
    if (r.finalize_of) {
      metadata.finalize_of = r.finalize_of.image_id;
      metadata.draft_batch = r.finalize_of.batch_id;
    }
    return {
      tool: r.tool,
      operation: r.operation,
      quantity: delivered,
      params: { width: r.width, height: r.height },
      job_id: r.id,
      metadata,
    };
  }

  // --- recovery -----------------------------------------------------------------------

  private async recoverNow(): Promise<number> {
    let resolved = 0;
    for (const { org_id, id } of await this.o.records.unsettled()) {
      if (this.live.has(`${org_id}/${id}`)) continue;
      try {
        const r = await this.o.records.get(org_id, id);
        if (r?.status !== 'running' || r.settlement !== null) {
          await this.o.records.unmark(org_id, id);
          continue;
        }
        if (!this.abandoned(r)) continue;
        await this.resume(r);
        resolved++;
        const settled: BatchRecord = r; // resume changed it: drop the narrowing above
        this.log.info(
          { batch: r.id, org: r.org_id, status: settled.status, summary: settled.settlement?.summary },
          'recovered an unsettled generation batch',
        );
      } catch (err) {
        this.log.error({ err, batch: id, org: org_id }, 'recovering a generation batch failed; will retry');
      }
    }
    return resolved;
  }

  /** Left behind by this process (a failed start), by a dead process on this host, or silent too long. */
  private abandoned(r: BatchRecord): boolean {
    if (r.owner.instance === this.instance) return true;
    if (r.owner.host === hostname() && !processAlive(r.owner.pid)) return true;
    return Date.now() - r.heartbeat_at > STALE_MS;
  }

  private async resume(r: BatchRecord): Promise<void> {
    const { deps } = this.o;
    r.owner = this.owner();
    let holdId = r.hold.id;
    if (holdId === null) {
      // Find the hold again through its key; a refusal means nothing was ever held.
      const now = deps.clock.now();
      const cmd = this.holdCommand(r);
      const res = await deps.store.execute(r.org_id, cmd, { now, idempotencyKey: r.hold.key });
      deps.onWrite?.(cmd, res);
      if (!res.ok) return this.abandon(r, 0);
      const hold = res.result as Hold;
      if (!res.replayed) {
        // The key was forgotten (kept 24 h): this is a new hold, not the batch's. Return it.
        const release: Command = { type: 'release', hold_id: hold.id };
        const out = await deps.store.execute(r.org_id, release, {
          now,
          idempotencyKey: `${r.hold.key}:stray`,
        });
        deps.onWrite?.(release, out);
        return this.abandon(r, r.images.length * r.credits_per_image, 'hold_expired');
      }
      holdId = hold.id;
      r.hold.id = hold.id;
      r.hold.expires_at = hold.expires_at;
    }
    // An image counts as delivered exactly when its file reached the output store.
    for (const im of r.images) {
      if (im.status === 'failed') continue;
      const key = im.key ?? `${im.id}.${r.format}`;
      const stored = await this.o.outputs.get(r.org_id, key).catch(() => null);
      if (stored && stored.mime === MIME_OF[r.format]) {
        im.key = key;
        im.bytes = stored.bytes.length;
        im.status = 'rendered';
      } else {
        fail(im, {
          code: 'interrupted',
          message: 'the server stopped before this image was stored',
          retryable: true,
        });
      }
    }
    await this.settle(r, holdId);
    await this.o.records.put(r);
  }

  /** A batch that never got (or lost) its hold: every image failed, nothing charged. */
  private async abandon(r: BatchRecord, released: number, code = 'interrupted'): Promise<void> {
    for (const im of r.images)
      if (im.status !== 'failed')
        fail(im, { code, message: 'the server stopped before the batch was charged', retryable: true });
    r.error = { code, message: 'the server stopped before the batch could run: nothing was charged' };
    r.status = 'failed';
    r.settlement = {
      charged: 0,
      released,
      transaction_id: null,
      summary: `0 of ${plural(r.images.length, 'image')} delivered: nothing charged`,
    };
    r.completed_at = this.o.deps.clock.now();
    await this.o.records.put(r);
  }
}

function fail(im: ImageRecord, error: FailureRecord) {
  im.status = 'failed';
  im.error = error;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
