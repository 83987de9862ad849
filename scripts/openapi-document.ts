/**
 * The server's own OpenAPI document, built as `amisi serve` would (default config, a
 * throwaway SQLite file), for the scripts that generate types from it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config.ts';
import { buildServer } from '../src/main.ts';
import { openStore } from '../src/store/open.ts';

export async function openapiDocument(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'amisi-openapi-'));
  try {
    const config = loadConfig({ env: {}, overrides: { log_level: 'silent', data_dir: dir } });
    const store = await openStore(`sqlite:${join(dir, 'openapi.db')}`, { catalog: config.catalog });
    const app = await buildServer({ config, store, logger: false, webApp: false });
    await app.ready();
    const document = app.swagger() as unknown as Record<string, unknown>;
    await app.close();
    await store.close();
    return document;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
