/**
 * The HTTP server: Fastify with TypeBox schemas that validate every request and generate
 * /openapi.json (browsable at /docs). It is handed the app's services, already built (the
 * wiring is `../main.ts`), and adds the edge: parsing, auth, request ids, metrics, routes,
 * the web app. Nothing here decides a credit rule or opens a store, a mailer or a provider.
 */
import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyServerOptions, type RouteOptions } from 'fastify';
import type { AppDeps } from '../app/deps.ts';
import type { GenerationService } from '../app/generations.ts';
import type { Scheduler } from '../app/scheduler.ts';
import type { Config } from '../config/config.ts';
import { AllowedMethods } from './allowed-methods.ts';
import { authHook } from './auth.ts';
import type { App, RouteContext } from './context.ts';
import type { Metrics } from './metrics.ts';
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
import { unstorableTextProblem } from './text-hygiene.ts';
import { validatorCompiler } from './validation.ts';
import { registerWebApp, type WebApp } from './web-app.ts';

export type { App, RouteContext } from './context.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Renewals, alerts, webhooks, emails and auto top-ups on timers; `amisi serve` starts it. */
    scheduler: Scheduler;
  }
}

/** The app as the edge sees it: built by `../main.ts`, used by routes and hooks here. */
export interface AppServices {
  deps: AppDeps;
  metrics: Metrics;
  scheduler: Scheduler;
  generations: GenerationService;
  /** Before the first request: batches a stopped process left unsettled are settled. */
  ready(): Promise<void>;
  /** Closing starts: batches rendering here are cancelled and settled. */
  draining(): Promise<void>;
  /** Closed: timers stopped, mailers closed. */
  close(): Promise<void>;
}

export interface ServerOptions {
  config: Config;
  /**
   * Builds the services once the server's logger exists (scheduler, generation and mail
   * report through it), before any route is added.
   */
  services: (log: FastifyBaseLogger) => AppServices;
  /** Pino options, or false for no logs (tests). Defaults to JSON logs at the config's level. */
  logger?: FastifyServerOptions['logger'];
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

export async function createHttpServer(opts: ServerOptions): Promise<App> {
  const { config } = opts;
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

  const services = opts.services(app.log);
  const { deps, metrics, scheduler, generations } = services;
  const clock = deps.clock;

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
  // The hooks below run on every request and never wait, so they take Fastify's callback
  // form: an async hook costs a promise and a turn of the microtask queue per request.
  app.addHook('preValidation', (request, _reply, done) => {
    // Bodyless mutations (cancel, release, logout…) validate against `{}` so a stray field is still refused.
    if (request.body === undefined && (request.method === 'POST' || request.method === 'PUT'))
      request.body = {};
    // NUL and unpaired surrogates: stored by SQLite, a 500 from PostgreSQL; refused before either.
    const unstorable = unstorableTextProblem(request);
    if (unstorable) return done(unstorable);
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.requestSeconds.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
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

  app.decorate('scheduler', scheduler);
  app.addHook('onReady', services.ready);
  app.addHook('preClose', services.draining);
  app.addHook('onClose', services.close);
  generationRoutes(app, ctx, generations);

  return app;
}

export { HttpProblem };
