/**
 * What every route file is handed: the Fastify instance type and the app's services. Kept
 * apart from `server.ts` so routes depend on this and `server.ts` on the routes, never
 * both ways.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { Clock } from '../app/clock.ts';
import type { AppDeps } from '../app/deps.ts';
import type { Config } from '../config/config.ts';
import type { Metrics } from './metrics.ts';

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface RouteContext {
  deps: AppDeps;
  config: Config;
  clock: Clock;
  metrics: Metrics;
}
