/**
 * `amisi serve`: load and check the settings, open (and migrate) the store, serve HTTP,
 * start the scheduler (renewals, alerts, webhooks, emails, auto top-ups on timers), and
 * shut down cleanly on SIGINT/SIGTERM: stop accepting, finish in-flight requests and the
 * scheduler's pass, then close the store (which finishes its in-flight batches).
 */
import { type Config, loadConfig } from '../config/config.ts';
import { buildServer } from '../main.ts';
import { openStore } from '../store/open.ts';

export async function serve(config: Config = loadConfig()) {
  const store = await openStore(config.database_url, { catalog: config.catalog });
  const app = await buildServer({ config, store });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    try {
      await app.close();
      await store.close();
      app.log.info('stopped');
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exitCode = 1;
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  // Fastify logs one line when listening; it carries the URL a person needs.
  await app.listen({
    port: config.port,
    host: config.host,
    listenTextResolver: (address) =>
      `Amisi Credits listening on ${address} (API reference at ${address}/docs)`,
  });

  if (config.admin_key === null)
    app.log.info(
      'operator endpoints (/v1/admin/*, refunds, adjustments, creating orgs on paid tiers) are closed: set AMISI_ADMIN_KEY to open them',
    );

  // The scheduler's timers run on the system clock only (app.close() stops them).
  app.scheduler.start();
  return { app, store, shutdown };
}
