/** Orgs, their balance and their subscription (upgrade now, downgrade or cancel at period end). */
import { Type } from '@sinclair/typebox';
import { createOwnedOrg } from '../../app/accounts.ts';
import { balanceView } from '../../app/balance.ts';
import { cancelPlan, changePlan } from '../../app/billing.ts';
import { requireVerifiedEmail } from '../../app/email-verification.ts';
import { loadOrg } from '../../app/ledger.ts';
import { createOrg } from '../../app/orgs.ts';
import type { TierId as CoreTierId } from '../../core/index.ts';
import type { App, RouteContext } from '../context.ts';
import { idempotencyKeyOf, once } from '../idempotency.ts';
import { isoOrNull, presentOrg, presentSubscription } from '../present.ts';
import { HttpProblem } from '../problem.ts';
import {
  BySource,
  Credits,
  errorResponses,
  IdempotencyHeaders,
  Name,
  NullableTime,
  Obj,
  Org,
  OrgParams,
  Subscription,
  TierId,
} from '../schemas.ts';

export const Balance = Obj({
  balance: Type.Integer({ description: 'unspent, unexpired credits, held ones included' }),
  available: Type.Integer({ description: 'balance − held' }),
  held: Type.Integer({ description: 'reserved by open holds' }),
  by_source: BySource,
  tier: Type.String(),
  allocation: Type.Integer(),
  rollover_cap: Type.Integer(),
  period_start: NullableTime,
  period_end: NullableTime,
  forfeit_at_renewal: Type.Integer({ description: 'credits the next renewal would expire over the cap' }),
  overage_limit: Type.Integer({ description: 'Enterprise credit line (0 = none)' }),
  overage_used: Type.Integer(),
});

const ContractTerms = {
  allocation: Type.Optional(Credits('Enterprise: credits per period (operator only)', 0)),
  rollover_cap: Type.Optional(Credits('Enterprise: rollover cap (operator only)', 0)),
  overage_limit: Type.Optional(Credits('Enterprise: credit line (operator only)', 0)),
};

export function orgRoutes(app: App, { deps, config }: RouteContext) {
  const tags = ['orgs'];

  app.post(
    '/v1/orgs',
    {
      config: { access: { kind: 'create_org' } },
      schema: {
        tags,
        summary: 'Create an org (on Free with 5 credits; the operator may start it on a paid tier)',
        headers: IdempotencyHeaders,
        body: Obj({ name: Name(100), tier: Type.Optional(TierId), ...ContractTerms }),
        response: { 201: Org, ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = request.principal!;
      const b = request.body;
      if (
        p.kind === 'user' &&
        ((b.tier ?? 'free') !== 'free' ||
          b.allocation !== undefined ||
          b.rollover_cap !== undefined ||
          b.overage_limit !== undefined)
      )
        throw new HttpProblem(
          'forbidden',
          'a new org starts on Free; change its plan with POST /v1/orgs/{org}/subscription',
        );
      return once(deps, request, reply, `orgs:${p.id}`, async () => {
        // Each org starts with free credits: a second one needs a proven address.
        if (p.kind === 'user') requireVerifiedEmail(p.user, 'create another org');
        const org =
          p.kind === 'user'
            ? await createOwnedOrg(deps, p.user, config.orgs_per_user, b)
            : await createOrg(deps, b);
        return { status: 201, body: presentOrg(org) };
      });
    },
  );

  app.get(
    '/v1/orgs/:org',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: { tags, summary: 'An org', params: OrgParams, response: { 200: Org, ...errorResponses } },
    },
    async (request) => presentOrg(await loadOrg(deps, request.params.org)),
  );

  app.get(
    '/v1/orgs/:org/balance',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary:
          'Balance, held and available credits, by source, with the period and what renewal would forfeit',
        params: OrgParams,
        response: { 200: Balance, ...errorResponses },
      },
    },
    async (request) => {
      const state = await loadOrg(deps, request.params.org);
      const v = balanceView(state, deps.catalog, deps.clock.now());
      return { ...v, period_start: isoOrNull(v.period_start), period_end: isoOrNull(v.period_end) };
    },
  );

  app.get(
    '/v1/orgs/:org/subscription',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'The subscription',
        params: OrgParams,
        response: { 200: Subscription, ...errorResponses },
      },
    },
    async (request) => presentSubscription((await loadOrg(deps, request.params.org)).subscription),
  );

  app.post(
    '/v1/orgs/:org/subscription',
    {
      config: { access: { kind: 'org', scope: 'billing', refusedWhenClosed: true } },
      schema: {
        tags,
        summary: 'Change the plan: an upgrade takes effect now, a downgrade at the period end',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({ tier: TierId, ...ContractTerms }),
        response: { 200: Subscription, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const operator = request.principal?.kind === 'admin';
      const terms =
        b.allocation !== undefined || b.rollover_cap !== undefined || b.overage_limit !== undefined;
      if (terms && !operator) throw new HttpProblem('forbidden', 'contract terms are set by the operator');
      // With Stripe a first paid plan starts at Checkout: the answer carries checkout_url.
      const r = await changePlan(
        deps,
        request.params.org,
        { ...b, tier: b.tier as CoreTierId },
        operator,
        idempotencyKeyOf(request),
      );
      if (r.replayed) reply.header('idempotent-replayed', 'true');
      const sub = presentSubscription(r.value);
      return r.checkout_url ? { ...sub, checkout_url: r.checkout_url } : sub;
    },
  );

  app.post(
    '/v1/orgs/:org/subscription/cancel',
    {
      config: { access: { kind: 'org', scope: 'billing' } },
      schema: {
        tags,
        summary: 'Cancel at the period end (the org returns to Free then)',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({}),
        response: { 200: Subscription, ...errorResponses },
      },
    },
    async (request, reply) => {
      const r = await cancelPlan(deps, request.params.org, idempotencyKeyOf(request));
      if (r.replayed) reply.header('idempotent-replayed', 'true');
      return presentSubscription(r.value);
    },
  );
}
