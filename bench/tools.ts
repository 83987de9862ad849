/**
 * The preview renderer's throughput per catalog resolution, against a baseline measured in
 * the same run: sharp encoding a blank image of the same size with the same PNG settings
 * (the floor of "write this many pixels as PNG" on this machine). Also one batch of two
 * renders at a time (renderBatch, concurrency 2) to show what both cores give.
 *
 * Run: npx tsx bench/tools.ts   (BENCH_TOOLS_SECONDS=2 per measurement by default)
 * From another program: `await runToolsBench({ seconds: 1 })` returns the rows.
 */
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { encode } from '../src/tools/image-format.ts';
import { buildToolRegistry, createLocalRenderer, type ImageFormat, renderBatch } from '../src/tools/index.ts';

export interface ToolsBenchRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

export interface ToolsBenchOptions {
  /** Time spent on each measurement; each also stops after `maxImages`. */
  seconds?: number;
  maxImages?: number;
  format?: ImageFormat;
  /** Prints a table as it goes. */
  log?: (line: string) => void;
}

/** Runs `op` until `seconds` have passed (at least 2 times, at most `max`); images per second. */
async function rate(seconds: number, max: number, op: (i: number) => Promise<number>) {
  await op(-1); // warm-up: first-call costs (module init, libvips caches) are not throughput
  let n = 0;
  let bytes = 0;
  const started = performance.now();
  while (n < max && (n < 2 || performance.now() - started < seconds * 1000)) bytes += await op(n++);
  const elapsed = (performance.now() - started) / 1000;
  return { perSecond: n / elapsed, ms: (elapsed * 1000) / n, bytes: bytes / n, n };
}

export async function runToolsBench(options: ToolsBenchOptions = {}): Promise<ToolsBenchRow[]> {
  const seconds = options.seconds ?? Number(process.env.BENCH_TOOLS_SECONDS ?? 2);
  const max = options.maxImages ?? 500;
  const format = options.format ?? 'png';
  const log = options.log ?? (() => {});
  const renderer = createLocalRenderer();
  const rows: ToolsBenchRow[] = [];

  log(`preview renderer, ${format}, ~${seconds} s per measurement, sharp ${sharp.versions.sharp}`);
  log('operation  size        images/s  ms/image  MB/image  blank-encode/s  vs blank  batch×2 images/s');
  for (const op of buildToolRegistry().imageOperations) {
    const { width, height } = op;
    const single = await rate(seconds, max, async (i) => {
      const image = await renderer.render({ prompt: `bench image ${i}`, seed: i + 1, width, height, format });
      return image.bytes.length;
    });
    const blank = await rate(seconds / 2, max, async () => {
      const img = sharp({ create: { width, height, channels: 3, background: '#20304a' } });
      return (await encode(img, format).toBuffer()).length;
    });
    const batch = await rate(seconds / 2, max, async (i) => {
      const items = [0, 1].map((k) => ({ prompt: `bench batch ${i} ${k}`, seed: 7, width, height, format }));
      const results = await renderBatch(items, renderer, { concurrency: 2 });
      if (!results.every((r) => r.ok)) throw new Error('a bench render failed');
      return 0;
    });
    const batchPerSecond = batch.perSecond * 2;
    log(
      `${op.operation.padEnd(10)} ${`${width}×${height}`.padEnd(11)} ${single.perSecond.toFixed(1).padStart(8)}` +
        `  ${single.ms.toFixed(0).padStart(8)}  ${(single.bytes / 1e6).toFixed(2).padStart(8)}` +
        `  ${blank.perSecond.toFixed(1).padStart(14)}  ${(single.perSecond / blank.perSecond).toFixed(2).padStart(8)}` +
        `  ${batchPerSecond.toFixed(1).padStart(16)}`,
    );
    rows.push(
      {
        name: `tools.local.${op.operation}.${format}`,
        value: single.perSecond,
        unit: 'images/s',
        note: `${width}×${height}, one at a time, ${single.ms.toFixed(0)} ms and ${(single.bytes / 1e6).toFixed(2)} MB per image; ${(single.perSecond / blank.perSecond).toFixed(2)}× the speed of encoding a blank image of that size (${blank.perSecond.toFixed(1)}/s)`,
      },
      {
        name: `tools.local.${op.operation}.${format}.batch2`,
        value: batchPerSecond,
        unit: 'images/s',
        note: `${width}×${height}, renderBatch with concurrency 2`,
      },
    );
  }
  return rows;
}

export async function main(): Promise<void> {
  const format = process.argv.includes('--webp') ? 'webp' : 'png';
  await runToolsBench({ format, log: (line) => console.log(line) });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
