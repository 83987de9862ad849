/**
 * The layer checker (`npm run deps:check`, part of `npm test`) really fails the build: the
 * project's own `.dependency-cruiser.cjs`, run by the real `depcruise` command over small
 * trees written for the purpose, refuses each kind of forbidden import and accepts a tree
 * that keeps the rules. (That the project's tree keeps them is `deps:check` itself.)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');
// depcruise starts in a second or two; a loaded machine is given far more.
const TIMEOUT_MS = 120_000;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Writes `files` (path → source) into a fresh tree and runs the checker over its src/. */
function check(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'amisi-layers-'));
  dirs.push(dir);
  const all: Record<string, string> = {
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        allowImportingTsExtensions: true,
        noEmit: true,
      },
    }),
    'package.json': JSON.stringify({ name: 'layers-fixture', type: 'module', private: true }),
    'src/core/state.ts': 'export const balance = 0;\n',
    'src/store/types.ts': "import { balance } from '../core/state.ts';\nexport const stored = balance;\n",
    'src/app/reads.ts': "import { stored } from '../store/types.ts';\nexport const read = () => stored;\n",
    'src/http/route.ts': "import { read } from '../app/reads.ts';\nexport const answer = () => read();\n",
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const r = spawnSync(DEPCRUISE, ['src', '--config', CONFIG], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('the layer checker', () => {
  it('passes a tree that keeps the layer rules', { timeout: TIMEOUT_MS }, () => {
    const r = check({});
    expect(r.output).toContain('no dependency violations found');
    expect(r.status).toBe(0);
  });

  // One tree breaking every rule below, checked once (each run of depcruise costs seconds).
  let broken: { status: number | null; output: string };
  beforeAll(() => {
    broken = check({
      'src/http/route.ts':
        "import { stored } from '../store/types.ts';\nexport const answer = () => stored;\n",
      'src/core/state.ts':
        "import { readFileSync } from 'node:fs';\nimport { read } from '../app/reads.ts';\nexport const balance = 0;\nexport const leak = [readFileSync, read];\n",
      'src/app/reads.ts':
        "import { stored } from '../store/types.ts';\nimport type { answer } from '../http/route.ts';\nexport const read = () => stored;\nexport type A = typeof answer;\n",
      'src/http/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
      'src/http/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
      'src/client/index.ts':
        "import type { answer } from '../http/route.ts';\nexport type A = typeof answer;\n",
    });
  }, TIMEOUT_MS);

  it('fails the build on a forbidden import', () => {
    expect(broken.status).not.toBe(0);
  });
  it('refuses src/http importing src/store', () => {
    expect(broken.output).toMatch(/http-gets-app-services: src\/http\/route\.ts → src\/store\/types\.ts/);
  });
  it('refuses src/core importing another layer', () => {
    expect(broken.output).toMatch(/core-is-pure: src\/core\/state\.ts → src\/app\/reads\.ts/);
  });
  it('refuses src/core importing a Node built-in (I/O)', () => {
    expect(broken.output).toMatch(/core-has-no-packages: src\/core\/state\.ts → (node:)?fs/);
  });
  it('refuses src/app importing src/http, even for a type', () => {
    expect(broken.output).toMatch(/app-below-edges: src\/app\/reads\.ts → src\/http\/route\.ts/);
  });
  it('refuses an import cycle', () => {
    expect(broken.output).toMatch(/no-circular: src\/http\/a\.ts → /);
  });
  it('refuses the published client importing server code', () => {
    expect(broken.output).toMatch(/client-stands-alone: src\/client\/index\.ts → src\/http\/route\.ts/);
  });
});
