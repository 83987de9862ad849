/** Auto top-up and low-balance alert settings of an org. */
import { Type } from '@sinclair/typebox';
import { getAutoTopup, setAutoTopup } from '../../app/auto-topup.ts';
import { loadOrg, runCommand } from '../../app/ledger.ts';
import {
  type AutoTopup as CoreAutoTopup,
  lowBalanceThreshold,
  MAX_TOPUPS_PER_PERIOD,
} from '../../core/index.ts';
import type { App, RouteContext } from '../context.ts';
import { idempotencyKeyOf } from '../idempotency.ts';
import { iso } from '../present.ts';
import { HttpProblem } from '../problem.ts';
import { Credits, errorResponses, IdempotencyHeaders, Nullable, Obj, OrgParams, Time } from '../schemas.ts';

export const AutoTopup = Obj({
  enabled: Type.Boolean(),
  threshold: Type.Integer({ description: 'buy when available drops below this' }),
  pack: Type.String(),
  monthly_max: Type.Integer({ description: 'top-ups per billing period (calendar month without one)' }),
  armed: Type.Boolean({
    description: 'false after a top-up fired, until available is back at the threshold',
  }),
  used_this_period: Type.Integer(),
  period_start: Time,
  pending_purchase_id: Nullable(Type.String()),
});

export const Alerts = Obj({
  low_balance_threshold: Nullable(Type.Integer({ description: 'null: 20% of the allocation, at least 1' })),
  effective_threshold: Type.Integer(),
  armed: Type.Boolean(),
});

const present = (a: CoreAutoTopup) => ({
  enabled: a.enabled,
  threshold: a.threshold,
  pack: a.pack,
  monthly_max: a.monthly_max,
  armed: a.armed,
  used_this_period: a.count,
  period_start: iso(a.period_start),
  pending_purchase_id: a.pending_purchase_id,
});

export function autoTopupRoutes(app: App, { deps }: RouteContext) {
  const tags = ['purchases'];

  app.put(
    '/v1/orgs/:org/auto_topup',
    {
      config: { access: { kind: 'org', scope: 'billing' } },
      schema: {
        tags,
        summary: 'Buy a pack automatically when available credits drop below a threshold',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({
          enabled: Type.Optional(Type.Boolean({ default: true })),
          threshold: Credits('buy when available drops below this many credits'),
          pack: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
          monthly_max: Type.Integer({ minimum: 1, maximum: MAX_TOPUPS_PER_PERIOD }),
        }),
        response: { 200: AutoTopup, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const r = await setAutoTopup(
        deps,
        request.params.org,
        { enabled: b.enabled ?? true, threshold: b.threshold, pack: b.pack, monthly_max: b.monthly_max },
        idempotencyKeyOf(request),
      );
      if (r.replayed) reply.header('idempotent-replayed', 'true');
      return present(r.value);
    },
  );

  app.get(
    '/v1/orgs/:org/auto_topup',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'Auto top-up settings (404 when never set)',
        params: OrgParams,
        response: { 200: AutoTopup, ...errorResponses },
      },
    },
    async (request) => {
      const a = await getAutoTopup(deps, request.params.org);
      if (!a) throw new HttpProblem('not_found', 'auto top-up was never set for this org');
      return present(a);
    },
  );

  app.put(
    '/v1/orgs/:org/alerts',
    {
      config: { access: { kind: 'org', scope: 'billing' } },
      schema: {
        tags: ['notifications'],
        summary: 'Low-balance alert threshold (null: the default)',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({ low_balance_threshold: Nullable(Credits('alert when available drops below this', 0)) }),
        response: { 200: Alerts, ...errorResponses },
      },
    },
    async (request, reply) => {
      const r = await runCommand<{
        low_balance_threshold: number | null;
        low_balance_armed: boolean;
        effective_threshold: number;
      }>(
        deps,
        request.params.org,
        { type: 'set_alerts', low_balance_threshold: request.body.low_balance_threshold },
        idempotencyKeyOf(request),
      );
      if (r.replayed) reply.header('idempotent-replayed', 'true');
      return {
        low_balance_threshold: r.value.low_balance_threshold,
        effective_threshold: r.value.effective_threshold,
        armed: r.value.low_balance_armed,
      };
    },
  );

  app.get(
    '/v1/orgs/:org/alerts',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags: ['notifications'],
        summary: 'Low-balance alert settings',
        params: OrgParams,
        response: { 200: Alerts, ...errorResponses },
      },
    },
    async (request) => {
      const s = await loadOrg(deps, request.params.org);
      return {
        low_balance_threshold: s.alerts?.low_balance_threshold ?? null,
        effective_threshold: lowBalanceThreshold(s, deps.catalog),
        armed: s.alerts?.low_balance_armed ?? true,
      };
    },
  );
}
