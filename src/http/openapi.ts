/**
 * How /openapi.json is made from the routes' own schemas, in a shape code generators make
 * good clients from: every operation has the `operationId` and success description of
 * operations.ts, and the shared schemas of schemas.ts are named components referenced by
 * `$ref` instead of repeated inline. Only the document changes: the routes validate and
 * serialize with the schemas exactly as written.
 */
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { TSchema } from '@sinclair/typebox';
import { OPERATIONS } from './operations.ts';
import { Me, User } from './routes/auth.ts';
import { Alerts, AutoTopup } from './routes/auto-topup.ts';
import { Batch, Image } from './routes/generations.ts';
import { Invitation } from './routes/invitations.ts';
import { Catalog } from './routes/meta.ts';
import { Notification } from './routes/notifications.ts';
import { Balance } from './routes/orgs.ts';
import { PlanPreview } from './routes/subscription-preview.ts';
import { Delivery, WebhookEndpoint } from './routes/webhook-endpoints.ts';
import {
  ApiKey,
  Budget,
  BySource,
  Grant,
  Hold,
  Member,
  Metadata,
  Money,
  Org,
  PricePerCredit,
  Problem,
  Project,
  Purchase,
  Role,
  ScopeName,
  Subscription,
  TierId,
  Transaction,
  TxnType,
  Usage,
} from './schemas.ts';

/**
 * The schemas named under components.schemas. A schema in the document that is exactly one
 * of these (same keywords, same values) becomes a `$ref` to it; one that differs in any way
 * (a route's own variant) stays inline. Names are public: generated clients use them.
 */
export const NAMED_SCHEMAS: Record<string, TSchema> = {
  Problem,
  Money,
  PricePerCredit,
  Metadata,
  TierId,
  Role,
  Scope: ScopeName,
  TxnType,
  BySource,
  Catalog,
  User,
  Me,
  Org,
  Balance,
  Subscription,
  PlanPreview,
  Usage,
  Transaction,
  Hold,
  Grant,
  Purchase,
  AutoTopup,
  Member,
  Invitation,
  Project,
  Budget,
  ApiKey,
  Alerts,
  Notification,
  WebhookEndpoint,
  WebhookDelivery: Delivery,
  GenerationImage: Image,
  GenerationBatch: Batch,
};

export function openapiOptions(publicUrl: string): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Amisi Credits API',
        version: '1.0.0',
        description:
          'An exact, durable credit ledger for AI-generation products. Errors are RFC 9457 problem+json with a stable `code`; mutations accept `Idempotency-Key`; lists page with `limit` and `starting_after`.',
      },
      servers: [{ url: publicUrl.replace(/\/+$/, ''), description: 'this server (AMISI_PUBLIC_URL)' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'an org API key, or the operator key' },
          session: { type: 'apiKey', in: 'cookie', name: 'amisi_session' },
        },
        // Plain JSON copies: @fastify/swagger converts them as it converts the routes' schemas.
        schemas: JSON.parse(JSON.stringify(NAMED_SCHEMAS)),
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: ({ schema, url, route }) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const op = OPERATIONS[`${methods[0]} ${url}`];
      if (!schema || !op) return { schema, url };
      return {
        schema: { ...schema, operationId: op.id, response: describe(schema.response, op.answer) },
        url,
      };
    },
    transformObject: (documentObject) => {
      const document =
        'openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject;
      return nameSharedSchemas(document as Record<string, unknown>);
    },
  };
}

/** Gives each success response that does not describe itself the operation's `answer`. */
function describe(response: unknown, answer: string | Record<number, string>): unknown {
  if (!response || typeof response !== 'object') return response;
  const out: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(response as Record<string, Record<string, unknown>>)) {
    const text = typeof answer === 'string' ? answer : answer[Number(status)];
    const success = /^[23]/.test(status);
    out[status] = success && text && !r.description ? { ...r, 'x-response-description': text } : r;
  }
  return out;
}

/** Keys sorted at every depth, so two equal schemas serialize alike whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

function nameSharedSchemas(document: Record<string, unknown>): Record<string, unknown> {
  const components = (document.components ?? {}) as Record<string, unknown>;
  const schemas = { ...(components.schemas as Record<string, unknown>) };
  // As @fastify/swagger converted them (const to enum, patternProperties…), like the routes' copies.
  const named = Object.keys(NAMED_SCHEMAS).map((name) => [name, schemas[name]] as const);
  const byShape = new Map<string, string>();
  for (const [name, schema] of named) byShape.set(canonical(schema), name);
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const replace = (node: unknown, self?: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => replace(n));
    if (!node || typeof node !== 'object') return node;
    const name = byShape.get(canonical(node));
    if (name && name !== self) return ref(name);
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, replace(v)]));
  };
  for (const [name, schema] of named) schemas[name] = replace(schema, name);
  return {
    ...document,
    paths: replace(document.paths),
    components: { ...components, schemas },
  };
}
