/**
 * The web app's weight: the JavaScript and CSS a browser must fetch before the first page
 * shows (the entry script, its modulepreloads and stylesheets from dist/web/index.html),
 * gzipped at level 9 as a server would send it, against the budget of 150 KB of
 * initial JS. Chunks loaded later (lazy pages such as Insights) are reported apart.
 */
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Row } from './store.ts';

/** The budget for initial JavaScript, gzipped. */
const INITIAL_JS_BUDGET_BYTES = 150 * 1024;

const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;

export async function webSizeBench(): Promise<Row[]> {
  const dist = join(import.meta.dirname, '../dist/web');
  if (!existsSync(join(dist, 'index.html'))) execSync('npm run build:web', { stdio: 'inherit' });
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const initial = new Set<string>();
  for (const m of html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)) initial.add(m[1]!);
  const all = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js') || f.endsWith('.css'));
  let initialJs = 0;
  let initialCss = 0;
  let lazyJs = 0;
  for (const f of all) {
    const size = gz(join(dist, 'assets', f));
    const isInitial = initial.has(`assets/${f}`);
    if (f.endsWith('.css')) {
      if (isInitial) initialCss += size;
    } else if (isInitial) initialJs += size;
    else lazyJs += size;
  }
  const kb = (n: number) => n / 1024;
  return [
    { name: 'initial JavaScript, gzipped', value: kb(initialJs), unit: 'KB' },
    { name: 'initial CSS, gzipped', value: kb(initialCss), unit: 'KB' },
    { name: 'lazily loaded JavaScript (all chunks), gzipped', value: kb(lazyJs), unit: 'KB' },
    {
      name: 'initial JavaScript / budget of 150 KB (target ≤ 1)',
      value: initialJs / INITIAL_JS_BUDGET_BYTES,
      unit: '×',
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await webSizeBench()) console.log(`${r.name.padEnd(60)} ${r.value.toFixed(2)} ${r.unit}`);
}
