/**
 * Outgoing webhook endpoints (Standard Webhooks): create one with the event types it
 * wants (its `whsec_…` signing secret is shown once), list and delete them, and read each
 * one's deliveries with their attempts and last answer.
 */
import { Type } from '@sinclair/typebox';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listDeliveries,
  listWebhookEndpoints,
} from '../../app/notifications.ts';
import { type WebhookEndpoint as Endpoint, type Job, PUBLIC_EVENT_TYPES } from '../../app/vocabulary.ts';
import type { App, RouteContext } from '../context.ts';
import { once } from '../idempotency.ts';
import { iso, isoOrNull, paginate } from '../present.ts';
import {
  errorResponses,
  Id,
  IdempotencyHeaders,
  ListQuery,
  Nullable,
  NullableTime,
  Obj,
  OrgParams,
  Page,
  Time,
} from '../schemas.ts';

const EventType = Type.Union(
  ['*', ...PUBLIC_EVENT_TYPES].map((t) => Type.Literal(t)),
  { description: `* (all) | ${PUBLIC_EVENT_TYPES.join(' | ')}` },
);

const EndpointFields = {
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  status: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]),
  disabled_reason: Nullable(Type.String()),
  created_at: Time,
};
export const WebhookEndpoint = Obj(EndpointFields);
const CreatedEndpoint = Obj({
  ...EndpointFields,
  secret: Type.Optional(
    Type.String({
      description: 'whsec_…: verifies webhook-signature; shown once (a replay of the request omits it)',
    }),
  ),
});

export const Delivery = Obj({
  id: Type.String({ description: 'the webhook-id header: the same on every retry' }),
  event_id: Nullable(Type.String()),
  event_type: Nullable(Type.String()),
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('succeeded'),
    Type.Literal('failed'),
    Type.Literal('cancelled'),
  ]),
  attempts: Type.Integer(),
  last_status: Nullable(Type.Integer({ description: 'HTTP status of the last attempt (null: no answer)' })),
  last_error: Nullable(Type.String()),
  next_attempt_at: NullableTime,
  created_at: Time,
  finished_at: NullableTime,
  payload: Type.Record(Type.String(), Type.Unknown()),
});

const presentEndpoint = (e: Endpoint) => ({
  id: e.id,
  url: e.url,
  events: e.events,
  description: e.description,
  status: e.disabled_at === null ? ('enabled' as const) : ('disabled' as const),
  disabled_reason: e.disabled_reason,
  created_at: iso(e.created_at),
});

const presentDelivery = (j: Job) => ({
  id: j.id,
  event_id: j.event_id,
  event_type: j.event_type,
  status: j.status as 'pending' | 'succeeded' | 'failed' | 'cancelled',
  attempts: j.attempts,
  last_status: j.last_status,
  last_error: j.last_error,
  next_attempt_at: isoOrNull(j.next_attempt_at),
  created_at: iso(j.created_at),
  finished_at: isoOrNull(j.finished_at),
  payload: j.payload,
});

export function webhookEndpointRoutes(app: App, { deps }: RouteContext) {
  const tags = ['webhooks'];

  app.post(
    '/v1/orgs/:org/webhook_endpoints',
    {
      config: { access: { kind: 'org', scope: 'admin', refusedWhenClosed: true } },
      schema: {
        tags,
        summary: 'Subscribe a URL to events; returns the signing secret once',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({
          url: Type.String({
            minLength: 8,
            maxLength: 2000,
            description: 'http(s); in production not a private address',
          }),
          events: Type.Array(EventType, { minItems: 1, maxItems: 32, uniqueItems: true }),
          description: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: { 201: CreatedEndpoint, ...errorResponses },
      },
    },
    async (request, reply) => {
      const org = request.params.org;
      return once(deps, request, reply, `org:${org}:webhook_endpoints`, async () => {
        const e = await createWebhookEndpoint(deps, org, request.body);
        const shown = presentEndpoint(e);
        return { status: 201, body: { ...shown, secret: e.secret }, stored: shown };
      });
    },
  );

  app.get(
    '/v1/orgs/:org/webhook_endpoints',
    {
      config: { access: { kind: 'org', scope: 'admin' } },
      schema: {
        tags,
        summary: 'Webhook endpoints, newest first (secrets are never shown again)',
        params: OrgParams,
        querystring: Obj(ListQuery),
        response: { 200: Page(WebhookEndpoint), ...errorResponses },
      },
    },
    async (request) => {
      const endpoints = (await listWebhookEndpoints(deps, request.params.org)).reverse();
      const page = paginate(endpoints, request.query.limit ?? 20, request.query.starting_after, {
        item: 'a webhook endpoint of this org',
      });
      return { ...page, data: page.data.map(presentEndpoint) };
    },
  );

  app.delete(
    '/v1/orgs/:org/webhook_endpoints/:id',
    {
      config: { access: { kind: 'org', scope: 'admin' } },
      schema: {
        tags,
        summary: 'Delete an endpoint; its pending deliveries are cancelled',
        params: Obj({ org: Id('org id'), id: Id('endpoint id') }),
        response: { 200: Obj({ id: Type.String(), deleted: Type.Literal(true) }), ...errorResponses },
      },
    },
    async (request) => {
      const e = await deleteWebhookEndpoint(deps, request.params.org, request.params.id);
      return { id: e.id, deleted: true as const };
    },
  );

  app.get(
    '/v1/orgs/:org/webhook_endpoints/:id/deliveries',
    {
      config: { access: { kind: 'org', scope: 'admin' } },
      schema: {
        tags,
        summary: 'Deliveries to an endpoint, newest first, with attempts and the last answer',
        params: Obj({ org: Id('org id'), id: Id('endpoint id') }),
        querystring: Obj(ListQuery),
        response: { 200: Page(Delivery), ...errorResponses },
      },
    },
    async (request) => {
      const page = await listDeliveries(
        deps,
        request.params.org,
        request.params.id,
        request.query.limit ?? 20,
        request.query.starting_after,
      );
      return { ...page, data: page.data.map(presentDelivery) };
    },
  );
}
