/**
 * The layer rules of ../shared/ARCHITECTURE.md, checked on every `npm test`
 * (`npm run deps:check`). Each folder's README states the rules that concern it, in the
 * same words; change both together. Tests (`test/`, `*.test.ts`, `src/core/test-helpers.ts`)
 * may import anything and are left out of every rule but "no production code imports tests".
 *
 * Layers, top to bottom:
 *   src/cli        commands; reach the server and the app's services through src/main.ts
 *   src/main.ts    the composition root: the one module that wires every part
 *   src/http       the edge: app services in, HTTP out
 *   src/app        use cases over store, payments, notifications, tools
 *   src/payments, src/notifications    adapters the app drives
 *   src/store, src/tools, src/config   storage, image rendering, settings
 *   src/core       pure rules
 * and apart: src/client (the published client) and web/ (the dashboard), which speak to the
 * server over HTTP only.
 */
const TESTS = ['^test/', '\\.test\\.tsx?$', '^src/core/test-helpers\\.ts$'];
const WORKER_BOOT = '^src/(ts-worker\\.ts|worker-boot\\.js)$';
const CATALOG_DATA = '^config/[^/]+\\.json$';

/** A rule: files in `from` (tests excepted) may import, among project files, only `allowed`. */
const onlyImports = (name, comment, from, allowed) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from, pathNot: TESTS },
  to: { path: '^(src|test|web|bench|scripts|config)/', pathNot: allowed },
});

/** A rule: files in `from` (tests excepted) never import `forbidden`. */
const neverImports = (name, comment, from, forbidden) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from, pathNot: TESTS },
  to: { path: forbidden },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'No import cycles, type-only imports included: the layers read top to bottom.',
      severity: 'error',
      from: {
        path: '^(src|web/src)/',
      },
      to: { circular: true },
    },
    onlyImports(
      'core-is-pure',
      'src/core imports nothing outside src/core (the built-in catalog JSON excepted): no I/O, no other layer, no npm package.',
      '^src/core/',
      ['^src/core/', CATALOG_DATA],
    ),
    {
      name: 'core-has-no-packages',
      comment: 'src/core imports no npm package and no Node built-in: its rules run anywhere.',
      severity: 'error',
      from: { path: '^src/core/', pathNot: TESTS },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown', 'core'] },
    },
    onlyImports('config-imports-core-only', 'src/config may import src/core only.', '^src/config/', [
      '^src/(config|core)/',
      CATALOG_DATA,
    ]),
    onlyImports('tools-imports-core-only', 'src/tools may import src/core (and the worker boot) only.', '^src/tools/', [
      '^src/(tools|core)/',
      WORKER_BOOT,
    ]),
    onlyImports('store-imports-core-only', 'src/store may import src/core (and the worker boot) only.', '^src/store/', [
      '^src/(store|core)/',
      WORKER_BOOT,
    ]),
    onlyImports(
      'payments-below-app',
      'src/payments may import src/core, src/store and src/config only.',
      '^src/payments/',
      ['^src/(payments|core|store|config)/'],
    ),
    onlyImports(
      'notifications-below-app',
      'src/notifications may import src/core and src/store only.',
      '^src/notifications/',
      ['^src/(notifications|core|store)/'],
    ),
    neverImports(
      'app-below-edges',
      'src/app never imports src/http, src/cli or src/main.ts: it knows no transport and wires nothing.',
      '^src/app/',
      '^src/(http|cli)/|^src/main\\.ts$',
    ),
    onlyImports(
      'http-gets-app-services',
      'src/http may import src/app, src/core and src/config only: never src/store, src/payments, src/notifications, src/tools (it is handed app services by src/main.ts).',
      '^src/http/',
      ['^src/(http|app|core|config)/'],
    ),
    neverImports(
      'main-is-not-a-command',
      'src/main.ts wires the app; it never imports a CLI command.',
      '^src/main\\.ts$',
      '^src/cli/',
    ),
    onlyImports(
      'cli-through-main',
      'src/cli may import src/main.ts, src/app, src/core, src/config and src/store only: the server and the wired services come from src/main.ts, never src/http directly.',
      '^src/cli/',
      ['^src/(cli|app|core|config|store)/', '^src/main\\.ts$'],
    ),
    onlyImports(
      'client-stands-alone',
      'src/client (published as amisi/client) imports nothing of the server: it speaks HTTP.',
      '^src/client/',
      ['^src/client/'],
    ),
    onlyImports(
      'web-stands-alone',
      'web/ imports nothing of the server; its API types are generated into web/src/api from /openapi.json.',
      '^web/',
      ['^web/'],
    ),
    {
      name: 'no-tests-in-production',
      comment: 'Production code never imports test code (test/, *.test.ts, src/core/test-helpers.ts).',
      severity: 'error',
      from: { path: '^(src|web/src)/', pathNot: TESTS },
      to: { path: TESTS },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|data|node_modules)/' },
    // Type-only imports count: a type from src/store in src/http is still a dependency on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] },
  },
};
