/**
 * docs/client.md's way of installing the client outside this repository works: the
 * client-only tarball (`npm run pack:client`) installs into a fresh project in a temporary
 * folder with no network (it has no dependencies), and `amisi/client` imports there with
 * plain node, JavaScript and types alike, while nothing else of the package is reachable.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'amisi-client-install-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('installing the client outside the repository', () => {
  it('packs alone, installs offline and imports as amisi/client', () => {
    run('npx', ['tsx', 'scripts/pack-client.ts', dir], root);
    const tarball = readdirSync(dir).find((f) => /^amisi-client-.*\.tgz$/.test(f));
    expect(tarball).toBeDefined();
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(dir, tarball!)], app);
    expect(readdirSync(join(app, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual(['amisi']);

    writeFileSync(
      join(app, 'main.js'),
      `import { AmisiClient, AmisiError } from 'amisi/client';
const c = new AmisiClient({ baseUrl: 'http://127.0.0.1:1' });
console.log(typeof AmisiClient, typeof AmisiError, typeof c.transactions.list, c.signedIn);
await import('amisi/server').catch((e) => console.log(e.code));`,
    );
    expect(run('node', ['main.js'], app).trim().split('\n')).toEqual([
      'function function function false',
      'ERR_PACKAGE_PATH_NOT_EXPORTED',
    ]);

    // The declarations resolve from the installed package, with the server's types.
    writeFileSync(
      join(app, 'main.ts'),
      `import { AmisiClient, type Subscription, type Transaction } from 'amisi/client';
const c = new AmisiClient({ baseUrl: 'http://127.0.0.1:1', apiKey: 'k' });
export const first = (org: string): Promise<Transaction[]> => c.transactions.list(org).toArray(1);
export const late: Subscription['status'] = 'past_due';`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          strict: true,
          noEmit: true,
          lib: ['ES2022', 'DOM'],
          types: [],
        },
        files: ['main.ts'],
      }),
    );
    run(join(root, 'node_modules/.bin/tsc'), ['-p', '.'], app);
  }, 180_000);
});
