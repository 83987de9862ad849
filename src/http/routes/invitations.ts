/**
 * Invitations: an org's admins invite an email address with a role (here, or through
 * `POST /v1/orgs/{org}/members`), list and revoke them; the invited person, signed in with
 * that address verified, accepts with the token from the email. Tokens travel in request
 * bodies, never in paths or query strings, so they stay out of access logs.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import {
  acceptInvitation,
  createInvitation,
  getInvitation,
  INVITATION_TTL_MS,
  invitationStatus,
  listInvitations,
  previewInvitation,
  revokeInvitation,
} from '../../app/invitations.ts';
import type { Invitation as StoredInvitation } from '../../app/vocabulary.ts';
import type { Role } from '../../core/index.ts';
import type { App, RouteContext } from '../context.ts';
import { checkMayGrantRole } from '../delegation.ts';
import { once } from '../idempotency.ts';
import { iso, isoOrNull, presentMember } from '../present.ts';
import {
  Email,
  errorResponses,
  Id,
  IdempotencyHeaders,
  ListQuery,
  Member,
  NullableTime,
  Obj,
  OrgParams,
  Page,
  Role as RoleSchema,
  Time,
} from '../schemas.ts';

const ttlDays = INVITATION_TTL_MS / 86_400_000;

export const Invitation = Obj({
  id: Type.String(),
  org_id: Type.String(),
  email: Type.String({ description: 'the invited address; only an account verified at it may accept' }),
  role: RoleSchema,
  status: Type.Union(
    [Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('revoked'), Type.Literal('expired')],
    { description: 'pending until accepted, revoked or expired' },
  ),
  invited_by: Type.String({ description: '`admin` (the operator key), an API key id or a user id' }),
  created_at: Time,
  expires_at: Time,
  accepted_at: NullableTime,
  revoked_at: NullableTime,
  member_id: Type.Union([Type.String(), Type.Null()], { description: 'the member it made, once accepted' }),
});

export const InvitationBody = Obj({ email: Email, role: RoleSchema });

const TokenBody = Obj({
  token: Type.String({ minLength: 1, maxLength: 200, description: 'the token from the invitation email' }),
});

const OrgRef = Obj({ id: Type.String(), name: Type.String() });

export function presentInvitation(i: StoredInvitation, now: number) {
  return {
    id: i.id,
    org_id: i.org_id,
    email: i.email,
    role: i.role,
    status: invitationStatus(i, now),
    invited_by: i.invited_by,
    created_at: iso(i.created_at),
    expires_at: iso(i.expires_at),
    accepted_at: isoOrNull(i.accepted_at),
    revoked_at: isoOrNull(i.revoked_at),
    member_id: i.member_id,
  };
}

/**
 * An invitation grants a role when accepted, so it follows the one granting rule
 * (`../delegation.ts`): nobody invites to a role carrying scopes they do not hold, and only
 * an owner or the operator invites an owner.
 */
export function checkMayInvite(request: FastifyRequest, role: Role) {
  checkMayGrantRole(request, role);
}

export const inviter = (request: FastifyRequest) => request.principal?.id ?? 'unknown';

export function invitationRoutes(app: App, { deps }: RouteContext) {
  const tags = ['invitations'];

  app.post(
    '/v1/orgs/:org/invitations',
    {
      config: { access: { kind: 'org', scope: 'admin', refusedWhenClosed: true } },
      schema: {
        tags,
        summary: `Invite an email address to the org with a role: emails a single-use link valid ${ttlDays} days (beyond the owner, needs Pro or above)`,
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: InvitationBody,
        response: { 201: Invitation, ...errorResponses },
      },
    },
    async (request, reply) => {
      checkMayInvite(request, request.body.role);
      const org = request.params.org;
      return once(deps, request, reply, `invitations:${org}`, async () => {
        const inv = await createInvitation(deps, org, { ...request.body, invited_by: inviter(request) });
        return { status: 201, body: presentInvitation(inv, deps.clock.now()) };
      });
    },
  );

  app.get(
    '/v1/orgs/:org/invitations',
    {
      config: { access: { kind: 'org', scope: 'admin' } },
      schema: {
        tags,
        summary: 'Invitations of the org, newest first, with their status',
        params: OrgParams,
        querystring: Obj(ListQuery),
        response: { 200: Page(Invitation), ...errorResponses },
      },
    },
    async (request) => {
      const now = deps.clock.now();
      const page = await listInvitations(
        deps,
        request.params.org,
        request.query.limit ?? 20,
        request.query.starting_after,
      );
      return { ...page, data: page.data.map((i) => presentInvitation(i, now)) };
    },
  );

  app.get(
    '/v1/orgs/:org/invitations/:id',
    {
      config: { access: { kind: 'org', scope: 'admin' } },
      schema: {
        tags,
        summary: 'An invitation of the org',
        params: Obj({ org: Id('org id'), id: Id('invitation id') }),
        response: { 200: Invitation, ...errorResponses },
      },
    },
    async (request) =>
      presentInvitation(await getInvitation(deps, request.params.org, request.params.id), deps.clock.now()),
  );

  app.delete(
    '/v1/orgs/:org/invitations/:id',
    {
      config: { access: { kind: 'org', scope: 'admin' } },
      schema: {
        tags,
        summary:
          'Revoke a pending invitation: its link stops working at once (revoking twice is the same as once)',
        params: Obj({ org: Id('org id'), id: Id('invitation id') }),
        response: { 200: Invitation, ...errorResponses },
      },
    },
    async (request) =>
      presentInvitation(
        await revokeInvitation(deps, request.params.org, request.params.id),
        deps.clock.now(),
      ),
  );

  app.post(
    '/v1/invitations/preview',
    {
      config: { access: { kind: 'public' } },
      schema: {
        tags,
        summary: 'What an invitation token opens (org, role, invited address), without using it',
        security: [],
        body: TokenBody,
        response: {
          200: Obj({
            org: OrgRef,
            email: Type.String(),
            role: RoleSchema,
            status: Type.Literal('pending'),
            expires_at: Time,
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { invitation, org } = await previewInvitation(deps, request.body.token);
      return {
        org: { id: org.id, name: org.name },
        email: invitation.email,
        role: invitation.role,
        status: 'pending' as const,
        expires_at: iso(invitation.expires_at),
      };
    },
  );

  app.post(
    '/v1/invitations/accept',
    {
      config: { access: { kind: 'user' } },
      schema: {
        tags,
        summary:
          'Join the org of an invitation: the signed-in person’s verified email must be the invited one; the token works once',
        headers: IdempotencyHeaders,
        body: TokenBody,
        response: {
          200: Obj({ invitation: Invitation, member: Member, org: OrgRef }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const p = request.principal;
      if (p?.kind !== 'user') throw new Error('unreachable: access checked');
      return once(deps, request, reply, `accept:${p.user.id}`, async () => {
        const r = await acceptInvitation(deps, p.user, request.body.token);
        return {
          status: 200,
          body: {
            invitation: presentInvitation(r.invitation, deps.clock.now()),
            member: presentMember(r.member),
            org: { id: r.org.id, name: r.org.name },
          },
        };
      });
    },
  );
}
