/**
 * `POST /v1/webhooks/stripe`: Stripe's notices. The signature covers the exact bytes sent,
 * so this route (alone) takes its body raw instead of parsing JSON; it is verified with
 * the webhook secret before anything is read from it. A verified notice that the ledger
 * refuses is still acknowledged (200): Stripe retrying it would not change the answer.
 */
import { Type } from '@sinclair/typebox';
import { handleStripeEvent } from '../../app/stripe-webhooks.ts';
import type { StripeProvider } from '../../app/vocabulary.ts';
import type { App, RouteContext } from '../context.ts';
import { HttpProblem } from '../problem.ts';
import { errorResponses, Obj } from '../schemas.ts';

const MAX_BODY_BYTES = 1024 * 1024;

export function stripeWebhookRoutes(app: App, { deps }: RouteContext) {
  app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) =>
      done(null, body),
    );
    raw.post(
      '/v1/webhooks/stripe',
      {
        config: { access: { kind: 'public' } },
        schema: {
          tags: ['payments'],
          summary: 'Stripe webhook endpoint (verified with Stripe-Signature over the raw body)',
          headers: Type.Object({ 'stripe-signature': Type.Optional(Type.String({ maxLength: 2000 })) }),
          response: {
            200: Obj({
              received: Type.Literal(true),
              outcome: Type.String(),
              detail: Type.Optional(Type.String()),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        if (deps.provider?.name !== 'stripe' || deps.payments !== 'stripe')
          throw new HttpProblem('not_found', 'Stripe is not configured on this server');
        const stripe = deps.provider as StripeProvider;
        const sig = request.headers['stripe-signature'];
        const body = request.body;
        if (typeof sig !== 'string' || !Buffer.isBuffer(body))
          throw new HttpProblem(
            'validation_failed',
            'a Stripe webhook needs a body and a Stripe-Signature header',
          );
        let event: ReturnType<StripeProvider['verify']>;
        try {
          event = stripe.verify(body, sig);
        } catch {
          throw new HttpProblem('validation_failed', 'the Stripe-Signature header does not match the body');
        }
        const r = await handleStripeEvent(deps, stripe, event);
        request.log.info({ stripe_event: event.id, type: event.type, ...r }, 'stripe webhook');
        return { received: true as const, outcome: r.outcome, ...(r.detail ? { detail: r.detail } : {}) };
      },
    );
  });
}
