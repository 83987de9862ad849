/**
 * Spending credits: quotes, direct charges (usage), holds with capture and release, and
 * what the org can read back: the transaction log (JSON and CSV), grants and adjustments.
 */
import { Type } from '@sinclair/typebox';
import { listHistory, loadOrg, runCommand } from '../../app/ledger.ts';
import { checkOperation, quote } from '../../app/quotes.ts';
import { transactionPages, transactionsOf } from '../../app/reads.ts';
import type { TransactionFilter } from '../../app/vocabulary.ts';
import {
  type Hold as CoreHold,
  type Transaction as CoreTransaction,
  type TxnType as CoreTxnType,
  type Usage as CoreUsage,
  invalid,
  MAX_HOLD_TTL_SECONDS,
  MAX_QUANTITY,
} from '../../core/index.ts';
import type { App, RouteContext } from '../context.ts';
import { idempotencyKeyOf } from '../idempotency.ts';
import { presentGrant, presentHold, presentTxn } from '../present.ts';
import {
  Credits,
  errorResponses,
  Grant,
  Hold,
  Id,
  IdempotencyHeaders,
  ListQuery,
  Metadata,
  Obj,
  OperationId,
  OrgParams,
  Page,
  Quantity,
  ToolId,
  Transaction,
  TxnType,
} from '../schemas.ts';
import { spendingMember } from '../spending-member.ts';
import { toCsv } from './csv.ts';

const Item = Obj({ tool: ToolId, operation: OperationId, quantity: Type.Optional(Quantity) });
const Scope = {
  member_id: Type.Optional(
    Id('member whose budget it counts against; a signed-in person may only name themselves (the default)'),
  ),
  project_id: Type.Optional(Id()),
};
const TxnFilters = {
  type: Type.Optional(TxnType),
  member_id: Type.Optional(Id()),
  project_id: Type.Optional(Id()),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'RFC 3339; inclusive' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'RFC 3339; exclusive' })),
};

/** The CSV export pages through the log; this bounds one download. */
const CSV_MAX_ROWS = 100_000;

export function parseTime(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    throw invalid(`query.${field} must be an RFC 3339 time`, { field: `query.${field}` });
  return ms;
}

export function creditRoutes(app: App, { deps }: RouteContext) {
  const tags = ['credits'];
  const replayed = (r: { replayed: boolean }, reply: { header: (k: string, v: string) => unknown }) => {
    if (r.replayed) reply.header('idempotent-replayed', 'true');
  };

  app.post(
    '/v1/orgs/:org/quotes',
    {
      config: { access: { kind: 'org', scope: 'usage' } },
      schema: {
        tags,
        summary: 'Price some work and check it would go through now (reserves nothing)',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({ items: Type.Array(Item, { minItems: 1, maxItems: 100 }), ...Scope }),
        response: {
          200: Obj({
            total: Type.Integer(),
            items: Type.Array(
              Obj({
                tool: Type.String(),
                operation: Type.String(),
                quantity: Type.Integer(),
                credits: Type.Integer(),
              }),
            ),
            available: Type.Integer(),
            affordable: Type.Boolean(),
            budget_ok: Type.Boolean(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) =>
      quote(deps, request.params.org, {
        ...request.body,
        member_id: spendingMember(request, request.body.member_id),
      }),
  );

  app.post(
    '/v1/orgs/:org/usage',
    {
      config: { access: { kind: 'org', scope: 'usage' } },
      schema: {
        tags,
        summary: 'Charge for work at its catalog price (hold and capture in one step)',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({
          tool: ToolId,
          operation: OperationId,
          quantity: Type.Optional(Quantity),
          ...Scope,
          job_id: Type.Optional(Id('your id for the work, kept with the charge')),
          metadata: Type.Optional(Metadata),
        }),
        response: { 201: Transaction, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      checkOperation(deps.catalog, b.tool, b.operation, 'body.');
      const usage: CoreUsage = {
        tool: b.tool,
        operation: b.operation,
        quantity: b.quantity ?? 1,
        member_id: spendingMember(request, b.member_id) ?? null,
        project_id: b.project_id ?? null,
      };
      if (b.job_id !== undefined) usage.job_id = b.job_id;
      if (b.metadata !== undefined) usage.metadata = b.metadata;
      const r = await runCommand<CoreTransaction>(
        deps,
        request.params.org,
        { type: 'consume', usage },
        idempotencyKeyOf(request),
      );
      replayed(r, reply);
      return reply.code(201).send(presentTxn(r.value));
    },
  );

  app.post(
    '/v1/orgs/:org/holds',
    {
      config: { access: { kind: 'org', scope: 'usage' } },
      schema: {
        tags,
        summary: 'Reserve credits for work that has not finished (give `amount` or priced `items`)',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({
          amount: Type.Optional(Credits('credits to hold')),
          items: Type.Optional(Type.Array(Item, { minItems: 1, maxItems: 100 })),
          ttl_seconds: Type.Optional(
            Type.Integer({ minimum: 1, maximum: MAX_HOLD_TTL_SECONDS, default: 900 }),
          ),
          ...Scope,
        }),
        response: { 201: Hold, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      if ((b.amount === undefined) === (b.items === undefined))
        throw invalid('body must have exactly one of amount or items', { field: 'body.amount' });
      const items = b.items?.map((it, i) => {
        checkOperation(deps.catalog, it.tool, it.operation, `body.items[${i}].`);
        return { tool: it.tool, operation: it.operation, quantity: it.quantity ?? 1 };
      });
      const r = await runCommand<CoreHold>(
        deps,
        request.params.org,
        {
          type: 'hold',
          ...(b.amount !== undefined ? { amount: b.amount } : { items: items! }),
          ttl_seconds: b.ttl_seconds ?? 900,
          member_id: spendingMember(request, b.member_id) ?? null,
          project_id: b.project_id ?? null,
        },
        idempotencyKeyOf(request),
      );
      replayed(r, reply);
      return reply.code(201).send(presentHold(r.value));
    },
  );

  const HoldParams = Obj({ org: Id('org id'), hold: Id('hold id') });

  app.post(
    '/v1/orgs/:org/holds/:hold/capture',
    {
      config: { access: { kind: 'org', scope: 'usage' } },
      schema: {
        tags,
        summary:
          'Charge what the work used (at most the held amount); the rest returns. An amount and a quantity must agree (amount = quantity × price); amount 0 releases the hold (the answer is the release, type `release`)',
        params: HoldParams,
        headers: IdempotencyHeaders,
        body: Obj({
          amount: Type.Optional(Credits('credits to charge; defaults to the whole hold', 0)),
          tool: ToolId,
          operation: OperationId,
          // No schema default here: whether the caller stated a quantity decides whether
          // it must agree with the amount.
          quantity: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: MAX_QUANTITY,
              description: 'images or units of work; 1 when left out',
            }),
          ),
          job_id: Type.Optional(Id()),
          metadata: Type.Optional(Metadata),
        }),
        response: { 200: Transaction, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      checkOperation(deps.catalog, b.tool, b.operation, 'body.');
      const usage: CoreUsage = { tool: b.tool, operation: b.operation, quantity: b.quantity ?? 1 };
      if (b.job_id !== undefined) usage.job_id = b.job_id;
      if (b.metadata !== undefined) usage.metadata = b.metadata;
      const r = await runCommand<CoreTransaction>(
        deps,
        request.params.org,
        {
          type: 'capture',
          hold_id: request.params.hold,
          ...(b.amount !== undefined ? { amount: b.amount } : {}),
          usage,
          quantity_stated: b.quantity !== undefined,
        },
        idempotencyKeyOf(request),
      );
      replayed(r, reply);
      return presentTxn(r.value);
    },
  );

  app.post(
    '/v1/orgs/:org/holds/:hold/release',
    {
      config: { access: { kind: 'org', scope: 'usage' } },
      schema: {
        tags,
        summary: 'Return every held credit (failed work is never charged)',
        params: HoldParams,
        headers: IdempotencyHeaders,
        body: Obj({}),
        response: { 200: Hold, ...errorResponses },
      },
    },
    async (request, reply) => {
      const r = await runCommand<CoreHold>(
        deps,
        request.params.org,
        { type: 'release', hold_id: request.params.hold },
        idempotencyKeyOf(request),
      );
      replayed(r, reply);
      return presentHold(r.value);
    },
  );

  app.get(
    '/v1/orgs/:org/holds',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'Holds, newest first (open ones are the pending charges)',
        params: OrgParams,
        querystring: Obj({
          status: Type.Optional(
            Type.Union([
              Type.Literal('open'),
              Type.Literal('captured'),
              Type.Literal('released'),
              Type.Literal('expired'),
            ]),
          ),
          ...ListQuery,
        }),
        response: { 200: Page(Hold), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await listHistory(deps, request.params.org, 'hold', {
        limit: q.limit ?? 20,
        ...(q.starting_after === undefined ? {} : { starting_after: q.starting_after }),
        ...(q.status === undefined ? {} : { status: q.status }),
      });
      return { ...page, data: page.data.map(presentHold) };
    },
  );

  const filterOf = (q: {
    type?: string | undefined;
    member_id?: string | undefined;
    project_id?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
  }) => {
    const f: Omit<TransactionFilter, 'limit'> = {};
    if (q.type !== undefined) f.type = q.type as CoreTxnType;
    if (q.member_id !== undefined) f.member_id = q.member_id;
    if (q.project_id !== undefined) f.project_id = q.project_id;
    const from = parseTime(q.from, 'from');
    const to = parseTime(q.to, 'to');
    if (from !== undefined) f.from = from;
    if (to !== undefined) f.to = to;
    return f;
  };

  app.get(
    '/v1/orgs/:org/transactions',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'The transaction log, newest first',
        params: OrgParams,
        querystring: Obj({ ...TxnFilters, ...ListQuery }),
        response: { 200: Page(Transaction), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const org = request.params.org;
      const filter = filterOf(q);
      await loadOrg(deps, org); // 404 for an unknown org, not an empty list
      const page = await transactionsOf(deps, org, {
        ...filter,
        limit: q.limit ?? 20,
        ...(q.starting_after !== undefined ? { starting_after: q.starting_after } : {}),
      });
      return { ...page, data: page.data.map(presentTxn) };
    },
  );

  app.get(
    '/v1/orgs/:org/transactions.csv',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'The transaction log as CSV (same filters)',
        params: OrgParams,
        querystring: Obj(TxnFilters),
        produces: ['text/csv'],
        response: {
          200: { description: 'CSV, newest first', content: { 'text/csv': { schema: Type.String() } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const org = request.params.org;
      const filter = filterOf(request.query);
      await loadOrg(deps, org);
      const pageOf = await transactionPages(deps, org);
      const rows: CoreTransaction[] = [];
      let cursor: string | undefined;
      while (rows.length < CSV_MAX_ROWS) {
        const page = await pageOf({
          ...filter,
          limit: 100,
          ...(cursor !== undefined ? { starting_after: cursor } : {}),
        });
        rows.push(...page.data);
        if (!page.has_more || page.next_cursor === null) break;
        cursor = page.next_cursor;
      }
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${org}-transactions.csv"`);
      return toCsv(rows.slice(0, CSV_MAX_ROWS));
    },
  );

  app.get(
    '/v1/orgs/:org/grants',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'Grants (the buckets credits live in), newest first',
        params: OrgParams,
        querystring: Obj({
          status: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('closed')])),
          ...ListQuery,
        }),
        response: { 200: Page(Grant), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await listHistory(deps, request.params.org, 'grant', {
        limit: q.limit ?? 20,
        ...(q.starting_after === undefined ? {} : { starting_after: q.starting_after }),
        ...(q.status === undefined ? {} : { status: q.status }),
      });
      return { ...page, data: page.data.map(presentGrant) };
    },
  );

  app.post(
    '/v1/orgs/:org/adjustments',
    {
      config: { access: { kind: 'org', scope: 'admin', operatorOnly: true } },
      schema: {
        tags,
        summary: 'Operator correction: add credits (a never-expiring grant) or take them back',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({
          amount: Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000, description: 'non-zero' }),
          reason: Type.String({ minLength: 1, maxLength: 500 }),
        }),
        response: { 201: Transaction, ...errorResponses },
      },
    },
    async (request, reply) => {
      const r = await runCommand<CoreTransaction>(
        deps,
        request.params.org,
        { type: 'adjust', amount: request.body.amount, reason: request.body.reason },
        idempotencyKeyOf(request),
      );
      replayed(r, reply);
      return reply.code(201).send(presentTxn(r.value));
    },
  );
}
