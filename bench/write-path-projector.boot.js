// Entry of the sketch's projection thread: register tsx, then load the TypeScript module.
import { register } from 'tsx/esm/api';

register();
await import('./write-path-projector.ts');
