import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.{ts,tsx}'],
    // The core's assertions at their strictest in every test (src/core/invariants.ts).
    setupFiles: ['test/setup/invariants.ts'],
    // Vitest's default is one worker fewer than the cores: one file at a time on a 2-core
    // CI machine. Most files wait on fsync, PostgreSQL, child processes or Chromium rather
    // than compute, so one worker per core overlaps those waits. Files already run side by
    // side on bigger machines, so none may depend on running alone; each keeps its own
    // module graph (isolate, the default), so no module state leaks between files.
    maxWorkers: Math.max(2, availableParallelism()),
    // Limits stop a hung test; they are not speed requirements. Slow files set their own,
    // derived from their counts (model, crash, CLI tests).
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
