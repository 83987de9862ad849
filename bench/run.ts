/**
 * `npm run bench`: every benchmark, each reporting ratios against a baseline measured in
 * the same run (the machine is shared and noisy; absolute numbers move, ratios less so).
 * Writes bench/RESULTS.md with the command, the machine and the tables.
 *   BENCH_ONLY=state,store,recovery,postgres,query,memory,tools,generation,http,web   run a subset
 *   BENCH_RECOVERY_OPS=1000000                     logged operations replayed by the recovery row
 *   BENCH_OPS=60000                                operations per store measurement
 *   BENCH_MEMORY_ORGS=1000000                      orgs for the RSS measurement
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { stateSizeBench } from './state-size.ts';
import { memoryBench, postgresBench, queryBench, type Row, sqliteBench } from './store.ts';
import { runToolsBench } from './tools.ts';

const only = new Set(
  (process.env.BENCH_ONLY ?? 'state,store,recovery,postgres,query,memory,tools,generation,http,web').split(
    ',',
  ),
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

await section('state', 'Org state size with age (issue 14)', async () => stateSizeBench());
await section('store', 'SQLite ledger (durable consumes)', sqliteBench);
if (only.has('recovery')) {
  const { recoveryBench } = await import('./recovery.ts');
  await section('recovery', 'Recovery after kill -9 (SQLite command log)', recoveryBench);
}
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

if (only.has('web')) {
  const { webSizeBench } = await import('./web-size.ts');
  await section('web', 'Web app weight (gzipped)', webSizeBench);
}

const gitRev = (() => {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
// Every run is kept, newest first: a figure is only meaningful beside the ones before it.
const HEADER =
  '# Benchmark results\n\nProduced by `npm run bench` (`tsx bench/run.ts`); each run is added at the top and earlier runs are kept below it. Do not edit by hand: rerun it. What the numbers mean and why: `bench/README.md`.\n';
const run = [
  `## Run of ${new Date().toISOString()}`,
  '',
  `- command: \`npm run bench\`` +
    (process.env.BENCH_ONLY ? ` with \`BENCH_ONLY=${process.env.BENCH_ONLY}\`` : '') +
    (process.env.BENCH_OPS ? ` \`BENCH_OPS=${process.env.BENCH_OPS}\`` : ''),
  `- commit: ${gitRev}`,
  `- node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} (shared, noisy machine: compare ratios)`,
  '',
  ...sections.flatMap((s) => [
    `### ${s.title}`,
    '',
    '| measurement | value | unit | note |',
    '|---|---:|---|---|',
    ...s.rows.map((r) => `| ${r.name} | ${fmt(r.value)} | ${r.unit} | ${r.note ?? ''} |`),
    '',
  ]),
].join('\n');
const file = new URL('./RESULTS.md', import.meta.url);
writeFileSync(file, `${HEADER}\n${run}\n${earlierRuns(existsSync(file) ? readFileSync(file, 'utf8') : '')}`);

/** The runs already in RESULTS.md; a file from before runs were kept is turned into one run. */
function earlierRuns(text: string): string {
  if (text.trim() === '') return '';
  const i = text.indexOf('\n## Run of ');
  if (i >= 0) return text.slice(i + 1);
  // The single-run format: "- date: …" then "## section" headings.
  const date = /- date: (\S+)/.exec(text)?.[1] ?? 'an earlier date';
  const body = text.slice(text.indexOf('\n- ') + 1).replace(/^## /gm, '### ');
  return `## Run of ${date}\n\n${body.replace(/^- date: .*\n/m, '')}`;
}
console.log('\nwrote bench/RESULTS.md');
