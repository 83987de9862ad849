/**
 * The web app (`web/`, built by Vite into `dist/web`) served by the same process as the API.
 *
 * Built assets under `/assets/` carry a content hash in their names, so they are cached for
 * a year; `index.html` is never cached, so a new build is picked up on the next load. Any
 * GET that is not an API path and asks for HTML answers `index.html`: the app's own router
 * then shows the page (or its own "not found"). API paths keep their problem+json 404.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './context.ts';
import { problem, sendProblem } from './problem.ts';

/** Where `npm run build:web` writes the app (see vite.config.ts). */
export const WEB_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/web');

/** Paths that belong to the API or to operations; never answered with the app's HTML. */
const API_PREFIXES = [
  '/v1/',
  '/docs',
  '/openapi.json',
  '/healthz',
  '/livez',
  '/readyz',
  '/metrics',
  '/problems/',
];

/**
 * The app's scripts and styles come from this origin only; images may be data: or blob:
 * (generated previews); connections only to this origin (the API and its event streams).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

export interface WebApp {
  /** True when a build was found and is served. */
  built: boolean;
  /** Answers a GET that no route matched with the app's HTML, or returns false. */
  fallback(request: FastifyRequest, reply: FastifyReply): boolean;
}

export function isApiPath(path: string): boolean {
  return path === '/v1' || API_PREFIXES.some((p) => path.startsWith(p));
}

export async function registerWebApp(app: App, dist: string = WEB_DIST): Promise<WebApp> {
  const indexFile = join(dist, 'index.html');
  if (!existsSync(indexFile)) {
    app.log.warn({ dist }, 'the web app is not built: run `npm run build:web` (npm ci does it)');
    return {
      built: false,
      fallback(request, reply) {
        if (request.method !== 'GET' || isApiPath(request.url.split('?')[0]!)) return false;
        reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send('The Amisi web app is not built. Run `npm run build:web` (npm ci runs it), then reload.\n');
        return true;
      },
    };
  }
  // Read once: the HTML is tiny and a new build comes with a restart.
  const indexHtml = readFileSync(indexFile, 'utf8');
  // Only the hashed build output is served as files: one stable route, whatever the build.
  await app.register(fastifyStatic, {
    root: join(dist, 'assets'),
    prefix: '/assets/',
    index: false,
    setHeaders(res) {
      res.setHeader('cache-control', 'public, max-age=31536000, immutable');
    },
  });
  const sendIndex = (reply: FastifyReply) =>
    reply
      .code(200)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('referrer-policy', 'same-origin')
      .send(indexHtml);
  app.get('/', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply));
  return {
    built: true,
    fallback(request, reply) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return false;
      const path = request.url.split('?')[0]!;
      if (isApiPath(path)) return false;
      // A missing asset is a real 404, not the app: a stale page must not parse HTML as script.
      if (path.startsWith('/assets/')) {
        sendProblem(reply, problem('not_found', `this build of the web app has no ${path}`));
        return true;
      }
      sendIndex(reply);
      return true;
    },
  };
}
