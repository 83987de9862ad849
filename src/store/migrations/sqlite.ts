/**
 * SQLite schema, one entry per version. Every table keys by org_id first so the data can
 * later be spread by org. Migrations only ever append: a shipped entry is never edited.
 */
export const SQLITE_MIGRATIONS: string[] = [
  `
  CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    next_due_at INTEGER,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX orgs_due ON orgs (next_due_at) WHERE next_due_at IS NOT NULL;

  -- A rowid table: every insert appends at the end of the file instead of landing on a
  -- random page per org; (org_id, seq) is a small index beside it.
  CREATE TABLE transactions (
    org_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    visible INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    member_id TEXT,
    project_id TEXT,
    body TEXT NOT NULL
  );
  CREATE UNIQUE INDEX transactions_seq ON transactions (org_id, seq);
  CREATE INDEX transactions_type ON transactions (org_id, type, seq);
  CREATE INDEX transactions_time ON transactions (org_id, created_at);
  CREATE INDEX transactions_member ON transactions (org_id, member_id, seq) WHERE member_id IS NOT NULL;
  CREATE INDEX transactions_project ON transactions (org_id, project_id, seq) WHERE project_id IS NOT NULL;

  CREATE TABLE usage_daily (
    org_id TEXT NOT NULL,
    day INTEGER NOT NULL,
    tool TEXT NOT NULL,
    operation TEXT NOT NULL,
    member_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    credits INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (org_id, day, tool, operation, member_id, project_id)
  ) WITHOUT ROWID;

  CREATE TABLE idempotency (
    org_id TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX idempotency_key ON idempotency (org_id, key);

  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL,
    type TEXT NOT NULL,
    at INTEGER NOT NULL,
    data TEXT NOT NULL
  );

  CREATE TABLE org_members (
    org_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (org_id, member_id)
  ) WITHOUT ROWID;
  CREATE INDEX org_members_email ON org_members (email);

  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE INDEX api_keys_org ON api_keys (org_id);
  CREATE TABLE request_idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER,
    body TEXT,
    done INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
  ) WITHOUT ROWID;
  `,
  `
  -- v2: what leaves the ledger (notifications, webhook deliveries, email, auto top-up
  -- payments) and the payment provider's records. Events already in the outbox when this
  -- migration runs are marked dispatched: nobody had subscribed to them.
  ALTER TABLE events ADD COLUMN dispatched INTEGER NOT NULL DEFAULT 0;
  UPDATE events SET dispatched = 1;
  CREATE INDEX events_undispatched ON events (seq) WHERE dispatched = 0;

  CREATE TABLE webhook_endpoints (
    org_id TEXT NOT NULL,
    id TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    description TEXT,
    created_at INTEGER NOT NULL,
    disabled_at INTEGER,
    disabled_reason TEXT,
    after_seq INTEGER NOT NULL,
    PRIMARY KEY (org_id, id)
  ) WITHOUT ROWID;

  CREATE TABLE jobs (
    org_id TEXT NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    endpoint_id TEXT,
    event_id TEXT,
    event_type TEXT,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER,
    locked_until INTEGER,
    last_status INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    finished_at INTEGER,
    PRIMARY KEY (org_id, id)
  ) WITHOUT ROWID;
  CREATE INDEX jobs_due ON jobs (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX jobs_endpoint ON jobs (org_id, endpoint_id, created_at) WHERE endpoint_id IS NOT NULL;
  CREATE INDEX jobs_kind ON jobs (org_id, kind, created_at);

  CREATE TABLE notifications (
    org_id TEXT NOT NULL,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    PRIMARY KEY (org_id, id)
  ) WITHOUT ROWID;
  CREATE INDEX notifications_time ON notifications (org_id, created_at);

  CREATE TABLE alerts_sent (
    org_id TEXT NOT NULL,
    key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, key)
  ) WITHOUT ROWID;

  CREATE TABLE billing_accounts (
    org_id TEXT NOT NULL PRIMARY KEY,
    provider TEXT NOT NULL,
    customer_id TEXT,
    subscription_id TEXT,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX billing_accounts_customer ON billing_accounts (provider, customer_id);

  CREATE TABLE payments (
    org_id TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    purchase_id TEXT,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    paid_at INTEGER NOT NULL,
    credited_at INTEGER,
    refunded_at INTEGER,
    PRIMARY KEY (org_id, payment_id)
  ) WITHOUT ROWID;
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
  ALTER TABLE orgs ADD COLUMN open_holds INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX orgs_open_holds ON orgs (open_holds) WHERE open_holds > 0;
  `,
  // v5: the orgs each person has claimed (owned or being created), so AMISI_ORGS_PER_USER
  // is counted and claimed in one statement (issue 13: concurrent creations all passed a
  // count read first). Keyed by user, like users: it belongs to no org.
  `
  CREATE TABLE org_claims (
    user_id TEXT PRIMARY KEY,
    claimed INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // v6: verified email addresses, one-time tokens (stored as SHA-256 only) and invitations.
  // Accounts made before this version start unverified and keep reaching the oldest org
  // they own (their sign-up org) until they verify; see docs/accounts.md.
  `
  ALTER TABLE users ADD COLUMN email_verified_at INTEGER;
  ALTER TABLE users ADD COLUMN first_org_id TEXT;
  UPDATE users SET first_org_id = (
    SELECT m.org_id FROM org_members m JOIN orgs o ON o.id = m.org_id
     WHERE m.email = users.email AND m.role = 'owner'
     ORDER BY o.created_at, m.org_id LIMIT 1);

  CREATE TABLE one_time_tokens (
    hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    org_id TEXT,
    email TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX one_time_tokens_subject ON one_time_tokens (purpose, subject_id, created_at);

  CREATE TABLE invitations (
    org_id TEXT NOT NULL,
    id TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    accepted_at INTEGER,
    accepted_by TEXT,
    member_id TEXT,
    revoked_at INTEGER,
    PRIMARY KEY (org_id, id)
  ) WITHOUT ROWID;
  CREATE INDEX invitations_time ON invitations (org_id, created_at, id);
  CREATE INDEX invitations_email ON invitations (org_id, email);
  `,
  // v7: abuse limits. A reservation of an idempotency key (sign-up, orgs, API keys, webhook
  // endpoints) holds a lease that its server renews while the request runs, so a key whose
  // server died frees up after the lease instead of the 48 h a key is kept; rows from before
  // have no lease and count as expired. Failed sign-ins per account (a digest of the email,
  // known or not) drive the back-off, shared by every server of the database.
  `
  ALTER TABLE request_idempotency ADD COLUMN lease_expires_at INTEGER;
  CREATE TABLE sign_in_failures (
    subject TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failed_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX sign_in_failures_age ON sign_in_failures (last_failed_at);
  `,
  // v8: a password reset or change ends a person's sessions, found by their user id.
  `
  CREATE INDEX sessions_user ON sessions (user_id);
  `,
  // v9: a person sees their sessions (where they are signed in) and signs one out by its id,
  // never by the token or its hash; sessions made before this version get a random id and
  // count as last seen when they were made. Expired sessions are pruned by the scheduler.
  `
  ALTER TABLE sessions ADD COLUMN id TEXT;
  ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER;
  ALTER TABLE sessions ADD COLUMN user_agent TEXT;
  ALTER TABLE sessions ADD COLUMN ip TEXT;
  UPDATE sessions SET id = 'ses_' || lower(hex(randomblob(12))), last_seen_at = created_at;
  CREATE UNIQUE INDEX sessions_id ON sessions (id);
  CREATE INDEX sessions_expiry ON sessions (expires_at);
  `,
  // Receipts (issue 17): every payment an org made or got back is one row of its billing
  // history: pack purchases (recorded before this version, so they keep the default kind),
  // plan charges and refunds. The receipt link is the provider's (Stripe's hosted receipt or
  // invoice), learned when the payment is confirmed; null for the development provider, whose
  // receipt page is the web app's own.
  `
  ALTER TABLE payments ADD COLUMN kind TEXT NOT NULL DEFAULT 'pack_purchase';
  ALTER TABLE payments ADD COLUMN credits INTEGER;
  ALTER TABLE payments ADD COLUMN description TEXT;
  ALTER TABLE payments ADD COLUMN receipt_url TEXT;
  ALTER TABLE payments ADD COLUMN payment_method TEXT;
  ALTER TABLE payments ADD COLUMN refund_of TEXT;
  CREATE INDEX payments_history ON payments (org_id, paid_at, payment_id);
  `,
  // v11: the devices each person has signed in from (a digest of the browser's user agent),
  // so a sign-in from one never seen before is told to the person by email; see docs/accounts.md.
  `
  CREATE TABLE user_devices (
    user_id TEXT NOT NULL,
    device TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, device)
  ) WITHOUT ROWID;
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
    org_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL,
    status TEXT NOT NULL,
    payment_id TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (org_id, kind, seq)
  ) WITHOUT ROWID;
  CREATE INDEX history_status ON history (org_id, kind, status, seq);
  CREATE INDEX history_payment ON history (org_id, payment_id) WHERE payment_id IS NOT NULL;
  `,
  // An email change in flight: the address the account's memberships still have to leave,
  // set in the statement that changes the address and cleared once every org has moved, so
  // the scheduler finishes a move a crash interrupted (docs/accounts.md). all_orgs: 0 when
  // the account was unverified and only its sign-up org moves.
  `
  ALTER TABLE users ADD COLUMN email_moving_from TEXT;
  ALTER TABLE users ADD COLUMN email_moving_all_orgs INTEGER;
  CREATE INDEX users_email_moving ON users (id) WHERE email_moving_from IS NOT NULL;
  `,
  // The command log (decision 0013): the durable write of a ledger operation is one row
  // here, appended in the order the rules ran it; org states, the transaction log, usage
  // cells, history and idempotency records are projected from it behind, in sorted batches.
  // log_marks.projected is the last position whose derived rows are written; recovery
  // replays the log after it. Positions start above every org version so far (an org row's
  // version becomes the position of the last command that changed it).
  `
  CREATE TABLE command_log (
    pos INTEGER PRIMARY KEY,
    org_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    op TEXT NOT NULL
  );
  CREATE TABLE log_marks (name TEXT PRIMARY KEY, pos INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO log_marks SELECT 'projected', coalesce(max(version), 0) FROM orgs;
  `,
];
