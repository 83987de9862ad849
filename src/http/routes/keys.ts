/**
 * Org API keys: the secret is shown once, at creation, and stored only as a SHA-256 digest.
 * A key may only hand out scopes it holds itself, so an `admin` key cannot mint `billing`
 * (../delegation.ts).
 */
import { Type } from '@sinclair/typebox';
import { createApiKey, revokeApiKey } from '../../app/accounts.ts';
import { loadOrg } from '../../app/ledger.ts';
import { apiKeysOf } from '../../app/reads.ts';
import type { App, RouteContext } from '../context.ts';
import { checkMayGrantScopes } from '../delegation.ts';
import { once } from '../idempotency.ts';
import { paginate, presentApiKey } from '../present.ts';
import {
  ApiKey,
  errorResponses,
  Id,
  IdempotencyHeaders,
  ListQuery,
  Name,
  Obj,
  OrgParams,
  Page,
  ScopeName,
} from '../schemas.ts';

const CreatedKey = Type.Composite([
  ApiKey,
  Type.Object({
    secret: Type.Optional(
      Type.String({ description: 'shown once; a replay of the same request returns the key without it' }),
    ),
  }),
]);

export function keyRoutes(app: App, { deps }: RouteContext) {
  const tags = ['api keys'];

  app.post(
    '/v1/orgs/:org/api_keys',
    {
      config: { access: { kind: 'org', scope: 'admin', refusedWhenClosed: true } },
      schema: {
        tags,
        summary: 'Create an API key for this org; its secret is returned once',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({
          name: Name(100),
          scopes: Type.Array(ScopeName, { minItems: 1, maxItems: 4, uniqueItems: true }),
        }),
        response: { 201: { ...CreatedKey, additionalProperties: false }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const org = request.params.org;
      checkMayGrantScopes(request, request.body.scopes);
      await loadOrg(deps, org);
      return once(deps, request, reply, `org:${org}:api_keys`, async () => {
        const { key, secret } = await createApiKey(deps, org, request.body.name, request.body.scopes);
        const shown = presentApiKey(key);
        return { status: 201, body: { ...shown, secret }, stored: shown };
      });
    },
  );

  app.get(
    '/v1/orgs/:org/api_keys',
    {
      config: { access: { kind: 'org', scope: 'admin' } },
      schema: {
        tags,
        summary: 'API keys of this org, newest first (never their secrets)',
        params: OrgParams,
        querystring: Obj(ListQuery),
        response: { 200: Page(ApiKey), ...errorResponses },
      },
    },
    async (request) => {
      await loadOrg(deps, request.params.org);
      const keys = (await apiKeysOf(deps, request.params.org)).reverse();
      const page = paginate(keys, request.query.limit ?? 20, request.query.starting_after, {
        item: 'an API key of this org',
      });
      return { ...page, data: page.data.map(presentApiKey) };
    },
  );

  app.delete(
    '/v1/orgs/:org/api_keys/:id',
    {
      config: { access: { kind: 'org', scope: 'admin' } },
      schema: {
        tags,
        summary: 'Revoke an API key (at once; revoking twice is harmless)',
        params: Obj({ org: Id('org id'), id: Id('api key id') }),
        headers: IdempotencyHeaders,
        response: { 200: ApiKey, ...errorResponses },
      },
    },
    async (request) => presentApiKey(await revokeApiKey(deps, request.params.org, request.params.id)),
  );
}
