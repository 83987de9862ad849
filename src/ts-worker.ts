/**
 * A worker thread whose code is a TypeScript module of this project (the SQLite writer,
 * the preview raster threads): it boots through worker-boot.js, which registers tsx
 * before loading `entry`. `data` reaches the thread as its workerData.
 */
import { Worker } from 'node:worker_threads';

export function tsWorker(entry: URL, data: Record<string, unknown> = {}): Worker {
  return new Worker(new URL('./worker-boot.js', import.meta.url), {
    workerData: { ...data, entry: entry.href },
  });
}
