/**
 * The HTTP server: Fastify with TypeBox schemas that validate every request and generate
 * /openapi.json (browsable at /docs). This file wires the parts; routes live in routes/,
 * rules in ../core, use cases in ../app. Nothing here decides a credit rule.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  type RawServerDefault,
  type RouteOptions,
} from 'fastify';
import { ApiKeyCache } from '../app/api-key-cache.ts';
import { type Clock, ManualClock, systemClock } from '../app/clock.ts';
import type { AppDeps } from '../app/deps.ts';
import { type ChosenBackend, createGenerations } from '../app/generations-backend.ts';
import { HashingQueue } from '../app/hashing-queue.ts';
import { Scheduler, schedulerTimers } from '../app/scheduler.ts';
import type { Config } from '../config/config.ts';
import { mailFolder } from '../notifications/mail-folder.ts';
import { loggedMailer, type Mail, smtpMailer } from '../notifications/mailer.ts';
import { providerFromConfig } from '../payments/index.ts';
import type { Store } from '../store/types.ts';
import { AllowedMethods } from './allowed-methods.ts';
import { authHook } from './auth.ts';
import { Metrics } from './metrics.ts';
import { openapiOptions } from './openapi.ts';
import { HttpProblem, handleError, problem, sendProblem } from './problem.ts';
import { TokenBuckets } from './rate-limit.ts';
import { adminRoutes } from './routes/admin.ts';
import { authRoutes } from './routes/auth.ts';
import { autoTopupRoutes } from './routes/auto-topup.ts';
import { creditRoutes } from './routes/credits.ts';
import { eventRoutes } from './routes/events.ts';
import { generationRoutes } from './routes/generations.ts';
import { insightRoutes } from './routes/insights.ts';
import { invitationRoutes } from './routes/invitations.ts';
import { keyRoutes } from './routes/keys.ts';
import { leavingRoutes } from './routes/leaving.ts';
import { metaRoutes } from './routes/meta.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { orgRoutes } from './routes/orgs.ts';
import { purchaseRoutes } from './routes/purchases.ts';
import { receiptRoutes } from './routes/receipts.ts';
import { reportRoutes } from './routes/reports.ts';
import { stripeWebhookRoutes } from './routes/stripe-webhook.ts';
import { subscriptionPreviewRoutes } from './routes/subscription-preview.ts';
import { teamRoutes } from './routes/team.ts';
import { webhookEndpointRoutes } from './routes/webhook-endpoints.ts';
import { refuseUnstorableText } from './text-hygiene.ts';
import { validatorCompiler } from './validation.ts';
import { registerWebApp, type WebApp } from './web-app.ts';

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Renewals, alerts, webhooks, emails and auto top-ups on timers; `amisi serve` starts it. */
    scheduler: Scheduler;
  }
}

export interface RouteContext {
  deps: AppDeps;
  config: Config;
  clock: Clock;
  metrics: Metrics;
}

export interface BuildOptions {
  config: Config;
  store: Store;
  /** Defaults to the clock the config names (a fresh manual clock for AMISI_CLOCK=manual). */
  clock?: Clock;
  /** Pino options, or false for no logs (tests). Defaults to JSON logs at the config's level. */
  logger?: FastifyServerOptions['logger'];
  /** The image backend, instead of the one the config names (tests, benchmarks). */
  imageBackend?: ChosenBackend;
  /** Serve the web app from this build folder (default dist/web), or not at all. */
  webApp?: false | { dist?: string };
  /** Sees every route as it is added: the access-matrix test lists the app's routes with it. */
  onRoute?: (route: RouteOptions) => void;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Never log secrets: credentials, cookies, passwords, key secrets. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'csrf_token',
  '*.csrf_token',
];

export async function buildServer(opts: BuildOptions): Promise<App> {
  const { config, store } = opts;
  const clock = opts.clock ?? (config.clock === 'manual' ? new ManualClock() : systemClock);
  const metrics = new Metrics(() => store.openHoldsTotal());
  const deps: AppDeps = {
    store,
    catalog: config.catalog,
    clock,
    payments: config.payments,
    sessionTtlMs: config.session_ttl_seconds * 1000,
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
  deps.accountMail = {
    // Mail with a token in it goes out at once: by SMTP when configured, else into the
    // development mail folder, announced in the log (see docs/accounts.md).
    mailer: loggedMailer(
      mailer ??
        mailFolder({
          dir: config.notifications.mail_dir,
          from: config.notifications.email_from,
          onWrite: (path, m) => onMailWritten(path, m),
        }),
      (e, m) => onMailFailed(e, m),
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

  const logger = opts.logger ?? { level: config.log_level, redact: { paths: REDACT, censor: '[redacted]' } };
  const app = Fastify({
    logger,
    bodyLimit: config.body_limit_bytes,
    trustProxy: config.trust_proxy,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && REQUEST_ID.test(h) ? h : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Outside production the log line carries the message itself (its link), so a developer
  // needs nothing else; in production only where the file is.
  const onMailWritten = (path: string, m: Mail) =>
    app.log.info(
      { mail_file: path, to: m.to, subject: m.subject, ...(config.production ? {} : { text: m.text }) },
      'email written to the mail folder (no SMTP_URL configured)',
    );
  const onMailFailed = (err: unknown, m: Mail) =>
    app.log.error({ err, to: m.to, subject: m.subject }, 'account email could not be sent');

  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler((err, request, reply) => handleError(err, request, reply));
  const allowed = new AllowedMethods();
  app.addHook('onRoute', allowed.record);
  let web: WebApp | null = null;
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  app.setNotFoundHandler((request, reply) => {
    if (web?.fallback(request, reply)) return;
    const path = request.url.split('?')[0]!;
    const methods = allowed.at(path);
    if (methods.length > 0)
      return sendProblem(
        reply,
        problem('method_not_allowed', `${path} answers ${methods.join(', ')}, not ${request.method}`),
        { allow: methods.join(', ') },
      );
    return sendProblem(reply, problem('not_found', `there is no ${request.method} ${path}`));
  });

  // JSON only. An empty body is "no body" (bodyless POSTs with a JSON content type are common),
  // and text/plain is refused rather than parsed into a string no schema expects.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) return done(null, undefined);
    parseJson(request, body as string, done);
  });

  await app.register(fastifyCookie);
  app.decorateRequest('principal', null);
  app.decorateRequest('membership', null);

  const limits = config.rate_limit;
  app.addHook(
    'onRequest',
    authHook({
      deps,
      adminKey: config.admin_key,
      ipBuckets: limits.enabled ? new TokenBuckets(limits.per_ip_rps, limits.per_ip_burst) : null,
      keyBuckets: limits.enabled ? new TokenBuckets(limits.per_key_rps, limits.per_key_burst) : null,
    }),
  );
  // Bodyless mutations (cancel, release, logout…) validate against `{}` so a stray field is still refused.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && (request.method === 'POST' || request.method === 'PUT'))
      request.body = {};
  });
  // NUL and unpaired surrogates: stored by SQLite, a 500 from PostgreSQL; refused before either.
  app.addHook('preValidation', refuseUnstorableText);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.requestSeconds.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(fastifySwagger, openapiOptions(config.public_url));
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });

  const ctx: RouteContext = { deps, config, clock, metrics };
  metaRoutes(app, ctx);
  authRoutes(app, ctx);
  orgRoutes(app, ctx);
  subscriptionPreviewRoutes(app, ctx);
  creditRoutes(app, ctx);
  purchaseRoutes(app, ctx);
  receiptRoutes(app, ctx);
  teamRoutes(app, ctx);
  leavingRoutes(app, ctx);
  reportRoutes(app, ctx);
  insightRoutes(app, ctx);
  keyRoutes(app, ctx);
  adminRoutes(app, ctx);
  webhookEndpointRoutes(app, ctx);
  notificationRoutes(app, ctx);
  invitationRoutes(app, ctx);
  autoTopupRoutes(app, ctx);
  stripeWebhookRoutes(app, ctx);
  eventRoutes(app, ctx);
  if (opts.webApp !== false) web = await registerWebApp(app, opts.webApp?.dist);

  // Full passes run on the system clock only (under the manual clock, time moves when a
  // test says); deliveries leave on wall-clock time under either (schedulerTimers).
  const scheduler = new Scheduler(deps, {
    ...schedulerTimers({ manual: clock.manual, ...config }),
    onError: (err) => app.log.error({ err }, 'scheduled work failed'),
    onReport: (r) => {
      if (r.renewed + r.alerts + r.dispatched + r.deliveries + r.emails + r.auto_topups > 0)
        app.log.info(r, 'scheduled work');
    },
  });
  app.decorate('scheduler', scheduler);
  app.addHook('onClose', async () => {
    await scheduler.stop();
    mailer?.close();
    if (!mailer) deps.accountMail?.mailer.close();
  });

  // Generation: batches left unsettled by a stopped process are settled before serving;
  // on close, batches rendering here are cancelled and settled (done images charged).
  const generations = createGenerations({
    deps,
    settings: config.generation,
    dataDir: config.data_dir,
    log: app.log,
    ...(opts.imageBackend ? { chosen: opts.imageBackend } : {}),
    onEarlyRender: (outcome) => metrics.earlyRenders.inc({ outcome }),
  });
  app.addHook('onReady', async () => {
    await generations.startRecovery();
  });
  app.addHook('preClose', async () => {
    await generations.close();
  });
  generationRoutes(app, ctx, generations);

  return app;
}

export { HttpProblem };
