/**
 * `amisi serve`: load and check the settings, open (and migrate) the store, serve HTTP,
 * run due renewals on a timer, and shut down cleanly on SIGINT/SIGTERM: stop accepting,
 * finish in-flight requests, then close the store (which finishes its in-flight batches).
 */
import { runDueRenewals } from '../app/renewals.ts';
import { type Config, loadConfig } from '../config/config.ts';
import { buildServer } from '../http/server.ts';
import { openStore } from '../store/open.ts';

export async function serve(config: Config = loadConfig()) {
  const store = await openStore(config.database_url, { catalog: config.catalog });
  const app = await buildServer({ config, store });
  let timer: NodeJS.Timeout | undefined;
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    if (timer) clearInterval(timer);
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

  if (config.clock === 'system' && config.scheduler_interval_seconds > 0) {
    let running = false;
    timer = setInterval(() => {
      if (running || closing) return;
      running = true;
      runDueRenewals({
        store,
        catalog: config.catalog,
        clock: { manual: false, now: () => Date.now() },
        payments: config.payments,
        sessionTtlMs: config.session_ttl_seconds * 1000,
      })
        .then((n) => n > 0 && app.log.info({ renewed: n }, 'ran due renewals'))
        .catch((err) => app.log.error({ err }, 'scheduled renewals failed'))
        .finally(() => {
          running = false;
        });
    }, config.scheduler_interval_seconds * 1000);
    timer.unref();
  }
  return { app, store, shutdown };
}
