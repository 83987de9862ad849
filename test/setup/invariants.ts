/**
 * Every test runs the core's assertions at their strictest (see src/core/invariants.ts):
 * a refusal is compared with a full copy of the state. The environment variable carries
 * the level into the worker threads the SQLite store and the renderer start.
 */
import { setInvariantChecks } from '../../src/core/invariants.ts';

process.env.AMISI_INVARIANTS = 'full';
setInvariantChecks('full');
