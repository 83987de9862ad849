/**
 * The composition root: the one place that knows every part and puts the app together.
 * It opens nothing itself (the caller hands it a store) but chooses and connects the rest:
 * payment provider, mailers, API key cache, password hashing queue, metrics, scheduler and
 * generation service, then hands them, as app services, to the HTTP edge. `amisi serve`,
 * the CLI's other commands (`commandDeps`), the test harness, the benchmarks and the
 * OpenAPI type generator all build through here, so no other folder imports `../payments`
 * or `../notifications` to wire them (`.dependency-cruiser.cjs` holds the layer rules).
 */
import { ApiKeyCache } from './app/api-key-cache.ts';
import { type Clock, ManualClock, systemClock } from './app/clock.ts';
import type { AppDeps } from './app/deps.ts';
import { type ChosenBackend, createGenerations } from './app/generations-backend.ts';
import { HashingQueue } from './app/hashing-queue.ts';
import { Scheduler, schedulerTimers } from './app/scheduler.ts';
import type { Config } from './config/config.ts';
import { Metrics } from './http/metrics.ts';
import type { App, ServerOptions } from './http/server.ts';
import { createHttpServer } from './http/server.ts';
import { mailFolder } from './notifications/mail-folder.ts';
import { loggedMailer, type Mail, smtpMailer } from './notifications/mailer.ts';
import { providerFromConfig } from './payments/index.ts';
import type { Store } from './store/types.ts';

export interface BuildOptions {
  config: Config;
  store: Store;
  /** Defaults to the clock the config names (a fresh manual clock for AMISI_CLOCK=manual). */
  clock?: Clock;
  /** Pino options, or false for no logs (tests). Defaults to JSON logs at the config's level. */
  logger?: ServerOptions['logger'];
  /** The image backend, instead of the one the config names (tests, benchmarks). */
  imageBackend?: ChosenBackend;
  /** Serve the web app from this build folder (default dist/web), or not at all. */
  webApp?: ServerOptions['webApp'];
  /** Sees every route as it is added: the access-matrix test lists the app's routes with it. */
  onRoute?: ServerOptions['onRoute'];
}

/** The whole server over `store`: every service wired, routes added, not yet listening. */
export async function buildServer(opts: BuildOptions): Promise<App> {
  const { config, store } = opts;
  const clock = opts.clock ?? (config.clock === 'manual' ? new ManualClock() : systemClock);
  return createHttpServer({
    config,
    ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
    ...(opts.webApp !== undefined ? { webApp: opts.webApp } : {}),
    ...(opts.onRoute ? { onRoute: opts.onRoute } : {}),
    services: (log) => {
      const metrics = new Metrics(() => store.openHoldsTotal());
      const deps: AppDeps = {
        store,
        catalog: config.catalog,
        clock,
        payments: config.payments,
        sessionTtlMs: config.session_ttl_seconds * 1000,
        passwordHashCost: config.password_hash_cost,
        publicUrl: config.public_url,
        onWrite: metrics.onWrite,
      };
      if (config.api_key_cache_ms > 0) deps.apiKeys = new ApiKeyCache(config.api_key_cache_ms);
      const provider = providerFromConfig(config, store);
      if (provider) deps.provider = provider;
      const mailer = config.notifications.smtp_url
        ? smtpMailer(config.notifications.smtp_url, config.notifications.email_from)
        : null;
      deps.hashing = new HashingQueue();
      // Outside production the log line carries the message itself (its link), so a
      // developer needs nothing else; in production only where the file is.
      const onMailWritten = (path: string, m: Mail) =>
        log.info(
          { mail_file: path, to: m.to, subject: m.subject, ...(config.production ? {} : { text: m.text }) },
          'email written to the mail folder (no SMTP_URL configured)',
        );
      deps.accountMail = {
        // Mail with a token in it goes out at once: by SMTP when configured, else into the
        // development mail folder, announced in the log (see docs/accounts.md).
        mailer: loggedMailer(
          mailer ??
            mailFolder({
              dir: config.notifications.mail_dir,
              from: config.notifications.email_from,
              onWrite: onMailWritten,
            }),
          (err, m) => log.error({ err, to: m.to, subject: m.subject }, 'account email could not be sent'),
        ),
        publicUrl: config.public_url,
      };
      deps.notify = {
        mailer,
        webhookTimeoutMs: config.notifications.webhook_timeout_ms,
        allowPrivateTargets: config.notifications.webhooks_allow_private,
      };
      const storeWithBatches = store as Store & { batchSizes?: (size: number, ms: number) => void };
      if ('batchSizes' in storeWithBatches) storeWithBatches.batchSizes = metrics.onBatch;

      // Full passes run on the system clock only (under the manual clock, time moves when a
      // test says); deliveries leave on wall-clock time under either (schedulerTimers).
      const scheduler = new Scheduler(deps, {
        ...schedulerTimers({ manual: clock.manual, ...config }),
        onError: (err) => log.error({ err }, 'scheduled work failed'),
        onReport: (r) => {
          if (r.renewed + r.alerts + r.dispatched + r.deliveries + r.emails + r.auto_topups > 0)
            log.info(r, 'scheduled work');
        },
      });
      // Generation: batches left unsettled by a stopped process are settled before serving;
      // on close, batches rendering here are cancelled and settled (done images charged).
      const generations = createGenerations({
        deps,
        settings: config.generation,
        dataDir: config.data_dir,
        log,
        ...(opts.imageBackend ? { chosen: opts.imageBackend } : {}),
        onEarlyRender: (outcome) => metrics.earlyRenders.inc({ outcome }),
      });
      return {
        deps,
        metrics,
        scheduler,
        generations,
        ready: async () => {
          await generations.startRecovery();
        },
        draining: () => generations.close(),
        close: async () => {
          await scheduler.stop();
          mailer?.close();
          if (!mailer) deps.accountMail?.mailer.close();
        },
      };
    },
  });
}

/**
 * What a CLI command other than `serve` runs with: the payment provider and notification
 * settings from the config, and a clock stopped at `at` (one command, one instant).
 */
export function commandDeps(config: Config, store: Store, at: number): AppDeps {
  const deps: AppDeps = {
    store,
    catalog: config.catalog,
    clock: { manual: false, now: () => at },
    payments: config.payments,
    sessionTtlMs: config.session_ttl_seconds * 1000,
    passwordHashCost: config.password_hash_cost,
    publicUrl: config.public_url,
    notify: {
      mailer: config.notifications.smtp_url
        ? smtpMailer(config.notifications.smtp_url, config.notifications.email_from)
        : null,
      webhookTimeoutMs: config.notifications.webhook_timeout_ms,
      allowPrivateTargets: config.notifications.webhooks_allow_private,
    },
  };
  const provider = providerFromConfig(config, store);
  if (provider) deps.provider = provider;
  return deps;
}
