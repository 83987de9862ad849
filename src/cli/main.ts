/**
 * The `amisi` command. Subcommands: serve (more — migrate, verify, renew, demo, export —
 * join as they are built). Settings come from env vars and AMISI_CONFIG; a bad setting
 * stops here with one clear line, not a stack trace.
 */
import { ConfigError, loadConfig } from '../config/config.ts';
import { StoreError } from '../store/errors.ts';
import { serve } from './serve.ts';

const USAGE = `usage: amisi <command>

commands:
  serve     run the HTTP API (PORT, HOST, DATABASE_URL, AMISI_ADMIN_KEY, AMISI_CLOCK, AMISI_CONFIG)`;

async function main(argv: string[]) {
  const [command] = argv;
  switch (command) {
    case 'serve':
      await serve(loadConfig());
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

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof StoreError) {
    console.error(`amisi: ${err.message}`);
    process.exitCode = 1;
    return;
  }
  console.error('amisi: failed to start:', err);
  process.exitCode = 1;
});
