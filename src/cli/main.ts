/**
 * The `amisi` command: serve, migrate, verify, renew, demo, export. Settings come from env
 * vars and AMISI_CONFIG; a bad setting or flag stops here with one clear line, not a stack
 * trace.
 *
 * Each command's module is imported only when that command runs: the server's modules
 * (Fastify, payments, mail, every route) take over a second to load from source, which
 * `amisi verify`, `export`, `migrate`, `demo` and every `--help` have no use for.
 */
import { ConfigError, loadConfig } from '../config/config.ts';
import { StoreError } from '../store/errors.ts';
import { UsageError } from './args.ts';

const USAGE = `usage: amisi <command>

commands:
  serve     run the HTTP API (PORT, HOST, DATABASE_URL, AMISI_ADMIN_KEY, AMISI_CLOCK, AMISI_CONFIG)
  migrate   bring the database to this build's schema
  verify    re-derive every balance from the journal and check every invariant
  renew     run the renewals and expiries due now
  reconcile list (--apply: credit) payments paid but not credited
  demo      create an org of each tier living a realistic year of usage
  export    write an org's transaction log as CSV or JSON

Run amisi <command> --help for a command's flags. The database is DATABASE_URL
(default sqlite:./data/amisi.db).`;

const HELP: Record<string, () => Promise<string>> = {
  migrate: async () => (await import('./migrate.ts')).MIGRATE_HELP,
  verify: async () => (await import('./verify.ts')).VERIFY_HELP,
  renew: async () => (await import('./renew.ts')).RENEW_HELP,
  reconcile: async () => (await import('./reconcile.ts')).RECONCILE_HELP,
  demo: async () => (await import('./demo.ts')).DEMO_HELP,
  export: async () => (await import('./export.ts')).EXPORT_HELP,
};

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  // Help must work without a valid configuration.
  if (command !== undefined && HELP[command] && (rest.includes('--help') || rest.includes('-h'))) {
    console.log(await HELP[command]());
    return;
  }
  switch (command) {
    case 'serve':
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(
          'usage: amisi serve\n\nServes the API, /docs and the dashboard; settings from env vars (see docs/configuration.md).',
        );
        return;
      }
      await (await import('./serve.ts')).serve(loadConfig());
      return;
    case 'migrate':
      process.exitCode = await (await import('./migrate.ts')).migrateCommand(loadConfig(), rest);
      return;
    case 'verify':
      process.exitCode = await (await import('./verify.ts')).verifyCommand(loadConfig(), rest);
      return;
    case 'renew':
      process.exitCode = await (await import('./renew.ts')).renewCommand(loadConfig(), rest);
      return;
    case 'reconcile':
      process.exitCode = await (await import('./reconcile.ts')).reconcileCommand(loadConfig(), rest);
      return;
    case 'demo':
      process.exitCode = await (await import('./demo.ts')).demoCommand(loadConfig(), rest);
      return;
    case 'export':
      process.exitCode = await (await import('./export.ts')).exportCommand(loadConfig(), rest);
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return;
    default:
      console.error(`amisi: unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

// A reader that closed the pipe (`amisi export … | head -1`) has all it wanted: end quietly
// with status 0, as `git log | head` does, instead of dying on an unhandled EPIPE.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`amisi: ${err.message} (see amisi --help)`);
    process.exitCode = 2;
    return;
  }
  if (err instanceof ConfigError || err instanceof StoreError) {
    console.error(`amisi: ${err.message}`);
    process.exitCode = 1;
    return;
  }
  console.error('amisi: failed to start:', err);
  process.exitCode = 1;
});
