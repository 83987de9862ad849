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
];
