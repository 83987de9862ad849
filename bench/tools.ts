/**
 * The preview renderer's throughput per catalog resolution, against a baseline measured in
 * the same run: the obvious way to make the same picture, sampling it at the same base size
 * and letting sharp scale it with a cubic kernel. The renderer repeats samples instead
 * (nearest neighbour, a whole factor per side); the ratio shows what that choice buys.
 * Also: a batch of 8 through renderBatch at concurrency 2, to show what both cores give.
 *
 * Run: npx tsx bench/tools.ts [--webp]   (BENCH_TOOLS_SECONDS=2 per measurement by default)
 * From another program: `await runToolsBench({ seconds: 1 })` returns the rows.
 */
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { encode } from '../src/tools/image-format.ts';
import {
  baseSize,
  buildToolRegistry,
  createLocalRenderer,
  type ImageFormat,
  renderBatch,
} from '../src/tools/index.ts';
import { patternOf, rasterize } from '../src/tools/pattern.ts';

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
  /** Receives a table line by line as the run goes. */
  log?: (line: string) => void;
}

const BATCH = 8;

/** Runs `op` after one warm-up call until `seconds` have passed (at least `min` runs, at most `max`). */
async function timed(seconds: number, min: number, max: number, op: (i: number) => Promise<number>) {
  await op(-1);
  let n = 0;
  let bytes = 0;
  const started = performance.now();
  while (n < max && (n < min || performance.now() - started < seconds * 1000)) bytes += await op(n++);
  const elapsed = (performance.now() - started) / 1000;
  return { perSecond: n / elapsed, ms: (elapsed * 1000) / n, bytes: bytes / n };
}

export async function runToolsBench(options: ToolsBenchOptions = {}): Promise<ToolsBenchRow[]> {
  const seconds = options.seconds ?? Number(process.env.BENCH_TOOLS_SECONDS ?? 2);
  const max = options.maxImages ?? 500;
  const format = options.format ?? 'png';
  const log = options.log ?? (() => {});
  const renderer = createLocalRenderer();
  const rows: ToolsBenchRow[] = [];
  const mb = (bytes: number) => (bytes / 1e6).toFixed(2);

  log(`preview renderer, ${format}, ~${seconds} s per measurement, sharp ${sharp.versions.sharp}`);
  log('operation  size        images/s  ms/image  MB/image  cubic images/s  speedup  batch of 8 ×2 images/s');
  for (const op of buildToolRegistry().imageOperations) {
    const { width, height } = op;
    const single = await timed(seconds, 3, max, async (i) => {
      const image = await renderer.render({ prompt: `bench image ${i}`, seed: i + 1, width, height, format });
      return image.bytes.length;
    });
    const cubic = await timed(seconds / 2, 2, max, async (i) => {
      const base = baseSize(width, height);
      const raster = rasterize(patternOf(`bench image ${i}`, i + 1), base.width, base.height);
      const img = sharp(raster, { raw: { width: base.width, height: base.height, channels: 3 } }).resize(
        width,
        height,
        { fit: 'fill', kernel: 'cubic' },
      );
      return (await encode(img, format).toBuffer()).length;
    });
    const batch = await timed(seconds / 2, 1, Math.ceil(max / BATCH), async (i) => {
      const items = Array.from({ length: BATCH }, (_, k) => ({
        prompt: `bench batch ${i} ${k}`,
        seed: k,
        width,
        height,
        format,
      }));
      const results = await renderBatch(items, renderer, { concurrency: 2 });
      if (!results.every((r) => r.ok)) throw new Error('a bench render failed');
      return 0;
    });
    const batchPerSecond = batch.perSecond * BATCH;
    const speedup = single.perSecond / cubic.perSecond;
    log(
      `${op.operation.padEnd(10)} ${`${width}×${height}`.padEnd(11)} ${single.perSecond.toFixed(1).padStart(8)}` +
        `  ${single.ms.toFixed(0).padStart(8)}  ${mb(single.bytes).padStart(8)}` +
        `  ${cubic.perSecond.toFixed(1).padStart(14)}  ${`${speedup.toFixed(2)}×`.padStart(7)}` +
        `  ${batchPerSecond.toFixed(1).padStart(22)}`,
    );
    rows.push(
      {
        name: `tools.local.${op.operation}.${format}`,
        value: single.perSecond,
        unit: 'images/s',
        note:
          `${width}×${height} one at a time: ${single.ms.toFixed(0)} ms, ${mb(single.bytes)} MB per image; ` +
          `${speedup.toFixed(2)}× the cubic-upscale baseline (${cubic.perSecond.toFixed(1)}/s, ${mb(cubic.bytes)} MB)`,
      },
      {
        name: `tools.local.${op.operation}.${format}.batch`,
        value: batchPerSecond,
        unit: 'images/s',
        note: `${width}×${height}, renderBatch of ${BATCH} at concurrency 2`,
      },
    );
  }
  return rows;
}

export async function main(): Promise<ToolsBenchRow[]> {
  const format = process.argv.includes('--webp') ? 'webp' : 'png';
  return runToolsBench({ format, log: (line) => console.log(line) });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
