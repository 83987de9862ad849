/**
 * Packs the TypeScript client alone: a tarball of a package named `amisi` whose only entry is
 * `amisi/client` (the compiled dist/client, types included) and which has no dependencies, so
 * installing it brings nothing of the server (Fastify, SQLite, sharp…). `npm run pack:client
 * [folder]` writes amisi-client-<version>.tgz there (default: the current folder); see
 * docs/client.md.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = join(import.meta.dirname, '..');
const destination = resolve(process.argv[2] ?? '.');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const stage = mkdtempSync(join(tmpdir(), 'amisi-client-pack-'));
try {
  execFileSync(
    join(root, 'node_modules/.bin/tsc'),
    ['-p', 'tsconfig.client.json', '--outDir', join(stage, 'dist/client')],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  const client = {
    name: pkg.name,
    version: pkg.version,
    description: 'The typed client of Amisi Credits (amisi/client), alone: no dependencies',
    type: 'module',
    private: true,
    engines: pkg.engines,
    exports: { './client': pkg.exports['./client'] },
    files: ['dist/client'],
  };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(client, null, 2)}\n`);
  cpSync(join(root, 'docs/client.md'), join(stage, 'README.md'));
  const name = execFileSync('npm', ['pack', '--pack-destination', stage], {
    cwd: stage,
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop()!;
  const out = join(destination, `${pkg.name}-client-${pkg.version}.tgz`);
  cpSync(join(stage, name), out);
  console.log(`wrote ${out}`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
