/**
 * Generation through the API against the renderer alone, per catalog resolution, and what
 * the ledger costs per image. The API path is the whole thing a client pays for: the POST,
 * validation, one hold for the batch (a durable SQLite commit), rendering, storing each
 * image (atomic write + fsync), the batch record (twice), one capture (another durable
 * commit), and the Server-Sent Events stream that reports `done`. The baseline is
 * `renderBatch` on the same preview renderer at the same concurrency, in the same run.
 *
 * The ledger overhead is what the ledger adds to a batch's time, timed where the service
 * runs it and kept in the batch record: the affordability read before rendering, any wait
 * of a rendered image for the hold's durable commit (the hold commits beside the render),
 * and the settlement (capture/release), divided by the images in the batch, against the
 * render time per image of that batch. Target at 720p: under 1 %. The note also gives the
 * hold and capture calls' own time, overlapped or not.
 *
 * Run: npx tsx bench/generation.ts   (BENCH_GENERATION_SECONDS=3 per measurement by default)
 * From another program: `await generationBench()` returns the rows.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { BatchRecord } from '../src/app/generations.ts';
import { loadConfig } from '../src/config/config.ts';
import { buildServer } from '../src/main.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { buildToolRegistry, createLocalRenderer, renderBatch } from '../src/tools/index.ts';
import { tempDir } from './lib.ts';
import type { Row } from './store.ts';

const ADMIN = 'bench-admin-key-0123456789abcdef';
const BATCH = 8;
const CONCURRENCY = 2;
const CLIENT = new URL('./generation-client.ts', import.meta.url).pathname;

export interface GenerationBenchOptions {
  /** Time spent on each measurement (at least one batch each). */
  seconds?: number;
  /** Which operations; default every image.generate operation of the catalog. */
  operations?: string[];
  log?: (line: string) => void;
}

/** Repeats `op` after one warm-up until `seconds` pass (at least `min` times); returns per-run ms. */
async function repeat(seconds: number, min: number, op: (i: number) => Promise<void>): Promise<number[]> {
  await op(-1);
  const times: number[] = [];
  const started = performance.now();
  while (times.length < min || performance.now() - started < seconds * 1000) {
    const t = performance.now();
    await op(times.length);
    times.push(performance.now() - t);
  }
  return times;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function generationBench(options: GenerationBenchOptions = {}): Promise<Row[]> {
  const seconds = options.seconds ?? Number(process.env.BENCH_GENERATION_SECONDS ?? 3);
  const log = options.log ?? (() => {});
  const dir = tempDir('generation');
  const store = await openSqliteStore({ path: join(dir, 'amisi.db') });
  const config = loadConfig({
    env: {},
    overrides: {
      admin_key: ADMIN,
      rate_limit: false,
      log_level: 'silent',
      data_dir: dir,
      generation_concurrency: CONCURRENCY,
      scheduler_interval_seconds: 0,
    },
  });
  const app = await buildServer({ config, store, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}`;
  const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown) => {
    const r = await fetch(url + path, { method: 'POST', headers, body: JSON.stringify(body) });
    const json = await r.json();
    if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(json)}`);
    return json;
  };

  const rows: Row[] = [];
  try {
    const org = (await post('/v1/orgs', { name: 'Bench' })).id as string;
    await post(`/v1/orgs/${org}/adjustments`, { amount: 10_000_000, reason: 'bench credits' });
    // The floor under the API's figure: the same two commands on the same store, nothing else running.
    const floor: number[] = [];
    const floorCpu = process.cpuUsage();
    const now = Date.now();
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      const hold = await store.execute(
        org,
        {
          type: 'hold',
          items: [{ tool: 'image.generate', operation: '720p', quantity: BATCH }],
          ttl_seconds: 900,
          member_id: null,
          project_id: null,
        },
        { now, idempotencyKey: `bench-floor-hold-${i}` },
      );
      if (!hold.ok) throw hold.error;
      const capture = await store.execute(
        org,
        {
          type: 'capture',
          hold_id: (hold.result as { id: string }).id,
          amount: BATCH - 1,
          usage: { tool: 'image.generate', operation: '720p', quantity: BATCH - 1, job_id: `bench-${i}` },
        },
        { now, idempotencyKey: `bench-floor-capture-${i}` },
      );
      if (!capture.ok) throw capture.error;
      floor.push(performance.now() - t);
    }
    const floorPerImage = median(floor) / BATCH;
    // CPU, every thread of the process (the writer thread too), not the time spent waiting on fsync.
    const ledgerCpuPerImage = cpuMs(process.cpuUsage(floorCpu)) / (floor.length * BATCH);
    log(
      `store alone: hold + capture of a batch of ${BATCH} = ${median(floor).toFixed(3)} ms (median) = ${floorPerImage.toFixed(3)} ms per image`,
    );
    rows.push({
      name: 'generation.ledger.store_floor',
      value: floorPerImage,
      unit: 'ms/image',
      note: `hold + capture straight on the SQLite store, batch of ${BATCH}, sequential, idle server`,
    });

    // The floor under any durable settlement: one SQLite commit that waits for the disk
    // (WAL, synchronous=FULL), nothing else. A batch's capture is one such commit.
    const fsyncMs = durableCommitMs(join(dir, 'fsync-floor.db'));
    rows.push({
      name: 'generation.ledger.durable_commit_floor',
      value: fsyncMs,
      unit: 'ms',
      note: 'median of 200 one-row SQLite commits with synchronous=FULL on the same disk: the least a durable settlement of a batch can take',
    });

    const renderer = createLocalRenderer();
    const ops = buildToolRegistry().imageOperations.filter(
      (o) => !options.operations || options.operations.includes(o.operation),
    );

    log(
      `batches of ${BATCH} at concurrency ${CONCURRENCY}, preview renderer, png, ~${seconds} s per measurement`,
    );
    log(
      'operation  size         alone images/s  API images/s  API/alone  ledger ms/image  render ms/image  ledger/render',
    );
    for (const op of ops) {
      const prompts = (i: number) =>
        Array.from({ length: BATCH }, (_, k) => `bench ${op.operation} ${i} ${k}`);

      const aloneCpu = process.cpuUsage();
      const alone = await repeat(seconds, 1, async (i) => {
        const items = prompts(i).map((prompt, k) => ({
          prompt,
          seed: k,
          width: op.width,
          height: op.height,
          format: 'png' as const,
        }));
        const results = await renderBatch(items, renderer, { concurrency: CONCURRENCY });
        if (!results.every((r) => r.ok)) throw new Error('a bench render failed');
      });
      // The warm-up run counts too: CPU per image over every batch rendered.
      const renderCpuPerImage = cpuMs(process.cpuUsage(aloneCpu)) / ((alone.length + 1) * BATCH);

      // The client runs in its own process, as autocannon does for bench/http.ts.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          CLIENT,
          JSON.stringify({
            url,
            org,
            key: ADMIN,
            operation: op.operation,
            batch: BATCH,
            seconds,
            min: 1,
            label: op.operation,
          }),
        ],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      );
      const { times: api, ids } = JSON.parse(stdout) as { times: number[]; ids: string[] };
      const records = ids.map((id) => {
        const record = JSON.parse(
          readFileSync(join(dir, 'generations', org, `${id}.json`), 'utf8'),
        ) as BatchRecord;
        if (record.status !== 'succeeded') throw new Error(`batch ${id} ${record.status}`);
        return record;
      });

      const aloneRate = (BATCH * 1000) / mean(alone);
      const apiRate = (BATCH * 1000) / mean(api);
      // Medians: one stall of a shared machine should not decide a per-batch cost of ~2 ms.
      // What the ledger adds to a batch's time: the affordability read, any wait of an image
      // for the hold's commit (the hold runs beside the render), and the settlement.
      const ledger = records.map(
        (r) => (r.timings_ms.precheck ?? 0) + (r.timings_ms.hold_wait ?? 0) + (r.timings_ms.settle ?? 0),
      );
      const ledgerPerImage = median(ledger) / BATCH;
      const part = (k: 'precheck' | 'hold_wait' | 'settle') =>
        median(records.map((r) => r.timings_ms[k] ?? 0)).toFixed(2);
      const parts = `precheck ${part('precheck')}, hold wait ${part('hold_wait')}, settle ${part('settle')} ms per batch`;
      const ledgerMeanPerImage = mean(ledger) / BATCH;
      // The ledger's own calls, overlapped or not: hold + settlement.
      const calls = median(records.map((r) => (r.timings_ms.hold ?? 0) + (r.timings_ms.settle ?? 0))) / BATCH;
      const renderPerImage = median(records.map((r) => r.timings_ms.render ?? 0)) / BATCH;
      const share = ledgerPerImage / renderPerImage;
      log(
        `${op.operation.padEnd(10)} ${`${op.width}×${op.height}`.padEnd(12)} ${aloneRate.toFixed(1).padStart(15)}` +
          `  ${apiRate.toFixed(1).padStart(12)}  ${`${((apiRate / aloneRate) * 100).toFixed(0)}%`.padStart(9)}` +
          `  ${ledgerPerImage.toFixed(3).padStart(15)}  ${renderPerImage.toFixed(1).padStart(15)}` +
          `  ${`${(share * 100).toFixed(2)}%`.padStart(13)}  (${parts})`,
      );
      rows.push(
        {
          name: `generation.${op.operation}.renderer_alone`,
          value: aloneRate,
          unit: 'images/s',
          note: `renderBatch of ${BATCH} at concurrency ${CONCURRENCY}, ${alone.length} batches`,
        },
        {
          name: `generation.${op.operation}.api`,
          value: apiRate,
          unit: 'images/s',
          note: `POST to done over HTTP + SSE: ${((apiRate / aloneRate) * 100).toFixed(0)}% of the renderer alone, ${api.length} batches`,
        },
        {
          name: `generation.${op.operation}.ledger_cpu_share`,
          value: (ledgerCpuPerImage / renderCpuPerImage) * 100,
          unit: '% of render CPU',
          note: `hold + capture ${ledgerCpuPerImage.toFixed(3)} ms of CPU per image (store alone, both threads) vs the renderer's ${renderCpuPerImage.toFixed(1)} ms of CPU per image`,
        },
        {
          name: `generation.${op.operation}.ledger_share`,
          value: share * 100,
          unit: '% of render time',
          note: `ledger time added to a batch: median ${ledgerPerImage.toFixed(3)} ms per image (mean ${ledgerMeanPerImage.toFixed(3)}; medians ${parts}; hold + capture calls ${calls.toFixed(3)}, the hold beside the render) vs render ${renderPerImage.toFixed(1)} ms per image; one durable commit alone is ${((fsyncMs / (renderPerImage * BATCH)) * 100).toFixed(2)}% of a batch's render${op.operation === '720p' ? '; target ≤ 0.7%' : ''}`,
        },
      );
    }
  } finally {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** Median milliseconds of a one-row commit that waits for the disk, on a fresh file at `path`. */
function durableCommitMs(path: string): number {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      insert.run(`row ${i}`);
      times.push(performance.now() - t);
    }
    return median(times);
  } finally {
    db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  await generationBench({ log: (line) => console.log(line) });
