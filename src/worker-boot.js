// Entry of every worker thread that runs TypeScript (see ts-worker.ts): a worker starts
// without the parent's loader, so register tsx here, then load the thread's own module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
// A thread does not share the parent's modules: the assertion level comes by environment
// (the test setup sets AMISI_INVARIANTS=full; see core/invariants.ts).
if (process.env.AMISI_INVARIANTS) {
  const { setInvariantChecks } = await import('./core/invariants.ts');
  setInvariantChecks(process.env.AMISI_INVARIANTS);
}
await import(workerData.entry);
