/**
 * Generation over HTTP: start a batch (one hold for all of it), follow it by polling or by
 * Server-Sent Events, fetch the delivered images, finalize a draft at a higher
 * resolution, and see which backend renders (`GET /v1/tools`). The rules live in
 * ../../app/generations.ts; this file validates, maps refusals and presents.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import {
  type BatchRecord,
  GenerationBusy,
  type GenerationEvent,
  type GenerationService,
  type ImageRecord,
  MAX_BATCH_SIZE,
  MAX_PROMPT_CHARS,
  MAX_SEED,
  type Slot,
} from '../../app/generations.ts';
import type { App, RouteContext } from '../context.ts';
import { once } from '../idempotency.ts';
import { iso, isoOrNull } from '../present.ts';
import { HttpProblem } from '../problem.ts';
import {
  errorResponses,
  Id,
  IdempotencyHeaders,
  Nullable,
  NullableTime,
  Obj,
  OperationId,
  OrgParams,
  Time,
} from '../schemas.ts';
import { spendingMember } from '../spending-member.ts';

const Format = Type.Union([Type.Literal('png'), Type.Literal('webp')], {
  description: 'png (default) or webp',
});
const Scope = {
  member_id: Type.Optional(
    Id(
      'member whose budget the batch counts against; a signed-in person may only name themselves (the default)',
    ),
  ),
  project_id: Type.Optional(Id('project whose budget the batch counts against')),
};

const Failure = Obj({ code: Type.String(), message: Type.String(), retryable: Type.Boolean() });

export const Image = Obj({
  id: Type.String(),
  index: Type.Integer(),
  prompt: Type.String(),
  operation: Type.String(),
  seed: Type.Integer(),
  status: Type.Union(
    [Type.Literal('pending'), Type.Literal('rendered'), Type.Literal('succeeded'), Type.Literal('failed')],
    {
      description:
        'rendered: stored, its credits held; succeeded: delivered and charged; failed: never charged',
    },
  ),
  credits: Type.Integer({
    description: 'credits charged (succeeded) or held (pending, rendered) for it; 0 when failed',
  }),
  url: Nullable(Type.String({ description: 'where the image is served, once delivered' })),
  width: Type.Integer(),
  height: Type.Integer(),
  bytes: Nullable(Type.Integer()),
  error: Nullable(Failure),
});

export const Batch = Obj({
  id: Type.String(),
  status: Type.Union([
    Type.Literal('running'),
    Type.Literal('succeeded'),
    Type.Literal('partially_succeeded'),
    Type.Literal('failed'),
  ]),
  tool: Type.String(),
  operation: Type.String(),
  width: Type.Integer(),
  height: Type.Integer(),
  format: Format,
  credits_per_image: Type.Integer(),
  credits: Obj({
    held: Type.Integer({ description: 'reserved by the batch’s open hold' }),
    charged: Type.Integer(),
    released: Type.Integer({ description: 'returned: the price of the images not delivered' }),
  }),
  hold_id: Nullable(Type.String()),
  hold_expires_at: NullableTime,
  transaction_id: Nullable(Type.String({ description: 'the usage transaction of the charge' })),
  summary: Nullable(
    Type.String({ description: 'e.g. "3 of 4 images delivered, 3 credits charged, 1 credit released"' }),
  ),
  error: Nullable(Obj({ code: Type.String(), message: Type.String() })),
  finalize_of: Nullable(Obj({ batch_id: Type.String(), image_id: Type.String() })),
  member_id: Nullable(Type.String()),
  project_id: Nullable(Type.String()),
  backend: Obj({
    id: Type.String(),
    name: Type.String(),
    kind: Type.Union([Type.Literal('preview'), Type.Literal('ai')]),
  }),
  events_url: Type.String(),
  created_at: Time,
  completed_at: NullableTime,
  images: Type.Array(Image),
});

const BatchParams = Obj({ org: Id('org id'), id: Id('generation batch id') });
const ImageParams = Obj({ org: Id('org id'), id: Id('generation batch id'), image: Id('image id') });

const Tools = Obj({
  backend: Obj({
    id: Type.String(),
    name: Type.String(),
    kind: Type.Union([Type.Literal('preview'), Type.Literal('ai')]),
    notice: Type.String({ description: 'shown next to the images: what made them' }),
  }),
  tools: Type.Array(
    Obj({
      id: Type.String(),
      name: Type.String(),
      operations: Type.Array(
        Obj({
          id: Type.String(),
          name: Type.String(),
          params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
          credits: Type.Integer(),
        }),
      ),
    }),
  ),
  limits: Obj({
    max_prompt_chars: Type.Integer(),
    max_batch_size: Type.Integer(),
    max_seed: Type.Integer(),
    batches_per_org: Type.Integer(),
    formats: Type.Array(Type.String()),
  }),
});

const batchUrl = (r: BatchRecord) => `/v1/orgs/${r.org_id}/generations/${r.id}`;

function imageCredits(r: BatchRecord, im: ImageRecord): number {
  if (im.status === 'failed') return 0;
  return r.credits_per_image;
}

export function presentImage(r: BatchRecord, im: ImageRecord) {
  return {
    id: im.id,
    index: im.index,
    prompt: im.prompt,
    operation: r.operation,
    seed: im.seed,
    status: im.status,
    credits: imageCredits(r, im),
    url: im.status === 'succeeded' ? `${batchUrl(r)}/images/${im.id}` : null,
    width: r.width,
    height: r.height,
    bytes: im.bytes,
    error: im.error,
  };
}

export function presentBatch(r: BatchRecord) {
  const held = r.settlement === null && r.hold.id !== null ? r.images.length * r.credits_per_image : 0;
  return {
    id: r.id,
    status: r.status,
    tool: r.tool,
    operation: r.operation,
    width: r.width,
    height: r.height,
    format: r.format,
    credits_per_image: r.credits_per_image,
    credits: { held, charged: r.settlement?.charged ?? 0, released: r.settlement?.released ?? 0 },
    hold_id: r.hold.id,
    hold_expires_at: isoOrNull(r.hold.expires_at),
    transaction_id: r.settlement?.transaction_id ?? null,
    summary: r.settlement?.summary ?? null,
    error: r.error,
    finalize_of: r.finalize_of,
    member_id: r.member_id,
    project_id: r.project_id,
    backend: r.backend,
    events_url: `${batchUrl(r)}/events`,
    created_at: iso(r.created_at),
    completed_at: isoOrNull(r.completed_at),
    images: r.images.map((im) => presentImage(r, im)),
  };
}

/** How long an SSE stream stays quiet before a comment line keeps proxies from closing it. */
const SSE_KEEPALIVE_MS = 15_000;

export function generationRoutes(app: App, { deps }: RouteContext, service: GenerationService) {
  const tags = ['generations'];

  const take = (org: string): Slot => {
    try {
      return service.reserve(org);
    } catch (e) {
      if (e instanceof GenerationBusy)
        throw new HttpProblem(
          'rate_limited',
          e.message,
          {
            reason: e.scope === 'org' ? 'too_many_generations' : 'server_busy',
            ...(e.scope === 'org' ? { limit: e.limit } : {}),
            retry_after: 5,
          },
          { 'retry-after': '5' },
        );
      throw e;
    }
  };

  /**
   * Starts a batch under an Idempotency-Key: takes a concurrency slot first (a 429 is never
   * stored as the key's answer), answers 202 with the batch, and frees the slot when the
   * request was a replay and started nothing.
   */
  const startBatch = async (
    request: FastifyRequest,
    reply: Parameters<typeof once>[2],
    org: string,
    start: (slot: Slot) => Promise<BatchRecord>,
  ) => {
    const slot = take(org);
    let used = false;
    try {
      return await once(deps, request, reply, `org:${org}:generations`, async () => {
        used = true;
        const r = await start(slot);
        reply.header('location', batchUrl(r));
        return { status: 202, body: presentBatch(r) };
      });
    } finally {
      if (!used) slot.release();
    }
  };

  app.get(
    '/v1/tools',
    {
      schema: {
        tags,
        summary: 'The tools, their prices and the image backend that renders them',
        security: [],
        response: { 200: Tools, ...errorResponses },
      },
    },
    async () => {
      const d = service.describe();
      return {
        backend: { id: d.id, name: d.name, kind: d.kind, notice: d.notice },
        tools: service.registry.tools.map((t) => ({
          id: t.id,
          name: t.name,
          operations: t.operations.map((o) => ({
            id: o.id,
            name: o.name,
            params: o.params,
            credits: o.credits,
          })),
        })),
        limits: {
          max_prompt_chars: MAX_PROMPT_CHARS,
          max_batch_size: MAX_BATCH_SIZE,
          max_seed: MAX_SEED,
          batches_per_org: service.batchesPerOrg,
          formats: ['png', 'webp'],
        },
      };
    },
  );

  app.post(
    '/v1/orgs/:org/generations',
    {
      config: { access: { kind: 'org', scope: 'usage' } },
      schema: {
        tags,
        summary: 'Generate images: one hold for the whole batch, then only delivered images are charged',
        description:
          'Answers 202 once the batch’s credits are held; follow it at `events_url` (Server-Sent Events) or by polling. Refused up front with 402 `insufficient_credits` or `budget_exceeded`, and with 429 `rate_limited` while the org already has its limit of batches rendering.',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({
          prompts: Type.Array(Type.String({ minLength: 1, maxLength: MAX_PROMPT_CHARS }), {
            minItems: 1,
            maxItems: MAX_BATCH_SIZE,
          }),
          operation: OperationId,
          seed: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: MAX_SEED,
              description: 'image i renders with seed + i; random when absent',
            }),
          ),
          format: Type.Optional(Format),
          ...Scope,
        }),
        response: { 202: Batch, ...errorResponses },
      },
    },
    async (request, reply) => {
      const org = request.params.org;
      const b = request.body;
      return startBatch(request, reply, org, (slot) =>
        service.create(
          org,
          {
            prompts: b.prompts,
            operation: b.operation,
            seed: b.seed,
            format: b.format,
            member_id: spendingMember(request, b.member_id),
            project_id: b.project_id,
          },
          slot,
        ),
      );
    },
  );

  app.get(
    '/v1/orgs/:org/generations/:id',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'A generation batch: its images, what was charged and what was released',
        params: BatchParams,
        response: { 200: Batch, ...errorResponses },
      },
    },
    async (request) => presentBatch(await service.get(request.params.org, request.params.id)),
  );

  app.get(
    '/v1/orgs/:org/generations/:id/events',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'Follow a batch as Server-Sent Events: `progress` per image, then `done` with the batch',
        description:
          'Each `progress` event carries `{done, total, image}`; the final `done` event carries the settled batch and the stream ends. Connecting late replays the progress so far.',
        params: BatchParams,
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
      const { org, id } = request.params;
      await service.get(org, id); // 404 as problem+json before the stream starts
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
        'x-request-id': request.id,
      });
      raw.write('retry: 2000\n\n');
      let ended = false;
      let stop = () => {};
      const keepalive = setInterval(() => raw.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(keepalive);
        stop();
        raw.end();
      };
      raw.on('close', end);
      const send = (e: GenerationEvent) => {
        if (ended) return;
        if (e.type === 'progress') {
          raw.write(
            `event: progress\nid: ${e.done}\ndata: ${JSON.stringify({
              batch_id: e.batch.id,
              done: e.done,
              total: e.total,
              image: presentImage(e.batch, e.image),
            })}\n\n`,
          );
        } else {
          raw.write(`event: done\ndata: ${JSON.stringify(presentBatch(e.batch))}\n\n`);
          end();
        }
      };
      try {
        stop = await service.watch(org, id, send);
        if (ended) stop();
      } catch (err) {
        request.log.error({ err }, 'generation event stream failed');
        end();
      }
    },
  );

  app.get(
    '/v1/orgs/:org/generations/:id/images/:image',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'A delivered image, at exactly its operation’s size (404 until it is delivered)',
        params: ImageParams,
        produces: ['image/png', 'image/webp'],
        response: {
          200: {
            description: 'the image',
            content: {
              'image/png': { schema: Type.String({ format: 'binary' }) },
              'image/webp': { schema: Type.String({ format: 'binary' }) },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { org, id, image } = request.params;
      const found = await service.image(org, id, image);
      if (!found)
        throw new HttpProblem('not_found', `image ${image} of generation ${id} not found or not delivered`);
      const ext = found.mime === 'image/png' ? 'png' : 'webp';
      return reply
        .type(found.mime)
        .header('cache-control', 'private, max-age=86400, immutable')
        .header('content-disposition', `inline; filename="${image}.${ext}"`)
        .send(found.bytes as unknown as string); // bytes go out as they are: the schema only documents them
    },
  );

  app.post(
    '/v1/orgs/:org/generations/:id/images/:image/finalize',
    {
      config: { access: { kind: 'org', scope: 'usage' } },
      schema: {
        tags,
        summary:
          'Re-render a delivered draft (same prompt and seed) at a higher resolution, at that resolution’s price',
        description:
          'A new batch of one image, held and charged like any other. A resolution that is not higher than the draft’s is refused with 400.',
        params: ImageParams,
        headers: IdempotencyHeaders,
        body: Obj({ operation: OperationId, format: Type.Optional(Format), ...Scope }),
        response: { 202: Batch, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { org, id, image } = request.params;
      const b = request.body;
      return startBatch(request, reply, org, (slot) =>
        service.finalize(
          org,
          id,
          image,
          {
            operation: b.operation,
            format: b.format,
            member_id: spendingMember(request, b.member_id),
            project_id: b.project_id,
          },
          slot,
        ),
      );
    },
  );
}
