/** `amisi migrate`: applies pending schema migrations (the server also does on start). */
import type { Config } from '../config/config.ts';
import { openStore } from '../store/open.ts';
import { flags } from './args.ts';

export const MIGRATE_HELP = `usage: amisi migrate

Brings the database named by DATABASE_URL to this build's schema. Refuses a database
written by a newer build, and a file or schema that belongs to another application.`;

export async function migrateCommand(config: Config, argv: string[]): Promise<number> {
  if (flags(argv, {}).help) {
    console.log(MIGRATE_HELP);
    return 0;
  }
  const store = await openStore(config.database_url, { catalog: config.catalog });
  await store.close();
  console.log(`migrate: ${store.dialect} database is at the current schema`);
  return 0;
}
