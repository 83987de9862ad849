/** Health, readiness, metrics, the OpenAPI document, the catalog, and what each error code means. */
import { Type } from '@sinclair/typebox';
import { databaseAnswers } from '../../app/reads.ts';
import { pricePerCredit } from '../../core/index.ts';
import type { App, RouteContext } from '../context.ts';
import { PROBLEMS, type ProblemCode, problem, sendProblem } from '../problem.ts';
import { errorResponses, Money, Nullable, Obj, PricePerCredit } from '../schemas.ts';

export const Catalog = Obj({
  currency: Type.String(),
  tiers: Type.Array(
    Obj({
      id: Type.String(),
      name: Type.String(),
      allocation: Type.Integer(),
      recurring: Type.Boolean(),
      rollover_cap: Type.Integer(),
      team: Type.Boolean(),
      price: Nullable(
        Obj({ amount: Type.Integer(), currency: Type.String(), example: Type.Optional(Type.Boolean()) }),
      ),
      custom: Type.Optional(Type.Boolean()),
      price_per_credit: Nullable(PricePerCredit),
    }),
  ),
  packs: Type.Array(
    Obj({ id: Type.String(), credits: Type.Integer(), price: Money, price_per_credit: PricePerCredit }),
  ),
  tools: Type.Array(
    Obj({
      id: Type.String(),
      name: Type.Optional(Type.String()),
      operations: Type.Array(
        Obj({
          id: Type.String(),
          name: Type.Optional(Type.String()),
          params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
          credits: Type.Integer(),
        }),
      ),
    }),
  ),
});

export function metaRoutes(app: App, { deps, metrics }: RouteContext) {
  const ops = { tags: ['operations'] };
  // Every route can answer 429 (rate limits are per IP, before the route) and 5xx.
  const status = (s: string) => ({ 200: Obj({ status: Type.Literal(s) }), ...errorResponses });
  app.get(
    '/livez',
    { schema: { ...ops, summary: 'The process is up', response: status('ok') } },
    async () => ({
      status: 'ok' as const,
    }),
  );
  app.get(
    '/healthz',
    { schema: { ...ops, summary: 'The server is healthy', response: status('ok') } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    { schema: { ...ops, summary: 'The database is reachable and current', response: status('ready') } },
    async (request, reply) => {
      try {
        await databaseAnswers(deps);
        return { status: 'ready' as const };
      } catch (err) {
        request.log.warn({ err }, 'not ready');
        return sendProblem(reply, problem('not_ready', 'the database is not reachable'));
      }
    },
  );
  const text = { 200: { content: { 'text/plain': { schema: Type.String() } } }, ...errorResponses };
  app.get(
    '/metrics',
    { schema: { ...ops, summary: 'Prometheus metrics', response: text } },
    async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get(
    '/problems/:code',
    { schema: { hide: true, params: Obj({ code: Type.String({ maxLength: 64 }) }) } },
    async (request, reply) => {
      const code = request.params.code as ProblemCode;
      if (!Object.hasOwn(PROBLEMS, code))
        return sendProblem(reply, problem('not_found', `no error code ${code}`));
      const [status, title] = PROBLEMS[code];
      return { code, status, title };
    },
  );

  app.get(
    '/v1/catalog',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Tiers, credit packs and tool prices',
        security: [],
        response: { 200: Catalog, ...errorResponses },
      },
    },
    async () => {
      const c = deps.catalog;
      return {
        currency: c.currency,
        tiers: c.tiers.map((t) => ({
          ...t,
          price_per_credit: t.price && t.allocation > 0 ? pricePerCredit(t.price, t.allocation) : null,
        })),
        packs: c.packs.map((p) => ({ ...p, price_per_credit: pricePerCredit(p.price, p.credits) })),
        tools: c.tools,
      };
    },
  );
}
