/**
 * TypeBox schemas shared by the routes. The same schemas validate requests (unknown
 * fields refused, every number bounded, every string and array limited) and generate
 * /openapi.json, so the published contract cannot drift from what the server accepts.
 */
import { type Static, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { GRANT_SOURCES, MAX_CREDITS_PER_COMMAND, MAX_QUANTITY, TIER_IDS, TXN_TYPES } from '../core/index.ts';

/** An object that refuses fields it does not name. */
export const Obj = <T extends TProperties>(props: T, opts: { description?: string; title?: string } = {}) =>
  Type.Object(props, { additionalProperties: false, ...opts });

export const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);

export const ID_PATTERN = '^[A-Za-z0-9_.-]+$';
export const Id = (description?: string) =>
  Type.String({ minLength: 1, maxLength: 100, pattern: ID_PATTERN, ...(description ? { description } : {}) });

export const Time = Type.String({ format: 'date-time', description: 'RFC 3339, UTC' });
export const NullableTime = Nullable(Time);

/** Credits moved by one command: a positive integer, bounded (TigerBeetle: a limit on everything). */
export const Credits = (description?: string, minimum = 1) =>
  Type.Integer({ minimum, maximum: MAX_CREDITS_PER_COMMAND, ...(description ? { description } : {}) });
export const Quantity = Type.Integer({ minimum: 1, maximum: MAX_QUANTITY, default: 1 });

export const Name = (max = 200) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
export const Email = Type.String({
  minLength: 3,
  maxLength: 254,
  pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
  description: 'an email address',
});

export const ToolId = Type.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN });
export const OperationId = Type.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN });

export const Metadata = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$' }),
  Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean(), Type.Null()]),
  {
    maxProperties: 20,
    additionalProperties: false,
    description: 'up to 20 keys of at most 40 characters ([A-Za-z0-9_.-]); string values up to 500',
  },
);

export const Money = Obj({
  amount: Type.Integer({ description: 'minor units (cents)' }),
  currency: Type.String(),
});

/** What one credit costs, kept integer: thousandths of the minor unit (millicents for USD). */
export const PricePerCredit = Obj(
  {
    amount_milli: Type.Integer({
      description: 'thousandths of the minor unit (millicents for USD), rounded half up',
    }),
    currency: Type.String(),
    display: Type.String({ description: 'the same in the currency’s format, e.g. "$0.29995"' }),
  },
  { description: 'the price of one credit' },
);

export const TierId = Type.Union(
  TIER_IDS.map((t) => Type.Literal(t)),
  { description: TIER_IDS.join(' | ') },
);
export const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);
export const ScopeName = Type.Union([
  Type.Literal('read'),
  Type.Literal('usage'),
  Type.Literal('billing'),
  Type.Literal('admin'),
]);
export const TxnType = Type.Union(TXN_TYPES.map((t) => Type.Literal(t)));
export const GrantSource = Type.Union(GRANT_SOURCES.map((s) => Type.Literal(s)));

export const OrgParams = Obj({ org: Id('org id') });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'up to 255 printable ASCII characters; a replay returns the first response',
    }),
  ),
});

export const ListQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  starting_after: Type.Optional(Id('return items after this id (the previous page’s next_cursor)')),
};

export const Page = <T extends TSchema>(item: T) =>
  Obj({ data: Type.Array(item), has_more: Type.Boolean(), next_cursor: Nullable(Type.String()) });

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details with a stable machine code' },
);

/** Error responses of every route: problem+json. */
export const errorResponses = {
  '4xx': {
    description: 'refused: see `code`',
    content: { 'application/problem+json': { schema: Problem } },
  },
  '5xx': {
    description: 'server error',
    content: { 'application/problem+json': { schema: Problem } },
  },
} as const;

// --- resources ---------------------------------------------------------------------

export const Org = Obj({
  id: Type.String(),
  name: Type.String(),
  tier: Type.String(),
  created_at: Time,
  closed_at: Type.Union([Time, Type.Null()], {
    description:
      'when its owner closed it: its history stays readable, every change is refused (410 org_closed)',
  }),
});

export const Subscription = Obj({
  tier: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('none'), Type.Literal('past_due')], {
    description: 'past_due: the last invoice is unpaid; renewals withhold the allocation until it is paid',
  }),
  period_start: NullableTime,
  period_end: NullableTime,
  pending_tier: Nullable(Type.String()),
  cancel_at_period_end: Type.Boolean(),
  checkout_url: Type.Optional(
    Type.String({ description: 'Stripe: pay here to start the plan; the tier changes when Stripe confirms' }),
  ),
});

export const Usage = Obj({
  tool: Type.String(),
  operation: Type.String(),
  quantity: Type.Integer(),
  params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
  member_id: Nullable(Type.String()),
  project_id: Nullable(Type.String()),
  job_id: Type.Optional(Nullable(Type.String())),
  metadata: Type.Optional(Metadata),
});

export const Transaction = Obj({
  id: Type.String(),
  type: Type.String(),
  amount: Type.Integer({ description: 'signed change of the balance' }),
  balance_after: Type.Integer(),
  sources: Type.Array(Obj({ grant_id: Type.String(), source: Type.String(), amount: Type.Integer() })),
  usage: Type.Optional(Usage),
  hold_id: Nullable(Type.String()),
  purchase_id: Nullable(Type.String()),
  description: Type.String(),
  created_at: Time,
});

export const Hold = Obj({
  id: Type.String(),
  amount: Type.Integer(),
  status: Type.Union([
    Type.Literal('open'),
    Type.Literal('captured'),
    Type.Literal('released'),
    Type.Literal('expired'),
  ]),
  captured: Type.Integer(),
  member_id: Nullable(Type.String()),
  project_id: Nullable(Type.String()),
  created_at: Time,
  expires_at: Time,
  resolved_at: NullableTime,
});

export const Grant = Obj({
  id: Type.String(),
  source: Type.String(),
  amount: Type.Integer(),
  remaining: Type.Integer(),
  granted_at: Time,
  expires_at: NullableTime,
  closed_at: NullableTime,
  closed_reason: Nullable(Type.String()),
  purchase_id: Nullable(Type.String()),
});

export const Purchase = Obj({
  id: Type.String(),
  pack: Type.String(),
  credits: Type.Integer(),
  price: Money,
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('completed'),
    Type.Literal('refunded'),
    Type.Literal('failed'),
  ]),
  checkout_url: Type.Optional(Type.String()),
  auto_topup: Type.Optional(Type.Boolean({ description: 'bought by auto top-up' })),
  failure_reason: Type.Optional(Type.String({ description: 'why the payment failed (status failed)' })),
  revoked: Type.Integer(),
  created_at: Time,
  completed_at: NullableTime,
  refunded_at: NullableTime,
});

export const Member = Obj({ id: Type.String(), email: Type.String(), role: Role, created_at: Time });
export const Project = Obj({ id: Type.String(), name: Type.String(), created_at: Time });

export const Budget = Obj({
  id: Type.String(),
  scope: Type.Union([Type.Literal('member'), Type.Literal('project')]),
  scope_id: Type.String(),
  limit: Type.Integer(),
  enforcement: Type.Union([Type.Literal('hard'), Type.Literal('soft')]),
  period_start: Time,
  spent: Type.Integer(),
  held: Type.Integer(),
  remaining: Type.Integer(),
});

export const ApiKey = Obj({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(ScopeName),
  prefix: Type.String({ description: 'the first characters of the secret, to tell keys apart' }),
  created_at: Time,
  revoked_at: NullableTime,
});

export const BySource = Obj(
  Object.fromEntries(GRANT_SOURCES.map((s) => [s, Type.Integer()])) as Record<
    (typeof GRANT_SOURCES)[number],
    ReturnType<typeof Type.Integer>
  >,
);

export type OrgT = Static<typeof Org>;
export type SubscriptionT = Static<typeof Subscription>;
export type TransactionT = Static<typeof Transaction>;
export type HoldT = Static<typeof Hold>;
export type GrantT = Static<typeof Grant>;
export type PurchaseT = Static<typeof Purchase>;
export type MemberT = Static<typeof Member>;
export type ProjectT = Static<typeof Project>;
export type BudgetT = Static<typeof Budget>;
export type ApiKeyT = Static<typeof ApiKey>;
