// Entry of the SQLite writer thread: a worker starts without the parent's TypeScript
// loader, so register tsx here, then load the thread's code (sqlite-worker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./sqlite-worker.ts');
