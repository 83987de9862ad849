/**
 * The API's shapes, written by hand from ../../../shared/API.md and the server's schemas
 * (src/http/schemas.ts), so the client ships alone with no dependency on the server's
 * code. Field names are the API's (snake_case); times are RFC 3339 UTC strings; credits
 * and money amounts (cents) are integers.
 */

export type TierId = 'free' | 'basic' | 'pro' | 'business' | 'enterprise';
export type GrantSource = 'free' | 'subscription' | 'rollover' | 'purchase' | 'adjustment';
export type TxnType =
  | 'free_grant'
  | 'allocation'
  | 'rollover'
  | 'expiry'
  | 'purchase'
  | 'usage'
  | 'refund'
  | 'adjustment';
export type Role = 'owner' | 'admin' | 'member';
export type Scope = 'read' | 'usage' | 'billing' | 'admin';
export type Metadata = Record<string, string | number | boolean | null>;

export interface Money {
  /** Minor units (cents). */
  amount: number;
  currency: string;
}

/** One page of a cursor list: pass `next_cursor` as `starting_after` for the next. */
export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface ListParams {
  /** 1..100, default 20. */
  limit?: number;
  starting_after?: string;
}

// --- catalog ---------------------------------------------------------------------------

export interface CatalogTier {
  id: TierId;
  name: string;
  allocation: number;
  recurring: boolean;
  rollover_cap: number;
  team: boolean;
  /** `example: true` marks a placeholder price shipped with the default config. */
  price: (Money & { example?: boolean }) | null;
  custom?: boolean;
}

export interface CatalogPack {
  id: string;
  credits: number;
  price: Money;
}

export interface CatalogOperation {
  id: string;
  name?: string;
  params: Record<string, string | number>;
  credits: number;
}

export interface Catalog {
  currency: string;
  tiers: CatalogTier[];
  packs: CatalogPack[];
  tools: { id: string; name?: string; operations: CatalogOperation[] }[];
}

// --- orgs, balance, subscription ---------------------------------------------------------

export interface Org {
  id: string;
  name: string;
  tier: TierId | string;
  created_at: string;
  /** When its owner closed it (every change is then refused with `org_closed`); null while open. */
  closed_at: string | null;
}

export interface CreateOrgParams {
  name: string;
  /** Default `free`; a paid tier (and the contract terms) is for the operator. */
  tier?: TierId;
  allocation?: number;
  rollover_cap?: number;
  overage_limit?: number;
}

export interface Balance {
  balance: number;
  available: number;
  held: number;
  by_source: Record<GrantSource, number>;
  tier: string;
  allocation: number;
  rollover_cap: number;
  period_start: string | null;
  period_end: string | null;
  forfeit_at_renewal: number;
  overage_limit: number;
  overage_used: number;
}

export interface Subscription {
  tier: string;
  status: 'active' | 'none';
  period_start: string | null;
  period_end: string | null;
  pending_tier: string | null;
  cancel_at_period_end: boolean;
  /** Stripe: pay here to start the plan; the tier changes when Stripe confirms. */
  checkout_url?: string;
}

export interface ChangeTierParams {
  tier: TierId;
  allocation?: number;
  rollover_cap?: number;
  overage_limit?: number;
}

// --- spending ----------------------------------------------------------------------------

export interface WorkItem {
  tool: string;
  operation: string;
  quantity?: number;
}

export interface ScopeParams {
  member_id?: string;
  project_id?: string;
}

export interface QuoteParams extends ScopeParams {
  items: WorkItem[];
}

export interface Quote {
  total: number;
  items: { tool: string; operation: string; quantity: number; credits: number }[];
  available: number;
  affordable: boolean;
  budget_ok: boolean;
}

export interface UsageParams extends ScopeParams {
  tool: string;
  operation: string;
  quantity?: number;
  job_id?: string;
  metadata?: Metadata;
}

export interface Usage {
  tool: string;
  operation: string;
  quantity: number;
  params?: Record<string, string | number>;
  member_id: string | null;
  project_id: string | null;
  job_id?: string | null;
  metadata?: Metadata;
}

export interface TransactionSource {
  grant_id: string;
  source: GrantSource | 'credit_line' | string;
  amount: number;
}

export interface Transaction {
  id: string;
  type: TxnType | string;
  /** Signed change of the balance. */
  amount: number;
  balance_after: number;
  sources: TransactionSource[];
  usage?: Usage;
  hold_id: string | null;
  purchase_id: string | null;
  description: string;
  created_at: string;
}

export interface TransactionFilter {
  type?: TxnType;
  member_id?: string;
  project_id?: string;
  /** RFC 3339, inclusive. */
  from?: string;
  /** RFC 3339, exclusive. */
  to?: string;
}

export type HoldStatus = 'open' | 'captured' | 'released' | 'expired';

export interface Hold {
  id: string;
  amount: number;
  status: HoldStatus;
  captured: number;
  member_id: string | null;
  project_id: string | null;
  created_at: string;
  expires_at: string;
  resolved_at: string | null;
}

/** Give exactly one of `amount` or priced `items`. */
export type CreateHoldParams = ScopeParams & {
  ttl_seconds?: number;
} & ({ amount: number; items?: never } | { items: WorkItem[]; amount?: never });

export interface CaptureParams {
  /** Defaults to the whole hold. */
  amount?: number;
  tool: string;
  operation: string;
  quantity?: number;
  job_id?: string;
  metadata?: Metadata;
}

export interface Grant {
  id: string;
  source: GrantSource | string;
  amount: number;
  remaining: number;
  granted_at: string;
  expires_at: string | null;
  closed_at: string | null;
  closed_reason: string | null;
  purchase_id: string | null;
}

export interface AdjustmentParams {
  /** Non-zero: positive adds a never-expiring grant, negative takes credits back. */
  amount: number;
  reason: string;
}

// --- purchases ---------------------------------------------------------------------------

export interface Purchase {
  id: string;
  pack: string;
  credits: number;
  price: Money;
  status: 'pending' | 'completed' | 'refunded' | 'failed';
  /** Stripe: pay here; the purchase completes when Stripe confirms. */
  checkout_url?: string;
  /** Bought by auto top-up. */
  auto_topup?: boolean;
  /** Why the payment failed (status `failed`). */
  failure_reason?: string;
  revoked: number;
  created_at: string;
  completed_at: string | null;
  refunded_at: string | null;
}

// --- team --------------------------------------------------------------------------------

export interface Member {
  id: string;
  email: string;
  role: Role;
  created_at: string;
}

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

/** An emailed, single-use, expiring offer to join an org (docs/accounts.md). */
export interface Invitation {
  id: string;
  org_id: string;
  /** Only an account whose verified email is this one may accept. */
  email: string;
  role: Role;
  status: InvitationStatus;
  /** `admin` (the operator key), an API key id or a user id. */
  invited_by: string;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
  member_id: string | null;
}

/**
 * What `POST /v1/orgs/{org}/members` answers: the member (201) when the operator key adds
 * them at once, or `{invitation}` (202) for every org credential: they join by accepting it.
 */
export type AddMemberResult = Member | { invitation: Invitation };

export interface InvitationPreview {
  org: { id: string; name: string };
  email: string;
  role: Role;
  status: 'pending';
  expires_at: string;
}

export interface AcceptedInvitation {
  invitation: Invitation;
  member: Member;
  org: { id: string; name: string };
}

export interface Project {
  id: string;
  name: string;
  created_at: string;
}

export interface BudgetParams {
  scope: 'member' | 'project';
  scope_id: string;
  limit: number;
  enforcement: 'hard' | 'soft';
}

export interface Budget extends BudgetParams {
  id: string;
  period_start: string;
  spent: number;
  held: number;
  remaining: number;
}

// --- reports and insights ----------------------------------------------------------------

export type UsageGroup = 'tool' | 'operation' | 'member' | 'project' | 'day';

export interface UsageReportParams {
  group_by?: UsageGroup;
  from?: string;
  to?: string;
}

export interface UsageReport {
  group_by: string;
  rows: { key: string; credits: number; count: number }[];
  total: number;
  count: number;
}

export type AdviceAction = 'stay' | 'buy_packs' | 'upgrade' | 'downgrade';

export interface PackLine {
  id: string;
  count: number;
  credits: number;
  price: Money;
}

export interface OptionCost {
  option: AdviceAction;
  tier: string;
  amount: Money;
  subscription: Money;
  packs: PackLine[];
  example: boolean;
  detail: string;
}

export interface ConsumerShare {
  key: string;
  credits: number;
  count: number;
  share_pct: number;
}

export interface Insights {
  generated_at: string;
  advice: {
    action: AdviceAction;
    tier?: string;
    packs?: PackLine[];
    packs_price?: Money;
    reason: string;
    costs: OptionCost[];
    basis: {
      periods: number;
      allocation: number;
      typical_usage: number;
      typical_overage: number;
      periods_over: number;
      periods_over_50: number;
      periods_forfeiting: number;
      forfeited: number;
      spike: boolean;
      cheapest: { option: AdviceAction; tier: string } | null;
    };
    periods: { start: string; end: string; used: number; forfeited: number }[];
  };
  forecast: {
    burn_per_day: number;
    window_days: number;
    used_in_window: number;
    available: number;
    runs_out_at: string | null;
    period_end: string | null;
    runs_out_before_renewal: boolean;
    projected_use_until_renewal: number;
    shortfall: number;
    arriving_at_renewal: number;
    forfeit_at_renewal: number;
    projected_forfeit_at_renewal: number;
    last_year: { from: string; to: string; used: number } | null;
  };
  efficiency: {
    actual: number;
    iterative: number;
    savings: number;
    savings_pct: number;
    groups: number;
    generations: number;
    top: {
      by: 'prompt' | 'job_id';
      key: string;
      tool: string;
      generations: number;
      actual: number;
      iterative: number;
      savings: number;
    }[];
    from: string;
    to: string;
    truncated: boolean;
  };
  audit: {
    from: string;
    to: string;
    total: number;
    top_members: ConsumerShare[];
    top_projects: ConsumerShare[];
    resolutions: (ConsumerShare & {
      tool: string;
      operation: string;
      params: Record<string, string | number>;
    })[];
  };
}

export interface InsightsParams {
  /** Complete periods the advice looks back over, 1..24 (default 6). */
  periods?: number;
  /** Days the burn rate is measured over, 1..90 (default 14). */
  burn_window_days?: number;
}

// --- api keys, auth, operator ------------------------------------------------------------

export interface ApiKey {
  id: string;
  name: string;
  scopes: Scope[];
  prefix: string;
  created_at: string;
  revoked_at: string | null;
}

/** `secret` is shown once; a replay of the same request returns the key without it. */
export interface CreatedApiKey extends ApiKey {
  secret?: string;
}

export interface User {
  id: string;
  email: string;
  /** False until the link mailed at sign-up is opened (POST /v1/auth/verify-email). */
  email_verified: boolean;
  created_at: string;
}

export interface Me {
  user: User;
  memberships: { org_id: string; member_id: string; role: Role }[];
  csrf_token: string;
  expires_at: string;
}

/** The same whether or not the email has an account. */
export interface PasswordResetRequested {
  email: string;
  message: string;
}

export interface PasswordResetDone {
  user: User;
  /** Every session of the account ended with the reset. */
  sessions_ended: number;
}

export interface EmailChanged {
  user: User;
  old_email: string;
  /** Memberships moved to the new address (the same member ids and roles). */
  memberships_moved: number;
}

export interface AccountDeleted {
  deleted: boolean;
  orgs_left: string[];
  /** Orgs that were the person's alone, closed with the account. */
  orgs_closed: string[];
}

export interface OwnershipTransferred {
  org: Org;
  /** Now an admin. */
  previous_owner: Member;
  owner: Member;
}

/** A place the person is signed in (never its token). */
export interface SessionInfo {
  id: string;
  /** The session making the request. */
  current: boolean;
  created_at: string;
  /** To the minute. */
  last_seen_at: string;
  expires_at: string;
  user_agent: string | null;
  /** The client address the server saw at sign-in. */
  ip: string | null;
}

export interface SignupParams {
  email: string;
  password: string;
  org_name?: string;
}

/**
 * Sign-up's answer, the same whether or not the email already had an account (so it
 * cannot be used to find out who has one). Sign in to get the org: `auth.login` lists it
 * in `memberships`.
 */
export interface SignupResult {
  email: string;
  message: string;
}

/** The problem+json body of every refusal (RFC 9457) with the API's stable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  [extra: string]: unknown;
}

// --- generation ----------------------------------------------------------------------------

export type ImageFormat = 'png' | 'webp';

export interface CreateGenerationParams extends ScopeParams {
  /** One image per prompt, all at `operation` (e.g. `720p` for drafts). */
  prompts: string[];
  operation: string;
  /** Image i renders with seed + i; random when absent. */
  seed?: number;
  format?: ImageFormat;
}

export interface FinalizeParams extends ScopeParams {
  /** A resolution higher than the draft's. */
  operation: string;
  format?: ImageFormat;
}

export interface GenerationImage {
  id: string;
  index: number;
  prompt: string;
  operation: string;
  seed: number;
  /** rendered: stored, its credits held; succeeded: delivered and charged; failed: never charged. */
  status: 'pending' | 'rendered' | 'succeeded' | 'failed';
  credits: number;
  url: string | null;
  width: number;
  height: number;
  bytes: number | null;
  error: { code: string; message: string; retryable: boolean } | null;
}

export interface GenerationBatch {
  id: string;
  status: 'running' | 'succeeded' | 'partially_succeeded' | 'failed';
  tool: string;
  operation: string;
  width: number;
  height: number;
  format: ImageFormat;
  credits_per_image: number;
  credits: { held: number; charged: number; released: number };
  hold_id: string | null;
  hold_expires_at: string | null;
  transaction_id: string | null;
  summary: string | null;
  error: { code: string; message: string } | null;
  finalize_of: { batch_id: string; image_id: string } | null;
  member_id: string | null;
  project_id: string | null;
  backend: { id: string; name: string; kind: 'preview' | 'ai' };
  events_url: string;
  created_at: string;
  completed_at: string | null;
  images: GenerationImage[];
}

/** One Server-Sent Event of a batch: `progress` per image, then `done` with the settled batch. */
export type GenerationEvent =
  | {
      event: 'progress';
      data: { batch_id: string; done: number; total: number; image: GenerationImage };
    }
  | { event: 'done'; data: GenerationBatch };

export interface Tools {
  backend: { id: string; name: string; kind: 'preview' | 'ai'; notice: string };
  tools: { id: string; name: string; operations: CatalogOperation[] }[];
  limits: {
    max_prompt_chars: number;
    max_batch_size: number;
    max_seed: number;
    batches_per_org: number;
    formats: string[];
  };
}

// --- webhooks ----------------------------------------------------------------------------------

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  created_at: string;
}

/** `secret` (whsec_…) verifies the webhook-signature header; it is shown once. */
export interface CreatedWebhookEndpoint extends WebhookEndpoint {
  secret?: string;
}

export interface CreateWebhookEndpointParams {
  url: string;
  /** Event types, or `*` for all. */
  events: string[];
  description?: string;
}

export interface WebhookDelivery {
  /** The webhook-id header: the same on every retry. */
  id: string;
  event_id: string | null;
  event_type: string | null;
  status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  finished_at: string | null;
  payload: Record<string, unknown>;
}

// --- notifications, alerts, auto top-up ----------------------------------------------------

export interface Notification {
  id: string;
  /** The event type it reports, e.g. `credits.low_balance`. */
  type: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  created_at: string;
  read_at: string | null;
}

export interface Email {
  id: string;
  to: string[];
  subject: string;
  text: string;
  /** stored: kept in the outbox because no SMTP server is configured; succeeded: sent. */
  status: 'pending' | 'succeeded' | 'failed' | 'stored';
  event_type: string | null;
  attempts: number;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface AutoTopupParams {
  /** Default true. */
  enabled?: boolean;
  /** Buy when available credits drop below this. */
  threshold: number;
  pack: string;
  /** Top-ups per billing period (a calendar month without one). */
  monthly_max: number;
}

export interface AutoTopup {
  enabled: boolean;
  threshold: number;
  pack: string;
  monthly_max: number;
  /** False after a top-up fired, until available is back at the threshold. */
  armed: boolean;
  used_this_period: number;
  period_start: string;
  pending_purchase_id: string | null;
}

export interface Alerts {
  /** null: the default (20% of the allocation, at least 1). */
  low_balance_threshold: number | null;
  effective_threshold: number;
  armed: boolean;
}

/** What one run of the scheduler did (`admin.renewals.run`). */
export interface ScheduledWork {
  renewed: number;
  alerts?: number;
  dispatched?: number;
  deliveries?: number;
  emails?: number;
  auto_topups?: number;
  failures?: number;
}
