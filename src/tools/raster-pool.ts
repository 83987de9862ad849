/**
 * Worker threads for the preview renderer's pixel sampling. Sampling a picture is plain
 * JavaScript arithmetic (~10–20 ms per image); on the request thread it would stall every
 * other request for that long (GET balance p99 went from 2 ms to 22 ms while one batch of
 * 720p previews rendered). Threads start on first use, one per render in flight up to the
 * pool's size, and do not keep the process alive when idle.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { tsWorker } from '../ts-worker.ts';
import type { Pattern } from './pattern.ts';

interface Job {
  id: number;
  pattern: Pattern;
  width: number;
  height: number;
  resolve: (pixels: Buffer) => void;
  reject: (e: Error) => void;
}

interface Thread {
  worker: Worker;
  ready: Promise<void>;
  job: Job | null;
}

export class RasterPool {
  private readonly threads: Thread[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 0;

  constructor(readonly size = Math.max(1, Math.min(4, availableParallelism()))) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('a raster pool needs at least one thread');
  }

  /** The pattern sampled at width × height: packed 8-bit RGB, as `rasterize` gives it. */
  rasterize(pattern: Pattern, width: number, height: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, pattern, width, height, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every thread; work waiting or running fails. */
  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    const closed = () => new Error('the raster pool is closed');
    for (const job of this.waiting.splice(0)) job.reject(closed());
    for (const t of threads) {
      t.job?.reject(closed());
      t.job = null;
    }
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  private dispatch() {
    while (this.waiting.length > 0) {
      let thread = this.threads.find((t) => t.job === null);
      if (!thread && this.threads.length < this.size) thread = this.start();
      if (!thread) return;
      const job = this.waiting.shift()!;
      thread.job = job;
      thread.worker.ref();
      const { id, pattern, width, height } = job;
      void thread.ready.then(
        () => thread.worker.postMessage({ id, pattern, width, height }),
        (e: Error) => this.finish(thread, e),
      );
    }
  }

  private start(): Thread {
    const worker = tsWorker(new URL('./raster-worker.ts', import.meta.url));
    const thread: Thread = {
      worker,
      job: null,
      ready: new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      }),
    };
    worker.on('message', (m: { id?: number; data?: ArrayBuffer; error?: string }) => {
      if (m.id === undefined || thread.job?.id !== m.id) return;
      if (m.error !== undefined) this.finish(thread, new Error(m.error));
      else this.finish(thread, null, Buffer.from(m.data!));
    });
    worker.on('error', (e) => this.drop(thread, e));
    worker.on('exit', (code) => this.drop(thread, new Error(`a raster thread stopped (exit ${code})`)));
    worker.unref();
    this.threads.push(thread);
    return thread;
  }

  private finish(thread: Thread, error: Error | null, pixels?: Buffer) {
    const job = thread.job;
    thread.job = null;
    thread.worker.unref();
    if (job) {
      if (error) job.reject(error);
      else job.resolve(pixels!);
    }
    this.dispatch();
  }

  /** A thread that died fails its job and leaves the pool; the next job starts a new one. */
  private drop(thread: Thread, error: Error) {
    const i = this.threads.indexOf(thread);
    if (i < 0) return;
    this.threads.splice(i, 1);
    const job = thread.job;
    thread.job = null;
    job?.reject(error);
    this.dispatch();
  }
}
