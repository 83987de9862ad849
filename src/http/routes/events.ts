/**
 * The org event stream: `GET /v1/orgs/{org}/events`, Server-Sent Events that say when the
 * org's credits changed, so a browser's top bar (or any client) updates without polling.
 * Each `balance` event carries the balance as `GET /v1/orgs/{org}/balance` answers it;
 * the first comes at once, the next after every committed change, from any instance on
 * PostgreSQL. Comment lines keep idle proxies from closing the stream.
 */
import { Type } from '@sinclair/typebox';
import type { BalanceView } from '../../app/balance.ts';
import { OrgEvents, TooManyStreams } from '../../app/org-events.ts';
import type { App, RouteContext } from '../context.ts';
import { isoOrNull } from '../present.ts';
import { HttpProblem } from '../problem.ts';
import { errorResponses, OrgParams } from '../schemas.ts';

/** How long a stream stays quiet before a comment line keeps proxies from closing it. */
export const KEEPALIVE_MS = 15_000;
/** What EventSource waits before reconnecting after a dropped stream. */
const RETRY_MS = 2_000;

export function eventRoutes(app: App, { deps }: RouteContext, events = new OrgEvents(deps)) {
  const ends = new Set<() => void>();
  // A stream never ends by itself: end them all, or closing the server waits for every tab.
  app.addHook('preClose', async () => {
    for (const end of [...ends]) end();
  });

  app.get(
    '/v1/orgs/:org/events',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags: ['orgs'],
        summary: 'Follow the org as Server-Sent Events: a `balance` event now and after every change',
        description: `Each \`balance\` event's data is the org's balance (as \`GET /v1/orgs/{org}/balance\`), sent on connecting and whenever a committed write changed the org's credits (usage, holds, purchases, renewals, adjustments), whichever server instance made it. Comment lines every ${KEEPALIVE_MS / 1000} s keep the connection open. At most ${events.limits.perOrg} streams per org per server instance: beyond that, 429 \`rate_limited\` with \`reason: too_many_streams\`.`,
        params: OrgParams,
        produces: ['text/event-stream'],
        response: {
          200: {
            description: 'an event stream',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const org = request.params.org;
      const raw = reply.raw;
      let started = false;
      let ended = false;
      const pending: BalanceView[] = [];
      const write = (b: BalanceView) => {
        const data = {
          org_id: org,
          ...b,
          period_start: isoOrNull(b.period_start),
          period_end: isoOrNull(b.period_end),
        };
        raw.write(`event: balance\ndata: ${JSON.stringify(data)}\n\n`);
      };
      let watch: { close(): void } | null = null;
      let keepalive: NodeJS.Timeout | null = null;
      const end = () => {
        if (ended) return;
        ended = true;
        if (keepalive) clearInterval(keepalive);
        watch?.close();
        ends.delete(end);
        if (started) raw.end();
      };
      try {
        // Refusals (unknown org, too many streams, database down) answer as problem+json.
        watch = await events.watch(
          org,
          (b) => (started ? write(b) : pending.push(b)),
          (err) => {
            request.log.error({ err }, 'org event stream failed');
            end();
          },
        );
      } catch (e) {
        if (e instanceof TooManyStreams)
          throw new HttpProblem(
            'rate_limited',
            e.message,
            { reason: 'too_many_streams', limit: e.limit, retry_after: 30 },
            { 'retry-after': '30' },
          );
        throw e;
      }
      if (ended) throw new Error('the org event stream failed before it started');
      reply.hijack();
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
        'x-request-id': request.id,
      });
      started = true;
      ends.add(end);
      raw.write(`retry: ${RETRY_MS}\n\n`);
      for (const b of pending.splice(0)) write(b);
      keepalive = setInterval(() => raw.write(': keep-alive\n\n'), KEEPALIVE_MS);
      raw.on('close', end);
      if (raw.destroyed) end();
    },
  );
}
