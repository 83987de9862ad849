/** Self time per function (and per file) of a V8 .cpuprofile: `tsx bench/profile-summary.ts FILE [N]`. */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}
const p = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { nodes: Node[]; samples: number[] };
const n = Number(process.argv[3] ?? 40);
const byId = new Map(p.nodes.map((x) => [x.id, x]));
const counts = new Map<number, number>();
for (const s of p.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
const total = p.samples.length;
const fn = new Map<string, number>();
const file = new Map<string, number>();
for (const [id, c] of counts) {
  const f = byId.get(id)!.callFrame;
  const u = f.url.replace(/^.*\/(node_modules|src)\//, '$1/');
  const k = `${f.functionName || '(anon)'} ${u}:${f.lineNumber + 1}`;
  fn.set(k, (fn.get(k) ?? 0) + c);
  file.set(u || '(native)', (file.get(u || '(native)') ?? 0) + c);
}
const top = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, c]) => `${((100 * c) / total).toFixed(1).padStart(5)}%  ${k}`);
console.log(`samples ${total}\n-- by function (self)`);
console.log(top(fn).join('\n'));
console.log('-- by file (self)');
console.log(top(file).join('\n'));

// Inclusive time per function: each sample counts once for every distinct function on its stack.
const parent = new Map<number, number>();
for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
const incl = new Map<string, number>();
for (const [id, c] of counts) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const f = byId.get(at)!.callFrame;
    const k = `${f.functionName || '(anon)'} ${f.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${f.lineNumber + 1}`;
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + c);
  }
}
console.log('-- by function (inclusive)');
console.log(top(incl).join('\n'));
