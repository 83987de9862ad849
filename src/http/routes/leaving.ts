/**
 * Leaving an org, handing it over and closing it (docs/accounts.md, "Leaving"). Each is a
 * person's act: leaving and handing over are refused to API keys and the operator (a key is
 * nobody's membership); closing is for an owner, or the operator.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { closeOrg, leaveOrg, transferOwnership } from '../../app/leaving.ts';
import type { Membership } from '../../app/vocabulary.ts';
import { DomainError } from '../../core/index.ts';
import type { App, RouteContext } from '../context.ts';
import { once } from '../idempotency.ts';
import { presentMember, presentOrg } from '../present.ts';
import { HttpProblem } from '../problem.ts';
import { Email, errorResponses, Id, IdempotencyHeaders, Member, Obj, Org, OrgParams } from '../schemas.ts';

function person(request: FastifyRequest, what: string) {
  const p = request.principal;
  if (p?.kind !== 'user')
    throw new HttpProblem('forbidden', `${what} is done by a signed-in person, not with a key`);
  return p.user;
}

/** The caller's membership in the org of the path, as the auth hook found it. */
function membershipOf(request: FastifyRequest & { params: { org: string } }): Membership {
  if (!request.membership) throw new DomainError('not_found', `org ${request.params.org} not found`);
  return request.membership;
}

export function leavingRoutes(app: App, { deps }: RouteContext) {
  const tags = ['team'];

  app.post(
    '/v1/orgs/:org/leave',
    {
      // Leaving is allowed on a closed org too: it is about the person, not the org's use.
      // A retry after the person left finds no membership: the hook lets it reach the replay.
      config: { access: { kind: 'org', scope: 'read', replaysAfterLeaving: true } },
      schema: {
        tags,
        summary:
          'Leave the org (signed-in person). The last owner is refused (409 conflict): transfer ownership or close the org first',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({}),
        response: { 200: Obj({ left: Type.Boolean(), member: Member }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const user = person(request, 'leaving an org');
      return once(deps, request, reply, `leave:${request.params.org}:${user.id}`, async () => {
        const m = await leaveOrg(deps, membershipOf(request));
        return { status: 200, body: { left: true, member: presentMember(m) } };
      });
    },
  );

  app.post(
    '/v1/orgs/:org/transfer_ownership',
    {
      config: { access: { kind: 'org', scope: 'admin' } },
      schema: {
        tags,
        summary:
          'Make another member the owner (an owner signed in); the previous owner becomes an admin. Both are told by email',
        description:
          'Name the new owner by `member_id` or by `email`, one of the two. Admins get 403 `forbidden`.',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({ member_id: Type.Optional(Id('member id')), email: Type.Optional(Email) }),
        response: { 200: Obj({ org: Org, previous_owner: Member, owner: Member }), ...errorResponses },
      },
    },
    async (request, reply) => {
      person(request, 'transferring ownership');
      return once(deps, request, reply, `transfer_ownership:${request.params.org}`, async () => {
        const r = await transferOwnership(deps, membershipOf(request), request.body);
        return {
          status: 200,
          body: { org: presentOrg(r.org), previous_owner: presentMember(r.from), owner: presentMember(r.to) },
        };
      });
    },
  );

  app.post(
    '/v1/orgs/:org/close',
    {
      config: { access: { kind: 'org', scope: 'admin' } },
      schema: {
        tags,
        summary:
          'Close the org (an owner, or the operator): the plan is cancelled, API keys are revoked, every later change is refused with 410 org_closed; the transaction log is kept and stays readable. Export the log first (GET …/transactions.csv, or page through GET …/transactions for JSON)',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({
          confirm: Type.String({
            minLength: 1,
            maxLength: 200,
            description: "the org's name, typed to confirm",
          }),
        }),
        response: { 200: Org, ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = request.principal;
      if (p?.kind === 'key')
        throw new HttpProblem('forbidden', 'an org is closed by its owner, not with a key');
      const by = p?.kind === 'user' ? { membership: membershipOf(request) } : ({ operator: true } as const);
      return once(deps, request, reply, `close:${request.params.org}`, async () => ({
        status: 200,
        body: presentOrg(await closeOrg(deps, request.params.org, by, request.body.confirm)),
      }));
    },
  );
}
