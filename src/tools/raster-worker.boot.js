// Entry of a preview-raster thread: a worker starts without the parent's TypeScript loader,
// so register tsx here, then load the thread's code (raster-worker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./raster-worker.ts');
