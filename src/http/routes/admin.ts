/**
 * Operator endpoints: run due renewals, and the manual test clock (registered only when
 * AMISI_CLOCK=manual, so a production server has no way to move time at all).
 */
import { Type } from '@sinclair/typebox';
import { ManualClock } from '../../app/clock.ts';
import { runScheduledWork } from '../../app/scheduler.ts';
import type { App, RouteContext } from '../context.ts';
import { iso } from '../present.ts';
import { errorResponses, IdempotencyHeaders, Obj, Time } from '../schemas.ts';

/** Ten years: enough for any test of renewals, small enough that catch-up stays bounded. */
const MAX_ADVANCE_SECONDS = 10 * 366 * 24 * 3600;

export function adminRoutes(app: App, { deps, clock }: RouteContext) {
  const tags = ['operator'];
  const access = { kind: 'operator' } as const;

  app.post(
    '/v1/admin/renewals/run',
    {
      config: { access },
      schema: {
        tags,
        summary:
          'Run the scheduler once at the clock’s now: due renewals and expiries, alerts, the outbox, due webhook deliveries, emails and auto top-ups',
        headers: IdempotencyHeaders,
        body: Obj({}),
        response: {
          200: Obj({
            renewed: Type.Integer({ description: 'orgs brought up to date' }),
            alerts: Type.Integer({ description: 'time-driven alerts raised (credits.forfeit_soon)' }),
            dispatched: Type.Integer({ description: 'outbox events fanned out' }),
            deliveries: Type.Integer({ description: 'webhook delivery attempts' }),
            emails: Type.Integer(),
            auto_topups: Type.Integer({ description: 'auto top-up payments run' }),
            failures: Type.Integer({ description: 'attempts that failed (retried later or given up)' }),
          }),
          ...errorResponses,
        },
      },
    },
    async () => runScheduledWork(deps),
  );

  if (!(clock instanceof ManualClock)) return;
  const manual = clock;
  app.get(
    '/v1/admin/clock',
    {
      config: { access },
      schema: {
        tags,
        summary: 'The test clock (AMISI_CLOCK=manual only)',
        response: { 200: Obj({ now: Time }), ...errorResponses },
      },
    },
    async () => ({ now: iso(manual.now()) }),
  );
  app.post(
    '/v1/admin/clock/advance',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Move the test clock forward (AMISI_CLOCK=manual only)',
        headers: IdempotencyHeaders,
        body: Obj({ seconds: Type.Integer({ minimum: 0, maximum: MAX_ADVANCE_SECONDS }) }),
        response: { 200: Obj({ now: Time }), ...errorResponses },
      },
    },
    async (request) => ({ now: iso(manual.advance(request.body.seconds)) }),
  );
}
