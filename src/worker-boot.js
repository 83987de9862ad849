// Entry of every worker thread that runs TypeScript (see ts-worker.ts): a worker starts
// without the parent's loader, so register tsx here, then load the thread's own module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
