/** Small helpers shared by the benchmark programs. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `amisi-bench-${name}-`));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `callers` concurrent loops, each awaiting `op(i)` until `total` operations are done. */
export async function closedLoop(callers: number, total: number, op: (i: number) => Promise<unknown>) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        await op(i);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { ops: total, seconds, perSecond: total / seconds };
}

export const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

export const PG_URL = process.env.AMISI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
