/**
 * Insights (SPEC §4): purchase-vs-upgrade advice with what each option would have cost,
 * the forecast, workflow efficiency and the top of the usage audit. Read-only; the maths
 * is src/core/insights, the rules in words docs/insights.md.
 */
import { Type } from '@sinclair/typebox';
import {
  DEFAULT_BURN_WINDOW_DAYS,
  DEFAULT_PERIODS,
  orgInsights,
  planOrgProject,
} from '../../app/insights.ts';
import { invalid } from '../../core/index.ts';
import {
  MAX_PERIODS,
  MAX_PLAN_CREDITS,
  MAX_PLAN_MONTHS,
  type ProjectPlan,
} from '../../core/insights/index.ts';
import type { App, RouteContext } from '../context.ts';
import { iso, isoOrNull } from '../present.ts';
import {
  errorResponses,
  Money,
  Nullable,
  NullableTime,
  Obj,
  OrgParams,
  PricePerCredit,
  Time,
} from '../schemas.ts';

const Action = Type.Union([
  Type.Literal('stay'),
  Type.Literal('buy_packs'),
  Type.Literal('upgrade'),
  Type.Literal('downgrade'),
]);
const PackLine = Obj({
  id: Type.String(),
  count: Type.Integer(),
  credits: Type.Integer(),
  price: Money,
  price_per_credit: PricePerCredit,
});
const Guideline = Type.Union(
  [
    'no_history',
    'no_allocation',
    'heavy_overage',
    'project_spike',
    'occasional_overage',
    'mixed_overage',
    'forfeiting',
    'fits',
  ].map((g) => Type.Literal(g)),
);
const Share = {
  key: Type.String(),
  credits: Type.Integer(),
  count: Type.Integer(),
  share_pct: Type.Number({ description: 'percent of the credits in the range, one decimal' }),
};

const Seasonal = Obj(
  {
    periods: Type.Array(
      Obj({
        start: Time,
        end: Time,
        used: Type.Integer(),
        subscription_credits: Type.Integer({ description: 'allocation + rollover carried in' }),
        short: Type.Integer({ description: 'credits used beyond the subscription’s (packs, other grants)' }),
        banked: Type.Integer({ description: 'carried into the next period (at most the rollover cap)' }),
        forfeited: Type.Integer(),
        kind: Type.Union([Type.Literal('busy'), Type.Literal('quiet'), Type.Literal('usual')]),
      }),
    ),
    ran_short: Type.Array(Time, { description: 'starts of the periods that ran short' }),
    forfeited: Type.Array(Time, { description: 'starts of the periods that forfeited at renewal' }),
    busiest: NullableTime,
    quietest: NullableTime,
    summary: Type.String(),
  },
  { description: 'the last complete periods (up to 12), replayed on the current terms' },
);

const PlanOption = Type.Union([
  Type.Literal('bank_rollover'),
  Type.Literal('buy_packs'),
  Type.Literal('upgrade_one_period'),
]);
const PlanBody = Obj({
  credits: Type.Integer(),
  by: Time,
  renewals: Type.Array(Time),
  usual_use: Type.Integer({ description: 'credits the org’s usual use spends until `by`' }),
  recommended: PlanOption,
  recommended_tier: Type.Optional(Type.String()),
  reason: Type.String(),
  options: Type.Array(
    Obj({
      option: PlanOption,
      tier: Type.Optional(Type.String()),
      tier_name: Type.Optional(Type.String()),
      cost: Money,
      credits_at_by: Type.Integer({ description: 'credits at hand at `by` before buying packs' }),
      packs: Type.Array(PackLine),
      packs_price: Money,
      buy_by: NullableTime,
      upgrade_at: NullableTime,
      downgrade_at: NullableTime,
      example: Type.Boolean(),
      detail: Type.String(),
    }),
    {
      description: 'the options that cover the need, cheapest first; banking alone last when it falls short',
    },
  ),
});

const presentPlan = (p: ProjectPlan) => ({
  ...p,
  by: iso(p.by),
  renewals: p.renewals.map(iso),
  options: p.options.map((o) => ({
    ...o,
    buy_by: isoOrNull(o.buy_by),
    upgrade_at: isoOrNull(o.upgrade_at),
    downgrade_at: isoOrNull(o.downgrade_at),
  })),
});

const InsightsBody = Obj({
  generated_at: Time,
  advice: Obj({
    action: Action,
    tier: Type.Optional(Type.String({ description: 'the tier to move to (upgrade, downgrade)' })),
    tier_name: Type.Optional(Type.String({ description: 'the name of that tier' })),
    packs: Type.Optional(
      Type.Array(PackLine, { description: 'buy_packs: the packs to have for a period like those looked at' }),
    ),
    packs_price: Type.Optional(Money),
    reason: Type.String({
      description: 'the money first, then the guide’s rule of thumb and whether it agrees',
    }),
    rule_of_thumb: Obj({
      guideline: Guideline,
      suggests: Nullable(Action),
      agrees: Type.Union([Type.Boolean(), Type.Null()], {
        description:
          'whether the advice (the cheapest option) is what the rule suggests; null if it suggests nothing',
      }),
      text: Type.String(),
    }),
    costs: Type.Array(
      Obj({
        option: Action,
        tier: Type.String(),
        tier_name: Type.String(),
        amount: Money,
        subscription: Money,
        price_per_credit: Nullable(PricePerCredit),
        packs: Type.Array(PackLine),
        example: Type.Boolean({ description: 'the amount uses a tier price shipped as an example' }),
        detail: Type.String(),
      }),
      {
        description:
          'what each option would have cost over the periods looked at, the current tier first; empty without a complete period',
      },
    ),
    basis: Obj({
      periods: Type.Integer(),
      allocation: Type.Integer(),
      typical_usage: Type.Integer(),
      typical_overage: Type.Integer(),
      typical_overage_pct: Type.Integer({ description: 'typical usage over the allocation, whole percent' }),
      periods_over: Type.Integer(),
      periods_over_50: Type.Integer(),
      periods_forfeiting: Type.Integer(),
      forfeited: Type.Integer(),
      spike: Type.Boolean(),
      cheapest: Nullable(Obj({ option: Action, tier: Type.String() })),
    }),
    periods: Type.Array(Obj({ start: Time, end: Time, used: Type.Integer(), forfeited: Type.Integer() }), {
      description: 'the complete periods looked at, oldest first',
    }),
  }),
  seasonal: Seasonal,
  forecast: Obj({
    burn_per_day: Type.Number({ description: 'credits per day over the window, two decimals' }),
    window_days: Type.Number(),
    used_in_window: Type.Integer(),
    available: Type.Integer(),
    runs_out_at: NullableTime,
    period_end: NullableTime,
    runs_out_before_renewal: Type.Boolean(),
    projected_use_until_renewal: Type.Integer(),
    shortfall: Type.Integer({ description: 'credits short before the renewal (0 if none)' }),
    arriving_at_renewal: Type.Integer(),
    forfeit_at_renewal: Type.Integer({ description: 'over the cap if nothing more were used' }),
    projected_forfeit_at_renewal: Type.Integer({ description: 'over the cap after the projected use' }),
    last_year: Nullable(Obj({ from: Time, to: Time, used: Type.Integer() })),
  }),
  efficiency: Obj({
    actual: Type.Integer(),
    iterative: Type.Integer(),
    savings: Type.Integer(),
    savings_pct: Type.Number(),
    groups: Type.Integer(),
    generations: Type.Integer(),
    top: Type.Array(
      Obj({
        by: Type.Union([Type.Literal('prompt'), Type.Literal('job_id')]),
        key: Type.String(),
        tool: Type.String(),
        generations: Type.Integer(),
        actual: Type.Integer(),
        iterative: Type.Integer(),
        savings: Type.Integer(),
      }),
    ),
    from: Time,
    to: Time,
    truncated: Type.Boolean({ description: 'more charges than one request reads: the newest were used' }),
  }),
  audit: Obj({
    from: Time,
    to: Time,
    total: Type.Integer(),
    top_members: Type.Array(Obj(Share)),
    top_projects: Type.Array(Obj(Share)),
    resolutions: Type.Array(
      Obj({
        ...Share,
        tool: Type.String(),
        operation: Type.String(),
        params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
      }),
    ),
  }),
});

export function insightRoutes(app: App, { deps }: RouteContext) {
  app.get(
    '/v1/orgs/:org/insights',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags: ['reports'],
        summary: 'Purchase-vs-upgrade advice, forecast, workflow efficiency and top consumers',
        params: OrgParams,
        querystring: Obj({
          periods: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: MAX_PERIODS,
              default: DEFAULT_PERIODS,
              description: 'complete periods the advice looks back over',
            }),
          ),
          burn_window_days: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 90,
              default: DEFAULT_BURN_WINDOW_DAYS,
              description: 'days of usage the burn rate is measured over',
            }),
          ),
        }),
        response: { 200: InsightsBody, ...errorResponses },
      },
    },
    async (request) => {
      const r = await orgInsights(deps, request.params.org, request.query);
      const f = r.forecast;
      return {
        generated_at: iso(r.generated_at),
        advice: {
          ...r.advice,
          periods: r.advice.periods.map((p) => ({
            start: iso(p.start),
            end: iso(p.end),
            used: p.used,
            forfeited: p.forfeited,
          })),
        },
        seasonal: {
          ...r.seasonal,
          periods: r.seasonal.periods.map((p) => ({ ...p, start: iso(p.start), end: iso(p.end) })),
          ran_short: r.seasonal.ran_short.map(iso),
          forfeited: r.seasonal.forfeited.map(iso),
          busiest: isoOrNull(r.seasonal.busiest),
          quietest: isoOrNull(r.seasonal.quietest),
        },
        forecast: {
          ...f,
          runs_out_at: isoOrNull(f.runs_out_at),
          period_end: isoOrNull(f.period_end),
          last_year: f.last_year && { ...f.last_year, from: iso(f.last_year.from), to: iso(f.last_year.to) },
        },
        efficiency: { ...r.efficiency, from: iso(r.efficiency.from), to: iso(r.efficiency.to) },
        audit: { ...r.audit, from: iso(r.audit.from), to: iso(r.audit.to) },
      };
    },
  );

  app.post(
    '/v1/orgs/:org/insights/plan',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags: ['reports'],
        summary:
          'Plan a project: the cheapest way to have some credits by a date (bank rollover, buy packs, or upgrade for one period)',
        params: OrgParams,
        body: Obj({
          credits: Type.Integer({
            minimum: 1,
            maximum: MAX_PLAN_CREDITS,
            description: 'credits the project needs',
          }),
          by: Type.String({
            format: 'date-time',
            description: `RFC 3339: when they must be at hand (after now, at most ${MAX_PLAN_MONTHS} months ahead)`,
          }),
        }),
        response: { 200: PlanBody, ...errorResponses },
      },
    },
    async (request) => {
      const by = Date.parse(request.body.by);
      if (!Number.isFinite(by)) throw invalid('body.by must be an RFC 3339 time', { field: 'body.by' });
      return presentPlan(
        await planOrgProject(deps, request.params.org, { credits: request.body.credits, by }),
      );
    },
  );
}
