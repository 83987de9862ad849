/**
 * POST /v1/orgs/{org}/subscription/preview: what a plan change would do to the balance —
 * when it takes effect, the credits carried and forfeited, the new allocation and the
 * balance after — computed by the same rules as the change itself, without making it.
 * It changes nothing, so `read` access suffices (the change itself needs `billing`).
 */
import { Type } from '@sinclair/typebox';
import { previewPlan } from '../../app/plan-preview.ts';
import type { TierId as CoreTierId } from '../../core/index.ts';
import type { App, RouteContext } from '../context.ts';
import { iso, isoOrNull } from '../present.ts';
import { HttpProblem } from '../problem.ts';
import { errorResponses, Money, Nullable, NullableTime, Obj, OrgParams, TierId, Time } from '../schemas.ts';

const Count = (description: string) => Type.Integer({ minimum: 0, description });

export const PlanPreview = Obj({
  action: Type.Union(
    ['upgrade', 'downgrade', 'cancel', 'resume', 'none'].map((a) => Type.Literal(a)),
    {
      description:
        'upgrade (now) | downgrade, cancel (at the period end) | resume (undo a scheduled change) | none',
    },
  ),
  from_tier: Type.String(),
  to_tier: Type.String({ description: 'the tier in force once the change takes effect' }),
  effective_at: Time,
  immediate: Type.Boolean({ description: 'true: the balance changes now; false: at effective_at' }),
  balance_before: Count('balance now'),
  carried: Count('subscription and rollover credits carried into the new period'),
  forfeited: Count('subscription and rollover credits that expire over the rollover cap'),
  new_allocation: Count('credits granted when the change takes effect'),
  rollover_cap: Count('the rollover cap of the tier in force after the change'),
  balance_after: Count('balance once the change has taken effect, if nothing else is spent or bought'),
  period_end_after: NullableTime,
  price: Nullable(
    Obj({
      amount: Money.properties.amount,
      currency: Money.properties.currency,
      example: Type.Optional(
        Type.Boolean({ description: 'a placeholder price shipped in the default config' }),
      ),
    }),
  ),
});

export function subscriptionPreviewRoutes(app: App, { deps }: RouteContext) {
  app.post(
    '/v1/orgs/:org/subscription/preview',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags: ['orgs'],
        summary:
          'Preview a plan change ({tier} or {cancel: true}): what it does to the balance, and when, without making it',
        params: OrgParams,
        body: Obj({
          tier: Type.Optional(TierId),
          cancel: Type.Optional(Type.Literal(true)),
        }),
        response: { 200: PlanPreview, ...errorResponses },
      },
    },
    async (request) => {
      const b = request.body;
      if ((b.tier === undefined) === (b.cancel === undefined))
        throw new HttpProblem('validation_failed', 'give either tier or cancel: true', { field: 'tier' });
      const p = await previewPlan(
        deps,
        request.params.org,
        b.cancel ? { cancel: true } : { tier: b.tier as CoreTierId },
      );
      return {
        ...p,
        effective_at: iso(p.effective_at),
        period_end_after: isoOrNull(p.period_end_after),
      };
    },
  );
}
