/**
 * The API's shapes, by name. Every one is derived from ./openapi.ts, which is generated
 * from the server's own OpenAPI document (`npm run gen:client`; a test fails when it is
 * stale), so the client's types cannot drift from what the server validates and answers.
 * The client still ships alone: openapi.ts is types only, nothing from the server's code.
 *
 * Field names are the API's (snake_case); times are RFC 3339 UTC strings; credits and
 * money amounts (cents) are integers. A few shapes the document cannot say are written
 * here (marked), and checked against the generated ones in test/client/types-generated.test.ts.
 */
import type { components, operations } from './openapi.ts';

type Schemas = components['schemas'];
type Operation = keyof operations;
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
/** The JSON body of an operation's answer with status `S` (200 unless said). */
export type Answer<
  Op extends Operation,
  S extends keyof operations[Op]['responses'] = 200 & keyof operations[Op]['responses'],
> = JsonOf<operations[Op]['responses'][S]>;
/** The JSON request body of an operation. */
export type Body<Op extends Operation> = JsonOf<NonNullable<operations[Op]['requestBody']>>;
/** The query string parameters of an operation. */
export type Query<Op extends Operation> = NonNullable<operations[Op]['parameters']['query']>;

export type TierId = Schemas['TierId'];
export type GrantSource = keyof Schemas['BySource'];
export type TxnType = Schemas['TxnType'];
export type Role = Schemas['Role'];
export type Scope = Schemas['Scope'];
export type Metadata = Schemas['Metadata'];
export type Money = Schemas['Money'];
export type PricePerCredit = Schemas['PricePerCredit'];

/** One page of a cursor list: pass `next_cursor` as `starting_after` for the next. (Written here: generic.) */
export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/** `limit` 1..100 (default 20) and `starting_after` (the previous page's `next_cursor`). */
export type ListParams = Pick<Query<'listHolds'>, 'limit' | 'starting_after'>;

// --- catalog ---------------------------------------------------------------------------

export type Catalog = Schemas['Catalog'];
export type CatalogTier = Catalog['tiers'][number];
export type CatalogPack = Catalog['packs'][number];
export type CatalogOperation = Catalog['tools'][number]['operations'][number];

// --- orgs, balance, subscription ---------------------------------------------------------

export type Org = Schemas['Org'];
/** `tier` defaults to `free`; a paid tier (and the contract terms) is for the operator. */
export type CreateOrgParams = Body<'createOrg'>;
export type Balance = Schemas['Balance'];
export type Subscription = Schemas['Subscription'];
export type ChangeTierParams = Body<'changeSubscription'>;
export type PlanPreview = Schemas['PlanPreview'];
export type PlanPreviewParams = Body<'previewSubscriptionChange'>;

// --- spending ----------------------------------------------------------------------------

export type QuoteParams = Body<'createQuote'>;
export type WorkItem = QuoteParams['items'][number];
export type ScopeParams = Pick<QuoteParams, 'member_id' | 'project_id'>;
export type Quote = Answer<'createQuote'>;
export type UsageParams = Body<'recordUsage'>;
export type Usage = Schemas['Usage'];
export type Transaction = Schemas['Transaction'];
export type TransactionSource = Transaction['sources'][number];
/** `from` is inclusive, `to` exclusive (RFC 3339). */
export type TransactionFilter = Omit<Query<'listTransactions'>, 'limit' | 'starting_after'>;
export type Hold = Schemas['Hold'];
export type HoldStatus = Hold['status'];

/** Give exactly one of `amount` or priced `items`. (Written here: the document cannot say "exactly one".) */
export type CreateHoldParams = Omit<Body<'createHold'>, 'amount' | 'items'> &
  ({ amount: number; items?: never } | { items: WorkItem[]; amount?: never });

/** `amount` defaults to the whole hold. */
export type CaptureParams = Body<'captureHold'>;
export type Grant = Schemas['Grant'];
/** Non-zero: positive adds a never-expiring grant, negative takes credits back. */
export type AdjustmentParams = Body<'createAdjustment'>;

// --- purchases ---------------------------------------------------------------------------

export type Purchase = Schemas['Purchase'];
export type AutoTopupParams = Body<'setAutoTopup'>;
export type AutoTopup = Schemas['AutoTopup'];

// --- receipts --------------------------------------------------------------------------------

/** One payment of the org's billing history. Amounts are minor units (cents), always positive. */
export type Receipt = Answer<'getReceipt', 200>;
export type BillingEntry = Receipt['payment'];

// --- team --------------------------------------------------------------------------------

export type Member = Schemas['Member'];
/** An emailed, single-use, expiring offer to join an org (docs/accounts.md). */
export type Invitation = Schemas['Invitation'];
export type InvitationStatus = Invitation['status'];
export type InvitationParams = Body<'createInvitation'>;

/**
 * What `POST /v1/orgs/{org}/members` answers: the member (201) when the operator key adds
 * them at once, or `{invitation}` (202) for every org credential: they join by accepting it.
 */
export type AddMemberResult = Answer<'addMember', 201> | Answer<'addMember', 202>;
export type InvitationPreview = Answer<'previewInvitation'>;
export type AcceptedInvitation = Answer<'acceptInvitation'>;
export type Project = Schemas['Project'];
export type BudgetParams = Body<'setBudget'>;
export type Budget = Schemas['Budget'];

// --- reports and insights ----------------------------------------------------------------

export type UsageReportParams = Query<'getUsageReport'>;
export type UsageGroup = NonNullable<UsageReportParams['group_by']>;
export type UsageReport = Answer<'getUsageReport'>;
export type Insights = Answer<'getInsights'>;
/** `periods`: complete periods the advice looks back over; `burn_window_days`: days the burn rate is measured over. */
export type InsightsParams = Query<'getInsights'>;
export type AdviceAction = Insights['advice']['action'];
export type PackLine = NonNullable<Insights['advice']['packs']>[number];
export type OptionCost = Insights['advice']['costs'][number];
export type ConsumerShare = Insights['audit']['top_members'][number];

// --- api keys, auth, operator ------------------------------------------------------------

export type ApiKey = Schemas['ApiKey'];
export type ApiKeyParams = Body<'createApiKey'>;
/** `secret` is shown once; a replay of the same request returns the key without it. */
export type CreatedApiKey = Answer<'createApiKey', 201>;
export type User = Schemas['User'];
export type Me = Schemas['Me'];
/** The same whether or not the email has an account. */
export type PasswordResetRequested = Answer<'requestPasswordReset', 202>;
export type PasswordResetDone = Answer<'confirmPasswordReset'>;
export type EmailChanged = Answer<'confirmEmailChange'>;
export type AccountDeleted = Answer<'deleteAccount'>;
export type OwnershipTransferred = Answer<'transferOwnership'>;
/** A place the person is signed in (never its token). */
export type SessionInfo = Answer<'listSessions'>['data'][number];
export type SignupParams = Body<'signUp'>;
/**
 * Sign-up's answer, the same whether or not the email already had an account (so it
 * cannot be used to find out who has one). Sign in to get the org: `auth.login` lists it
 * in `memberships`.
 */
export type SignupResult = Answer<'signUp', 202>;
/** The problem+json body of every refusal (RFC 9457) with the API's stable `code`. */
export type Problem = Schemas['Problem'];
/** What one run of the scheduler did (`admin.renewals.run`). */
export type ScheduledWork = Answer<'runScheduler'>;

// --- generation ----------------------------------------------------------------------------

export type CreateGenerationParams = Body<'createGeneration'>;
export type ImageFormat = NonNullable<CreateGenerationParams['format']>;
export type FinalizeParams = Body<'finalizeGenerationImage'>;
export type GenerationImage = Schemas['GenerationImage'];
export type GenerationBatch = Schemas['GenerationBatch'];
export type Tools = Answer<'listTools'>;

/**
 * One Server-Sent Event of a batch: `progress` per image, then `done` with the settled batch.
 * (Written here: the document describes the stream, not its events.)
 */
export type GenerationEvent =
  | {
      event: 'progress';
      data: { batch_id: string; done: number; total: number; image: GenerationImage };
    }
  | { event: 'done'; data: GenerationBatch };

// --- webhooks ----------------------------------------------------------------------------------

export type WebhookEndpoint = Schemas['WebhookEndpoint'];
/** `secret` (whsec_…) verifies the webhook-signature header; it is shown once. */
export type CreatedWebhookEndpoint = Answer<'createWebhookEndpoint', 201>;
/** `events`: event types, or `*` for all. */
export type CreateWebhookEndpointParams = Body<'createWebhookEndpoint'>;
export type WebhookDelivery = Schemas['WebhookDelivery'];

// --- notifications, alerts ---------------------------------------------------------------

export type Notification = Schemas['Notification'];
export type Email = Answer<'listEmails'>['data'][number];
export type Alerts = Schemas['Alerts'];
