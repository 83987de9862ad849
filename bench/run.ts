/**
 * `npm run bench`: every benchmark, each reporting ratios against a baseline measured in
 * the same run (the machine is shared and noisy; absolute numbers move, ratios less so).
 * Writes bench/RESULTS.md with the command, the machine and the tables.
 *   BENCH_ONLY=store,postgres,query,memory,tools,generation,http   run a subset
 *   BENCH_OPS=60000                                operations per store measurement
 *   BENCH_MEMORY_ORGS=1000000                      orgs for the RSS measurement
 */
import { execSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { memoryBench, postgresBench, queryBench, type Row, sqliteBench } from './store.ts';
import { runToolsBench } from './tools.ts';

const only = new Set(
  (process.env.BENCH_ONLY ?? 'store,postgres,query,memory,tools,generation,http').split(','),
);
const sections: { title: string; rows: Row[] }[] = [];
const fmt = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

async function section(key: string, title: string, fn: () => Promise<Row[]>) {
  if (!only.has(key)) return;
  console.log(`\n## ${title}`);
  const started = Date.now();
  const rows = await fn();
  for (const r of rows)
    console.log(
      `${r.name.padEnd(70)} ${fmt(r.value).padStart(12)} ${r.unit}${r.note ? `  (${r.note})` : ''}`,
    );
  console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  sections.push({ title, rows });
}

await section('store', 'SQLite ledger (durable consumes)', sqliteBench);
await section('postgres', 'PostgreSQL ledger vs a naive ledger', postgresBench);
await section('query', 'Queries on a million-row log (SQLite)', () =>
  queryBench(Number(process.env.BENCH_QUERY_ROWS ?? 1_000_000)),
);
await section('memory', 'Memory', () => memoryBench(Number(process.env.BENCH_MEMORY_ORGS ?? 1_000_000)));
await section('tools', 'Local preview renderer', async () => runToolsBench({ seconds: 1 }));
if (only.has('generation')) {
  const { generationBench } = await import('./generation.ts');
  await section('generation', 'Generation through the API vs the renderer alone', generationBench);
}
if (only.has('http')) {
  const http = await import('./http.ts').catch(() => null);
  if (http) await section('http', 'HTTP API (autocannon on loopback)', http.httpBench);
}

const gitRev = (() => {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const md = [
  '# Benchmark results',
  '',
  'Produced by `npm run bench` (`tsx bench/run.ts`)' +
    (process.env.BENCH_ONLY ? ` with \`BENCH_ONLY=${process.env.BENCH_ONLY}\`` : '') +
    (process.env.BENCH_OPS ? ` \`BENCH_OPS=${process.env.BENCH_OPS}\`` : '') +
    '. Do not edit by hand: rerun it. What the numbers mean and why: `bench/README.md`.',
  '',
  `- date: ${new Date().toISOString()}`,
  `- commit: ${gitRev}`,
  `- node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} (shared, noisy machine: compare ratios)`,
  '',
  ...sections.flatMap((s) => [
    `## ${s.title}`,
    '',
    '| measurement | value | unit | note |',
    '|---|---:|---|---|',
    ...s.rows.map((r) => `| ${r.name} | ${fmt(r.value)} | ${r.unit} | ${r.note ?? ''} |`),
    '',
  ]),
].join('\n');
writeFileSync(new URL('./RESULTS.md', import.meta.url), md);
console.log('\nwrote bench/RESULTS.md');
