/** Members, projects and budgets: who spends from the org's pool, on what, and how much. */
import { Type } from '@sinclair/typebox';
import { createInvitation } from '../../app/invitations.ts';
import { loadOrg, runCommand } from '../../app/ledger.ts';
import type { Budget as CoreBudget, Member as CoreMember, Project as CoreProject } from '../../core/index.ts';
import type { App, RouteContext } from '../context.ts';
import { checkMayGrantRole } from '../delegation.ts';
import { idempotencyKeyOf, once } from '../idempotency.ts';
import { paginate, presentBudget, presentMember, presentProject } from '../present.ts';
import {
  Budget,
  Credits,
  errorResponses,
  Id,
  IdempotencyHeaders,
  ListQuery,
  Member,
  Name,
  Obj,
  OrgParams,
  Page,
  Project,
} from '../schemas.ts';
import { Invitation, InvitationBody, inviter, presentInvitation } from './invitations.ts';

export function teamRoutes(app: App, { deps }: RouteContext) {
  const tags = ['team'];

  app.post(
    '/v1/orgs/:org/members',
    {
      config: { access: { kind: 'org', scope: 'admin', refusedWhenClosed: true } },
      schema: {
        tags,
        summary:
          'Add someone to the org. With an org credential (admin key, owner or admin session) this invites them: 202 with the invitation, and they join when they accept it. The operator key adds the member at once: 201 with the member. Beyond the owner, needs Pro or above',
        description:
          'The caller must hold every scope of the role it grants (an API key needs them as well as `admin`); only an owner or the operator may add an owner. Refused with 403 `forbidden` otherwise.',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: InvitationBody,
        response: {
          201: { ...Member, description: 'operator key: the member, added at once' },
          202: Obj(
            { invitation: Invitation },
            { description: 'org credentials: an invitation was emailed; the person joins by accepting it' },
          ),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      checkMayGrantRole(request, request.body.role);
      const org = request.params.org;
      if (request.principal?.kind !== 'admin') {
        // Matching a member by email at sign-up let anyone with that address take the seat:
        // everyone but the operator invites, and the invited person proves the address.
        return once(deps, request, reply, `invitations:${org}`, async () => {
          const inv = await createInvitation(deps, org, { ...request.body, invited_by: inviter(request) });
          return { status: 202, body: { invitation: presentInvitation(inv, deps.clock.now()) } };
        });
      }
      const r = await runCommand<CoreMember>(
        deps,
        org,
        { type: 'add_member', email: request.body.email, role: request.body.role },
        idempotencyKeyOf(request),
      );
      if (r.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(presentMember(r.value));
    },
  );

  app.get(
    '/v1/orgs/:org/members',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'Members, newest first',
        params: OrgParams,
        querystring: Obj(ListQuery),
        response: { 200: Page(Member), ...errorResponses },
      },
    },
    async (request) => {
      const state = await loadOrg(deps, request.params.org);
      const page = paginate(
        [...state.members].reverse(),
        request.query.limit ?? 20,
        request.query.starting_after,
        { item: 'a member of this org' },
      );
      return { ...page, data: page.data.map(presentMember) };
    },
  );

  app.post(
    '/v1/orgs/:org/projects',
    {
      config: { access: { kind: 'org', scope: 'admin' } },
      schema: {
        tags,
        summary: 'Add a project (charges and budgets may name it)',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({ name: Name(100) }),
        response: { 201: Project, ...errorResponses },
      },
    },
    async (request, reply) => {
      const r = await runCommand<CoreProject>(
        deps,
        request.params.org,
        { type: 'add_project', name: request.body.name },
        idempotencyKeyOf(request),
      );
      if (r.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(presentProject(r.value));
    },
  );

  app.get(
    '/v1/orgs/:org/projects',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'Projects, newest first',
        params: OrgParams,
        querystring: Obj(ListQuery),
        response: { 200: Page(Project), ...errorResponses },
      },
    },
    async (request) => {
      const state = await loadOrg(deps, request.params.org);
      const page = paginate(
        [...state.projects].reverse(),
        request.query.limit ?? 20,
        request.query.starting_after,
        { item: 'a project of this org' },
      );
      return { ...page, data: page.data.map(presentProject) };
    },
  );

  app.put(
    '/v1/orgs/:org/budgets',
    {
      config: { access: { kind: 'org', scope: 'admin' } },
      schema: {
        tags,
        summary: 'Set the budget of a member or project for each billing period (one per scope)',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({
          scope: Type.Union([Type.Literal('member'), Type.Literal('project')]),
          scope_id: Id('member or project id'),
          limit: Credits('credits per billing period', 0),
          enforcement: Type.Union([Type.Literal('hard'), Type.Literal('soft')]),
        }),
        response: { 200: Budget, ...errorResponses },
      },
    },
    async (request, reply) => {
      const org = request.params.org;
      const r = await runCommand<CoreBudget>(
        deps,
        org,
        { type: 'set_budget', ...request.body },
        idempotencyKeyOf(request),
      );
      if (r.replayed) reply.header('idempotent-replayed', 'true');
      const state = await loadOrg(deps, org);
      const now = deps.clock.now();
      const b = state.budgets.find((x) => x.id === r.value.id) ?? r.value;
      return presentBudget(state, b, now);
    },
  );

  app.get(
    '/v1/orgs/:org/budgets',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'Budgets with what is spent, held and left this period',
        params: OrgParams,
        querystring: Obj(ListQuery),
        response: { 200: Page(Budget), ...errorResponses },
      },
    },
    async (request) => {
      const state = await loadOrg(deps, request.params.org);
      const now = deps.clock.now();
      const page = paginate(
        [...state.budgets].reverse(),
        request.query.limit ?? 20,
        request.query.starting_after,
        { item: 'a budget of this org' },
      );
      return { ...page, data: page.data.map((b) => presentBudget(state, b, now)) };
    },
  );
}
