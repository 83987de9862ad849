/**
 * PostgreSQL schema, one entry per version (append only). State is stored as text, not
 * jsonb: the server never looks inside it, and text skips a parse on every write.
 */
export const POSTGRES_MIGRATIONS: string[] = [
  `
  CREATE TABLE orgs (
    id text PRIMARY KEY,
    version bigint NOT NULL,
    next_due_at bigint,
    state text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE INDEX orgs_due ON orgs (next_due_at) WHERE next_due_at IS NOT NULL;

  CREATE TABLE transactions (
    org_id text NOT NULL,
    seq bigint NOT NULL,
    id text NOT NULL,
    type text NOT NULL,
    visible boolean NOT NULL,
    amount bigint NOT NULL,
    created_at bigint NOT NULL,
    member_id text,
    project_id text,
    body text NOT NULL,
    PRIMARY KEY (org_id, seq)
  );
  CREATE UNIQUE INDEX transactions_id ON transactions (org_id, id);
  CREATE INDEX transactions_type ON transactions (org_id, type, seq);
  CREATE INDEX transactions_time ON transactions (org_id, created_at);
  CREATE INDEX transactions_member ON transactions (org_id, member_id, seq) WHERE member_id IS NOT NULL;
  CREATE INDEX transactions_project ON transactions (org_id, project_id, seq) WHERE project_id IS NOT NULL;

  CREATE TABLE usage_daily (
    org_id text NOT NULL,
    day bigint NOT NULL,
    tool text NOT NULL,
    operation text NOT NULL,
    member_id text NOT NULL,
    project_id text NOT NULL,
    credits bigint NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (org_id, day, tool, operation, member_id, project_id)
  );

  CREATE TABLE idempotency (
    org_id text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    status integer NOT NULL,
    body text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (org_id, key)
  );

  CREATE TABLE events (
    seq bigserial PRIMARY KEY,
    org_id text NOT NULL,
    type text NOT NULL,
    at bigint NOT NULL,
    data text NOT NULL
  );

  CREATE TABLE org_members (
    org_id text NOT NULL,
    member_id text NOT NULL,
    email text NOT NULL,
    role text NOT NULL,
    PRIMARY KEY (org_id, member_id)
  );
  CREATE INDEX org_members_email ON org_members (email);

  CREATE TABLE users (
    id text PRIMARY KEY,
    email text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE TABLE sessions (
    hash text PRIMARY KEY,
    user_id text NOT NULL,
    csrf_token text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
  );
  CREATE TABLE api_keys (
    id text PRIMARY KEY,
    org_id text NOT NULL,
    name text NOT NULL,
    scopes text NOT NULL,
    hash text NOT NULL UNIQUE,
    prefix text NOT NULL,
    created_at bigint NOT NULL,
    revoked_at bigint
  );
  CREATE INDEX api_keys_org ON api_keys (org_id);
  CREATE TABLE request_idempotency (
    scope text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    status integer,
    body text,
    done boolean NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (scope, key)
  );
  `,
  `
  -- v2: what leaves the ledger (notifications, webhook deliveries, email, auto top-up
  -- payments) and the payment provider's records. Events already in the outbox when this
  -- migration runs are marked dispatched: nobody had subscribed to them.
  ALTER TABLE events ADD COLUMN dispatched boolean NOT NULL DEFAULT false;
  UPDATE events SET dispatched = true;
  CREATE INDEX events_undispatched ON events (seq) WHERE NOT dispatched;

  CREATE TABLE webhook_endpoints (
    org_id text NOT NULL,
    id text NOT NULL,
    url text NOT NULL,
    events text NOT NULL,
    secret text NOT NULL,
    description text,
    created_at bigint NOT NULL,
    disabled_at bigint,
    disabled_reason text,
    after_seq bigint NOT NULL,
    PRIMARY KEY (org_id, id)
  );

  CREATE TABLE jobs (
    org_id text NOT NULL,
    id text NOT NULL,
    kind text NOT NULL,
    endpoint_id text,
    event_id text,
    event_type text,
    payload text NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at bigint,
    locked_until bigint,
    last_status integer,
    last_error text,
    created_at bigint NOT NULL,
    finished_at bigint,
    PRIMARY KEY (org_id, id)
  );
  CREATE INDEX jobs_due ON jobs (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX jobs_endpoint ON jobs (org_id, endpoint_id, created_at) WHERE endpoint_id IS NOT NULL;
  CREATE INDEX jobs_kind ON jobs (org_id, kind, created_at);

  CREATE TABLE notifications (
    org_id text NOT NULL,
    id text NOT NULL,
    type text NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    data text NOT NULL,
    created_at bigint NOT NULL,
    read_at bigint,
    PRIMARY KEY (org_id, id)
  );
  CREATE INDEX notifications_time ON notifications (org_id, created_at);

  CREATE TABLE alerts_sent (
    org_id text NOT NULL,
    key text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (org_id, key)
  );

  CREATE TABLE billing_accounts (
    org_id text NOT NULL PRIMARY KEY,
    provider text NOT NULL,
    customer_id text,
    subscription_id text,
    updated_at bigint NOT NULL
  );
  CREATE UNIQUE INDEX billing_accounts_customer ON billing_accounts (provider, customer_id);

  CREATE TABLE payments (
    org_id text NOT NULL,
    payment_id text NOT NULL,
    provider text NOT NULL,
    purchase_id text,
    amount bigint NOT NULL,
    currency text NOT NULL,
    paid_at bigint NOT NULL,
    credited_at bigint,
    refunded_at bigint,
    PRIMARY KEY (org_id, payment_id)
  );
  CREATE UNIQUE INDEX payments_id ON payments (payment_id);
  CREATE INDEX payments_uncredited ON payments (paid_at) WHERE credited_at IS NULL;
  `,
  // v3: the (org, type) index keeps only the rare types. Usage lines, nearly all of a log,
  // are found through (org, seq) anyway, and no longer pay an index write each.
  `
  DROP INDEX transactions_type;
  CREATE INDEX transactions_type ON transactions (org_id, type, seq) WHERE type <> 'usage';
  `,
  // v4: open holds per org, kept with the state, so /metrics can sum them without
  // reading any state.
  `
  ALTER TABLE orgs ADD COLUMN open_holds integer NOT NULL DEFAULT 0;
  CREATE INDEX orgs_open_holds ON orgs (open_holds) WHERE open_holds > 0;
  `,
  // v5: less write work per operation. A transaction id ends in its sequence number, so the
  // primary key (org_id, seq) already makes ids unique: the second unique index only cost
  // an insert per transaction. Org rows and usage cells are rewritten by nearly every
  // operation; free space on their pages lets PostgreSQL update them in place (HOT) without
  // touching their indexes. Pages written before this migration keep their layout until a
  // VACUUM FULL.
  `
  DROP INDEX transactions_id;
  ALTER TABLE orgs SET (fillfactor = 50);
  ALTER TABLE usage_daily SET (fillfactor = 70);
  `,
  // v6: the orgs each person has claimed (owned or being created), so AMISI_ORGS_PER_USER
  // is counted and claimed in one statement (issue 13: concurrent creations all passed a
  // count read first). Keyed by user, like users: it belongs to no org.
  `
  CREATE TABLE org_claims (
    user_id text PRIMARY KEY,
    claimed integer NOT NULL
  );
  `,
  // v7: verified email addresses, one-time tokens (stored as SHA-256 only) and invitations.
  // Accounts made before this version start unverified and keep reaching the oldest org
  // they own (their sign-up org) until they verify; see docs/accounts.md.
  `
  ALTER TABLE users ADD COLUMN email_verified_at bigint;
  ALTER TABLE users ADD COLUMN first_org_id text;
  UPDATE users SET first_org_id = (
    SELECT m.org_id FROM org_members m JOIN orgs o ON o.id = m.org_id
     WHERE m.email = users.email AND m.role = 'owner'
     ORDER BY o.created_at, m.org_id LIMIT 1);

  CREATE TABLE one_time_tokens (
    hash text PRIMARY KEY,
    purpose text NOT NULL,
    subject_id text NOT NULL,
    org_id text,
    email text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    used_at bigint
  );
  CREATE INDEX one_time_tokens_subject ON one_time_tokens (purpose, subject_id, created_at);

  CREATE TABLE invitations (
    org_id text NOT NULL,
    id text NOT NULL,
    email text NOT NULL,
    role text NOT NULL,
    invited_by text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    accepted_at bigint,
    accepted_by text,
    member_id text,
    revoked_at bigint,
    PRIMARY KEY (org_id, id)
  );
  CREATE INDEX invitations_time ON invitations (org_id, created_at, id);
  CREATE INDEX invitations_email ON invitations (org_id, email);
  `,
  // v8: abuse limits. A reservation of an idempotency key (sign-up, orgs, API keys, webhook
  // endpoints) holds a lease that its server renews while the request runs, so a key whose
  // server died frees up after the lease instead of the 48 h a key is kept; rows from before
  // have no lease and count as expired. Failed sign-ins per account (a digest of the email,
  // known or not) drive the back-off, shared by every server of the database.
  `
  ALTER TABLE request_idempotency ADD COLUMN lease_expires_at bigint;
  CREATE TABLE sign_in_failures (
    subject text PRIMARY KEY,
    failures integer NOT NULL,
    last_failed_at bigint NOT NULL
  );
  CREATE INDEX sign_in_failures_age ON sign_in_failures (last_failed_at);
  `,
  // v9: a password reset or change ends a person's sessions, found by their user id.
  `
  CREATE INDEX sessions_user ON sessions (user_id);
  `,
  // v10: a person sees their sessions (where they are signed in) and signs one out by its id,
  // never by the token or its hash; sessions made before this version get a random id and
  // count as last seen when they were made. Expired sessions are pruned by the scheduler.
  `
  ALTER TABLE sessions ADD COLUMN id text;
  ALTER TABLE sessions ADD COLUMN last_seen_at bigint;
  ALTER TABLE sessions ADD COLUMN user_agent text;
  ALTER TABLE sessions ADD COLUMN ip text;
  UPDATE sessions SET id = 'ses_' || substr(md5(random()::text || hash), 1, 24), last_seen_at = created_at;
  CREATE UNIQUE INDEX sessions_id ON sessions (id);
  CREATE INDEX sessions_expiry ON sessions (expires_at);
  `,
  // Receipts (issue 17): every payment an org made or got back is one row of its billing
  // history: pack purchases (recorded before this version, so they keep the default kind),
  // plan charges and refunds. The receipt link is the provider's (Stripe's hosted receipt or
  // invoice), learned when the payment is confirmed; null for the development provider, whose
  // receipt page is the web app's own.
  `
  ALTER TABLE payments ADD COLUMN kind text NOT NULL DEFAULT 'pack_purchase';
  ALTER TABLE payments ADD COLUMN credits bigint;
  ALTER TABLE payments ADD COLUMN description text;
  ALTER TABLE payments ADD COLUMN receipt_url text;
  ALTER TABLE payments ADD COLUMN payment_method text;
  ALTER TABLE payments ADD COLUMN refund_of text;
  CREATE INDEX payments_history ON payments (org_id, paid_at, payment_id);
  `,
  // v12: the devices each person has signed in from (a digest of the browser's user agent),
  // so a sign-in from one never seen before is told to the person by email; see docs/accounts.md.
  `
  CREATE TABLE user_devices (
    user_id TEXT NOT NULL,
    device TEXT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, device)
  );
  `,
  // Retention (issue 14): idempotency records of the ledger and of requests outside it are
  // deleted once past their window (48 h, IDEMPOTENCY_KEPT_MS) by the scheduler, oldest
  // first, a bounded batch per pass: found by age through these indexes.
  `
  CREATE INDEX idempotency_age ON idempotency (created_at);
  CREATE INDEX request_idempotency_age ON request_idempotency (created_at);
  `,
  // Bounded org state (issue 14): closed grants and resolved holds leave the org's state
  // (core/archive.ts) and are kept here, one row each, written from each batch's change
  // set; the lists read the state (open) and this table (closed), newest first by seq. A
  // late confirmation or a refund of an archived purchase finds it here (by id or payment).
  `
  CREATE TABLE history (
    org_id text NOT NULL,
    kind text NOT NULL,
    seq bigint NOT NULL,
    id text NOT NULL,
    status text NOT NULL,
    payment_id text,
    body text NOT NULL,
    PRIMARY KEY (org_id, kind, seq)
  );
  CREATE INDEX history_status ON history (org_id, kind, status, seq);
  CREATE INDEX history_payment ON history (org_id, payment_id) WHERE payment_id IS NOT NULL;
  `,
  // An email change in flight: the address the account's memberships still have to leave,
  // set in the statement that changes the address and cleared once every org has moved, so
  // the scheduler finishes a move a crash interrupted (docs/accounts.md). all_orgs: 0 when
  // the account was unverified and only its sign-up org moves.
  `
  ALTER TABLE users ADD COLUMN email_moving_from text;
  ALTER TABLE users ADD COLUMN email_moving_all_orgs integer;
  CREATE INDEX users_email_moving ON users (id) WHERE email_moving_from IS NOT NULL;
  `,
];
