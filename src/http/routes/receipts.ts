/**
 * Receipts: an org's billing history and the receipt of each payment. Money is the
 * `billing` scope's business: owners, admins and keys with `billing` read it; members and
 * keys without it do not (a member sees the credits, not what the org paid).
 */
import { Type } from '@sinclair/typebox';
import {
  billingHistory,
  type BillingEntry as Entry,
  type Receipt as Made,
  receiptFor,
} from '../../app/receipts.ts';
import type { App, RouteContext } from '../context.ts';
import { iso } from '../present.ts';
import { errorResponses, Id, ListQuery, Nullable, Obj, OrgParams, Page, Time } from '../schemas.ts';

const Minor = (description: string) => Type.Integer({ minimum: 0, description });

const BillingEntry = Obj({
  id: Type.String({
    description:
      'the payment id (the provider’s: pi_…, in_…; devpay_…/devplan_… in development; rf_… for a refund)',
  }),
  kind: Type.Union([Type.Literal('pack_purchase'), Type.Literal('plan_charge'), Type.Literal('refund')]),
  amount: Minor('minor units (cents); a refund’s is the money given back'),
  currency: Type.String(),
  credits: Nullable(
    Type.Integer({ description: 'credits bought (pack, period allocation) or revoked (refund)' }),
  ),
  status: Type.Union([Type.Literal('succeeded'), Type.Literal('refunded')], {
    description: 'refunded: paid, then given back in full (the refund is its own entry)',
  }),
  created_at: Time,
  description: Type.String(),
  provider: Type.String({ description: 'development | stripe' }),
  receipt_url: Nullable(
    Type.String({
      description:
        'Stripe’s hosted receipt or invoice page; the web app’s printable receipt with the development provider',
    }),
  ),
  refund_of: Nullable(Type.String({ description: 'the payment a refund gave back' })),
});

const Receipt = Obj({
  receipt_number: Type.String({ description: 'AC-<yyyymmdd>-<8 hex digits>, derived from the payment id' }),
  payment: BillingEntry,
  seller: Obj({ name: Type.String(), url: Nullable(Type.String()) }),
  buyer: Obj({ org_id: Type.String(), name: Type.String() }),
  line_items: Type.Array(
    Obj({
      description: Type.String(),
      quantity: Type.Integer({ minimum: 1 }),
      unit_amount: Minor('minor units'),
      amount: Minor('minor units'),
      credits: Nullable(Type.Integer()),
    }),
  ),
  subtotal: Minor('minor units'),
  tax: Obj({ amount: Minor('minor units'), note: Type.String() }),
  total: Minor('minor units'),
  currency: Type.String(),
  payment_method: Nullable(Type.String({ description: 'how it was paid, when known ("visa •••• 4242")' })),
  provider_receipt_url: Nullable(Type.String({ description: 'the provider’s own receipt, when it has one' })),
});

const presentEntry = (e: Entry) => ({ ...e, created_at: iso(e.created_at) });
const presentReceipt = (r: Made) => ({ ...r, payment: presentEntry(r.payment) });

export function receiptRoutes(app: App, { deps }: RouteContext) {
  const tags = ['receipts'];

  app.get(
    '/v1/orgs/:org/billing/history',
    {
      config: { access: { kind: 'org', scope: 'billing' } },
      schema: {
        tags,
        summary: 'Billing history: pack purchases, plan charges and refunds, newest first',
        params: OrgParams,
        querystring: Obj(ListQuery),
        response: { 200: Page(BillingEntry), ...errorResponses },
      },
    },
    async (request) => {
      const page = await billingHistory(
        deps,
        request.params.org,
        request.query.limit ?? 20,
        request.query.starting_after,
      );
      return { ...page, data: page.data.map(presentEntry) };
    },
  );

  app.get(
    '/v1/orgs/:org/billing/receipts/:payment_id',
    {
      config: { access: { kind: 'org', scope: 'billing' } },
      schema: {
        tags,
        summary: 'The receipt of one payment of the org',
        params: Obj({ org: Id('org id'), payment_id: Id('payment id (an id of the billing history)') }),
        response: { 200: Receipt, ...errorResponses },
      },
    },
    async (request) => presentReceipt(await receiptFor(deps, request.params.org, request.params.payment_id)),
  );
}
