/** Credit packs: buy (the development provider completes at once), list, read one, and refund (operator). */
import { Type } from '@sinclair/typebox';
import { findPurchase, listHistory, loadOrg } from '../../app/ledger.ts';
import { buyPack, refund } from '../../app/purchases.ts';
import { notFound } from '../../core/index.ts';
import type { App, RouteContext } from '../context.ts';
import { idempotencyKeyOf } from '../idempotency.ts';
import { presentPurchase } from '../present.ts';
import {
  errorResponses,
  Id,
  IdempotencyHeaders,
  ListQuery,
  Obj,
  OrgParams,
  Page,
  Purchase,
} from '../schemas.ts';

export function purchaseRoutes(app: App, { deps }: RouteContext) {
  const tags = ['purchases'];

  app.post(
    '/v1/orgs/:org/purchases',
    {
      config: { access: { kind: 'org', scope: 'billing', refusedWhenClosed: true } },
      schema: {
        tags,
        summary: 'Buy a credit pack; with the development provider it completes within the request',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({ pack: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }) }),
        response: { 201: Purchase, ...errorResponses },
      },
    },
    async (request, reply) => {
      const r = await buyPack(deps, request.params.org, request.body.pack, idempotencyKeyOf(request));
      if (r.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(presentPurchase(r.value));
    },
  );

  app.get(
    '/v1/orgs/:org/purchases',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'Purchases, newest first',
        params: OrgParams,
        querystring: Obj(ListQuery),
        response: { 200: Page(Purchase), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await listHistory(deps, request.params.org, 'purchase', {
        limit: q.limit ?? 20,
        ...(q.starting_after === undefined ? {} : { starting_after: q.starting_after }),
      });
      return { ...page, data: page.data.map(presentPurchase) };
    },
  );

  app.get(
    '/v1/orgs/:org/purchases/:id',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'One purchase, open or long settled (the page after Checkout reads it)',
        params: Obj({ org: Id('org id'), id: Id('purchase id') }),
        response: { 200: Purchase, ...errorResponses },
      },
    },
    async (request) => {
      const { org, id } = request.params;
      const found = await findPurchase(deps, org, id, await loadOrg(deps, org));
      if (!found) throw notFound('purchase', id);
      return presentPurchase(found);
    },
  );

  app.post(
    '/v1/orgs/:org/purchases/:id/refund',
    {
      config: { access: { kind: 'org', scope: 'billing', operatorOnly: true } },
      schema: {
        tags,
        summary: 'Refund a purchase (operator): revokes the unspent rest of its credits',
        params: Obj({ org: Id('org id'), id: Id('purchase id') }),
        headers: IdempotencyHeaders,
        body: Obj({}),
        response: { 200: Purchase, ...errorResponses },
      },
    },
    async (request, reply) => {
      const r = await refund(deps, request.params.org, request.params.id, idempotencyKeyOf(request));
      if (r.replayed) reply.header('idempotent-replayed', 'true');
      return presentPurchase(r.value);
    },
  );
}
