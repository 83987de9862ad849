/**
 * `AmisiClient`: every endpoint of the Amisi Credits API as a typed method, grouped by
 * resource (`client.holds.capture(org, hold, …)`). Mutations accept `{ idempotencyKey }`
 * and otherwise get one generated per call; lists return a `Paginator` to `for await` over.
 */
import { Paginator } from './pagination.ts';
import { type Call, type ClientOptions, type RequestOptions, Transport } from './transport.ts';
import type {
  AcceptedInvitation,
  AccountDeleted,
  AddMemberResult,
  AdjustmentParams,
  Alerts,
  ApiKey,
  AutoTopup,
  AutoTopupParams,
  Balance,
  BillingEntry,
  Budget,
  BudgetParams,
  CaptureParams,
  Catalog,
  ChangeTierParams,
  CreatedApiKey,
  CreatedWebhookEndpoint,
  CreateGenerationParams,
  CreateHoldParams,
  CreateOrgParams,
  CreateWebhookEndpointParams,
  Email,
  EmailChanged,
  FinalizeParams,
  GenerationBatch,
  GenerationEvent,
  Grant,
  Hold,
  HoldStatus,
  Insights,
  InsightsParams,
  Invitation,
  InvitationPreview,
  ListParams,
  Me,
  Member,
  Notification,
  Org,
  OwnershipTransferred,
  Page,
  PasswordResetDone,
  PasswordResetRequested,
  Project,
  Purchase,
  Quote,
  QuoteParams,
  Receipt,
  Role,
  ScheduledWork,
  Scope,
  SessionInfo,
  SignupParams,
  SignupResult,
  Subscription,
  Tools,
  Transaction,
  TransactionFilter,
  UsageParams,
  UsageReport,
  UsageReportParams,
  User,
  WebhookDelivery,
  WebhookEndpoint,
} from './types.ts';

const seg = (s: string) => encodeURIComponent(s);
const orgPath = (org: string, rest = '') => `/v1/orgs/${seg(org)}${rest}`;

export class AmisiClient {
  private readonly t: Transport;

  constructor(options: ClientOptions) {
    this.t = new Transport(options);
  }

  /** Whether the client is using a session from `auth.login` (no API key given). */
  get signedIn(): boolean {
    return this.t.session !== null;
  }

  private call<T>(c: Call, o?: RequestOptions) {
    return this.t.request<T>(c, o);
  }
  private get<T>(path: string, query?: Call['query'], o?: RequestOptions) {
    return this.call<T>({ method: 'GET', path, query }, o);
  }
  private post<T>(path: string, body: unknown, o?: RequestOptions, replayable = true) {
    return this.call<T>({ method: 'POST', path, body, replayable }, o);
  }
  private pages<T>(path: string, query: Record<string, string | number | undefined>, o?: RequestOptions) {
    return new Paginator<T>((startingAfter) =>
      this.get<Page<T>>(
        path,
        { ...query, ...(startingAfter !== undefined ? { starting_after: startingAfter } : {}) },
        o,
      ),
    );
  }

  // --- operations -------------------------------------------------------------------------

  health(o?: RequestOptions) {
    return this.get<{ status: string }>('/healthz', undefined, o);
  }
  /** Throws `AmisiError` (503 not_ready) when the database is not reachable. */
  ready(o?: RequestOptions) {
    return this.get<{ status: string }>('/readyz', undefined, o);
  }

  readonly catalog = {
    get: (o?: RequestOptions) => this.get<Catalog>('/v1/catalog', undefined, o),
  };

  // --- people -------------------------------------------------------------------------------

  readonly auth = {
    signup: (params: SignupParams, o?: RequestOptions) =>
      this.post<SignupResult>('/v1/auth/signup', params, o),
    /** Signs in; without an API key, later calls use this session (cookie + CSRF token). */
    login: (email: string, password: string, o?: RequestOptions) =>
      this.post<Me>('/v1/auth/login', { email, password }, o, false),
    logout: (o?: RequestOptions) => this.post<{ signed_out: boolean }>('/v1/auth/logout', undefined, o),
    me: (o?: RequestOptions) => this.get<Me>('/v1/auth/me', undefined, o),
    /** Opens the link mailed at sign-up (no session needed). */
    verifyEmail: (token: string, o?: RequestOptions) =>
      this.post<{ user: User }>('/v1/auth/verify-email', { token }, o, false),
    /** Mails a new verification link to the signed-in person; earlier ones stop working. */
    resendVerification: (o?: RequestOptions) =>
      this.post<{ sent_to: string }>('/v1/auth/verify-email/resend', undefined, o, false),
    /** Forgotten password: mails a reset link if the email has an account; the answer is the same either way. */
    requestPasswordReset: (email: string, o?: RequestOptions) =>
      this.post<PasswordResetRequested>('/v1/auth/password-reset', { email }, o, false),
    /** Sets a new password with the mailed token; every session of the account ends (sign in again). */
    confirmPasswordReset: (token: string, password: string, o?: RequestOptions) =>
      this.post<PasswordResetDone>('/v1/auth/password-reset/confirm', { token, password }, o, false),
    /** Changes the signed-in person's password; their other sessions end, this one stays. */
    changePassword: (current_password: string, new_password: string, o?: RequestOptions) =>
      this.post<{ sessions_ended: number }>(
        '/v1/auth/password',
        { current_password, new_password },
        o,
        false,
      ),
    /** Where the signed-in person is signed in, last seen first. */
    sessions: (o?: RequestOptions) => this.get<{ data: SessionInfo[] }>('/v1/auth/sessions', undefined, o),
    /** Signs out one session of the person (by its id, from `sessions`). */
    signOutSession: (id: string, o?: RequestOptions) =>
      this.call<{ id: string; signed_out: boolean }>(
        { method: 'DELETE', path: `/v1/auth/sessions/${seg(id)}` },
        o,
      ),
    /** Signs out every session of the person but this one. */
    signOutOtherSessions: (o?: RequestOptions) =>
      this.post<{ sessions_ended: number }>('/v1/auth/sessions/revoke_others', undefined, o, false),
    /** Mails a link to `new_email`; the address changes when it is opened (`confirmEmailChange`). */
    changeEmail: (new_email: string, password: string, o?: RequestOptions) =>
      this.post<{ new_email: string; message: string }>('/v1/auth/email', { new_email, password }, o, false),
    /** Applies an email change with the token mailed to the new address (no session needed). */
    confirmEmailChange: (token: string, o?: RequestOptions) =>
      this.post<EmailChanged>('/v1/auth/email/confirm', { token }, o, false),
    /** Deletes the signed-in person's account; refused (409) while an org needs them as its last owner. */
    deleteAccount: (password: string, o?: RequestOptions) =>
      this.call<AccountDeleted>({ method: 'DELETE', path: '/v1/auth/account', body: { password } }, o),
  };

  // --- orgs -----------------------------------------------------------------------------------

  readonly orgs = {
    create: (params: CreateOrgParams, o?: RequestOptions) => this.post<Org>('/v1/orgs', params, o),
    get: (org: string, o?: RequestOptions) => this.get<Org>(orgPath(org), undefined, o),
    balance: (org: string, o?: RequestOptions) => this.get<Balance>(orgPath(org, '/balance'), undefined, o),
    /** Closes the org (owner or operator): `confirm` is its name. Export its transactions first. */
    close: (org: string, confirm: string, o?: RequestOptions) =>
      this.post<Org>(orgPath(org, '/close'), { confirm }, o, false),
  };

  readonly subscription = {
    get: (org: string, o?: RequestOptions) =>
      this.get<Subscription>(orgPath(org, '/subscription'), undefined, o),
    /** An upgrade takes effect now; a downgrade at the period end. */
    change: (org: string, params: ChangeTierParams, o?: RequestOptions) =>
      this.post<Subscription>(orgPath(org, '/subscription'), params, o),
    cancel: (org: string, o?: RequestOptions) =>
      this.post<Subscription>(orgPath(org, '/subscription/cancel'), undefined, o),
  };

  // --- spending -------------------------------------------------------------------------------

  readonly quotes = {
    create: (org: string, params: QuoteParams, o?: RequestOptions) =>
      this.post<Quote>(orgPath(org, '/quotes'), params, o),
  };

  readonly usage = {
    /** Charges work at its catalog price (hold and capture in one step). */
    record: (org: string, params: UsageParams, o?: RequestOptions) =>
      this.post<Transaction>(orgPath(org, '/usage'), params, o),
  };

  readonly holds = {
    create: (org: string, params: CreateHoldParams, o?: RequestOptions) =>
      this.post<Hold>(orgPath(org, '/holds'), params, o),
    capture: (org: string, hold: string, params: CaptureParams, o?: RequestOptions) =>
      this.post<Transaction>(orgPath(org, `/holds/${seg(hold)}/capture`), params, o),
    release: (org: string, hold: string, o?: RequestOptions) =>
      this.post<Hold>(orgPath(org, `/holds/${seg(hold)}/release`), undefined, o),
    list: (org: string, params: ListParams & { status?: HoldStatus } = {}, o?: RequestOptions) =>
      this.pages<Hold>(orgPath(org, '/holds'), { ...params }, o),
  };

  readonly transactions = {
    /** Newest first; `for await` walks every page. */
    list: (org: string, params: TransactionFilter & ListParams = {}, o?: RequestOptions) =>
      this.pages<Transaction>(orgPath(org, '/transactions'), { ...params }, o),
    page: (org: string, params: TransactionFilter & ListParams = {}, o?: RequestOptions) =>
      this.get<Page<Transaction>>(orgPath(org, '/transactions'), { ...params }, o),
    /** The log as CSV text (RFC 4180, newest first). */
    csv: (org: string, params: TransactionFilter = {}, o?: RequestOptions) =>
      this.call<string>(
        { method: 'GET', path: orgPath(org, '/transactions.csv'), query: { ...params }, as: 'text' },
        o,
      ),
  };

  readonly grants = {
    list: (org: string, params: ListParams & { status?: 'live' | 'closed' } = {}, o?: RequestOptions) =>
      this.pages<Grant>(orgPath(org, '/grants'), { ...params }, o),
  };

  readonly adjustments = {
    /** Operator only: add credits (positive) or take them back (negative). */
    create: (org: string, params: AdjustmentParams, o?: RequestOptions) =>
      this.post<Transaction>(orgPath(org, '/adjustments'), params, o),
  };

  // --- purchases -----------------------------------------------------------------------------

  readonly purchases = {
    create: (org: string, pack: string, o?: RequestOptions) =>
      this.post<Purchase>(orgPath(org, '/purchases'), { pack }, o),
    list: (org: string, params: ListParams = {}, o?: RequestOptions) =>
      this.pages<Purchase>(orgPath(org, '/purchases'), { ...params }, o),
    /** One purchase, open or long settled (404 `not_found` when it is not the org's). */
    get: (org: string, purchase: string, o?: RequestOptions) =>
      this.get<Purchase>(orgPath(org, `/purchases/${seg(purchase)}`), undefined, o),
    /** Operator only: revokes the unspent rest of the purchase's credits. */
    refund: (org: string, purchase: string, o?: RequestOptions) =>
      this.post<Purchase>(orgPath(org, `/purchases/${seg(purchase)}/refund`), undefined, o),
  };

  /** The org's payments and their receipts (the `billing` scope: owners, admins, billing keys). */
  readonly billing = {
    /** Pack purchases, plan charges and refunds, newest first. */
    history: (org: string, params: ListParams = {}, o?: RequestOptions) =>
      this.pages<BillingEntry>(orgPath(org, '/billing/history'), { ...params }, o),
    /** The receipt of one payment (an id from the history). */
    receipt: (org: string, paymentId: string, o?: RequestOptions) =>
      this.get<Receipt>(orgPath(org, `/billing/receipts/${seg(paymentId)}`), undefined, o),
  };

  readonly autoTopup = {
    /** Buy `pack` automatically when available credits drop below `threshold`. */
    set: (org: string, params: AutoTopupParams, o?: RequestOptions) =>
      this.call<AutoTopup>({ method: 'PUT', path: orgPath(org, '/auto_topup'), body: params }, o),
    /** Throws 404 not_found when it was never set. */
    get: (org: string, o?: RequestOptions) => this.get<AutoTopup>(orgPath(org, '/auto_topup'), undefined, o),
  };

  // --- notifications ---------------------------------------------------------------------------

  readonly alerts = {
    /** The low-balance alert threshold; null restores the default. */
    set: (org: string, low_balance_threshold: number | null, o?: RequestOptions) =>
      this.call<Alerts>({ method: 'PUT', path: orgPath(org, '/alerts'), body: { low_balance_threshold } }, o),
    get: (org: string, o?: RequestOptions) => this.get<Alerts>(orgPath(org, '/alerts'), undefined, o),
  };

  readonly notifications = {
    /** In-app notifications, newest first. */
    list: (org: string, params: ListParams = {}, o?: RequestOptions) =>
      this.pages<Notification>(orgPath(org, '/notifications'), { ...params }, o),
    markRead: (org: string, id: string, o?: RequestOptions) =>
      this.post<{ id: string; read: true }>(orgPath(org, `/notifications/${seg(id)}/read`), undefined, o),
  };

  readonly emails = {
    /** Emails to the org's owners and admins, newest first (the outbox when no SMTP is configured). */
    list: (org: string, params: ListParams = {}, o?: RequestOptions) =>
      this.pages<Email>(orgPath(org, '/emails'), { ...params }, o),
  };

  // --- team ------------------------------------------------------------------------------------

  readonly members = {
    /**
     * With an org credential this invites the person (`{invitation}`); with the operator key
     * it adds the member at once (the member). `'invitation' in result` tells which.
     */
    create: (org: string, params: { email: string; role: Role }, o?: RequestOptions) =>
      this.post<AddMemberResult>(orgPath(org, '/members'), params, o),
    list: (org: string, params: ListParams = {}, o?: RequestOptions) =>
      this.pages<Member>(orgPath(org, '/members'), { ...params }, o),
    /** The signed-in person leaves the org (the last owner is refused: transfer ownership first). */
    leave: (org: string, o?: RequestOptions) =>
      this.post<{ left: boolean; member: Member }>(orgPath(org, '/leave'), {}, o, false),
    /** An owner makes another member the owner (by `member_id` or `email`) and becomes an admin. */
    transferOwnership: (org: string, to: { member_id: string } | { email: string }, o?: RequestOptions) =>
      this.post<OwnershipTransferred>(orgPath(org, '/transfer_ownership'), to, o, false),
  };

  readonly invitations = {
    /** Emails a single-use link valid 7 days; inviting the same address again replaces it. */
    create: (org: string, params: { email: string; role: Role }, o?: RequestOptions) =>
      this.post<Invitation>(orgPath(org, '/invitations'), params, o),
    /** Newest first, with their status. */
    list: (org: string, params: ListParams = {}, o?: RequestOptions) =>
      this.pages<Invitation>(orgPath(org, '/invitations'), { ...params }, o),
    get: (org: string, id: string, o?: RequestOptions) =>
      this.get<Invitation>(orgPath(org, `/invitations/${seg(id)}`), undefined, o),
    /** The link stops working at once. */
    revoke: (org: string, id: string, o?: RequestOptions) =>
      this.call<Invitation>({ method: 'DELETE', path: orgPath(org, `/invitations/${seg(id)}`) }, o),
    /** What a token opens, without using it (no credentials needed). */
    preview: (token: string, o?: RequestOptions) =>
      this.post<InvitationPreview>('/v1/invitations/preview', { token }, o, false),
    /** Joins the signed-in person (verified, with the invited email) to the org. */
    accept: (token: string, o?: RequestOptions) =>
      this.post<AcceptedInvitation>('/v1/invitations/accept', { token }, o),
  };

  readonly projects = {
    create: (org: string, params: { name: string }, o?: RequestOptions) =>
      this.post<Project>(orgPath(org, '/projects'), params, o),
    list: (org: string, params: ListParams = {}, o?: RequestOptions) =>
      this.pages<Project>(orgPath(org, '/projects'), { ...params }, o),
  };

  readonly budgets = {
    /** One budget per member or project: setting it again replaces the limit. */
    set: (org: string, params: BudgetParams, o?: RequestOptions) =>
      this.call<Budget>({ method: 'PUT', path: orgPath(org, '/budgets'), body: params }, o),
    list: (org: string, params: ListParams = {}, o?: RequestOptions) =>
      this.pages<Budget>(orgPath(org, '/budgets'), { ...params }, o),
  };

  // --- reports ---------------------------------------------------------------------------------

  readonly reports = {
    usage: (org: string, params: UsageReportParams = {}, o?: RequestOptions) =>
      this.get<UsageReport>(orgPath(org, '/reports/usage'), { ...params }, o),
  };

  readonly insights = {
    get: (org: string, params: InsightsParams = {}, o?: RequestOptions) =>
      this.get<Insights>(orgPath(org, '/insights'), { ...params }, o),
  };

  // --- generation -------------------------------------------------------------------------------

  readonly tools = {
    /** The tools, their prices, the image backend and the generation limits. */
    list: (o?: RequestOptions) => this.get<Tools>('/v1/tools', undefined, o),
  };

  readonly generations = {
    /** Starts a batch (202): its credits are held; only delivered images are charged. */
    create: (org: string, params: CreateGenerationParams, o?: RequestOptions) =>
      this.post<GenerationBatch>(orgPath(org, '/generations'), params, o),
    get: (org: string, batch: string, o?: RequestOptions) =>
      this.get<GenerationBatch>(orgPath(org, `/generations/${seg(batch)}`), undefined, o),
    /** Re-renders a delivered draft (same prompt and seed) at a higher resolution: a new batch. */
    finalize: (org: string, batch: string, image: string, params: FinalizeParams, o?: RequestOptions) =>
      this.post<GenerationBatch>(
        orgPath(org, `/generations/${seg(batch)}/images/${seg(image)}/finalize`),
        params,
        o,
      ),
    /** A delivered image's bytes (PNG or WebP). */
    image: (org: string, batch: string, image: string, o?: RequestOptions) =>
      this.call<Uint8Array>(
        { method: 'GET', path: orgPath(org, `/generations/${seg(batch)}/images/${seg(image)}`), as: 'bytes' },
        o,
      ),
    /** Polls until the batch is settled (not `running`), every `interval_ms` (default 500), up to `timeout_ms` (default 5 min). */
    wait: async (
      org: string,
      batch: string,
      opts: { interval_ms?: number; timeout_ms?: number } = {},
      o?: RequestOptions,
    ): Promise<GenerationBatch> => {
      const deadline = Date.now() + (opts.timeout_ms ?? 300_000);
      for (;;) {
        const b = await this.generations.get(org, batch, o);
        if (b.status !== 'running') return b;
        if (Date.now() >= deadline) throw new Error(`generation ${batch} still running after its wait`);
        await new Promise((r) => setTimeout(r, opts.interval_ms ?? 500));
      }
    },
    /** Follows a batch as it renders (Server-Sent Events); ends after the `done` event. */
    events: (org: string, batch: string, signal?: AbortSignal): AsyncGenerator<GenerationEvent> =>
      this.sse<GenerationEvent>(orgPath(org, `/generations/${seg(batch)}/events`), signal),
  };

  // --- webhooks ------------------------------------------------------------------------------------

  readonly webhookEndpoints = {
    /** The signing secret is in the answer once; store it then. */
    create: (org: string, params: CreateWebhookEndpointParams, o?: RequestOptions) =>
      this.post<CreatedWebhookEndpoint>(orgPath(org, '/webhook_endpoints'), params, o),
    /** Newest first, paged like every list. */
    list: (org: string, params: ListParams = {}, o?: RequestOptions) =>
      this.pages<WebhookEndpoint>(orgPath(org, '/webhook_endpoints'), { ...params }, o),
    /** Deletes it; its pending deliveries are cancelled. */
    delete: (org: string, id: string, o?: RequestOptions) =>
      this.call<{ id: string; deleted: true }>(
        { method: 'DELETE', path: orgPath(org, `/webhook_endpoints/${seg(id)}`) },
        o,
      ),
    deliveries: (org: string, id: string, params: ListParams = {}, o?: RequestOptions) =>
      this.pages<WebhookDelivery>(orgPath(org, `/webhook_endpoints/${seg(id)}/deliveries`), { ...params }, o),
  };

  /** Server-Sent Events → `{event, data}` values (data parsed as JSON); comments and retries skipped. */
  private async *sse<E>(path: string, signal?: AbortSignal): AsyncGenerator<E> {
    const body = await this.t.stream(path, signal);
    const reader = body
      .pipeThrough(new TextDecoderStream() as TransformStream<Uint8Array, string>)
      .getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let cut = buffer.indexOf('\n\n');
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (data.length > 0) {
            yield { event, data: JSON.parse(data.join('\n')) } as E;
            if (event === 'done') return;
          }
          cut = buffer.indexOf('\n\n');
        }
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }

  // --- api keys --------------------------------------------------------------------------------

  readonly apiKeys = {
    /** The secret is in the answer once; store it then. */
    create: (org: string, params: { name: string; scopes: Scope[] }, o?: RequestOptions) =>
      this.post<CreatedApiKey>(orgPath(org, '/api_keys'), params, o),
    /** Newest first, revoked ones included. */
    list: (org: string, params: ListParams = {}, o?: RequestOptions) =>
      this.pages<ApiKey>(orgPath(org, '/api_keys'), { ...params }, o),
    revoke: (org: string, id: string, o?: RequestOptions) =>
      this.call<ApiKey>({ method: 'DELETE', path: orgPath(org, `/api_keys/${seg(id)}`) }, o),
  };

  // --- operator ---------------------------------------------------------------------------------

  readonly admin = {
    renewals: {
      /** Runs the scheduler once at the server clock's now: due renewals, alerts, deliveries (safe to repeat). */
      run: (o?: RequestOptions) => this.post<ScheduledWork>('/v1/admin/renewals/run', undefined, o),
    },
    /** The test clock: exists only on a server started with AMISI_CLOCK=manual. */
    clock: {
      get: (o?: RequestOptions) => this.get<{ now: string }>('/v1/admin/clock', undefined, o),
      /** Not replayed by key, so it is never resent after an unanswered attempt. */
      advance: (seconds: number, o?: RequestOptions) =>
        this.post<{ now: string }>('/v1/admin/clock/advance', { seconds }, o, false),
    },
  };
}
