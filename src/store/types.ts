/**
 * The store: what the app layer needs from a database. Two adapters implement it
 * (sqlite.ts, postgres.ts) around the same batcher (batcher.ts), which applies the core's
 * `execute` in memory and commits many operations in one transaction. Stores never
 * decide a rule; they load, persist and commit.
 */

import {
  type Command,
  type CreateOrg,
  type DomainError,
  IDEMPOTENCY_KEPT_MS,
  invalid,
  type OrgState,
  type Transaction,
  type TxnType,
  type Violation,
} from '../core/index.ts';
import type { HistoryItem, HistoryKind } from './history-rows.ts';
import type { OutboxStore } from './outbox.ts';
import type { Page, RetentionReport, StoreEvent } from './records.ts';

export type { Page, RetentionReport, StoreEvent };

export interface WriteOptions {
  now: number;
  /** Scoped per org. A replay returns the stored outcome with `replayed: true`. */
  idempotencyKey?: string;
  /** What the key stands for; defaults to the canonical JSON of the command. */
  fingerprint?: string;
}

/** The org's credits right after a write (cheap to take; the full state is a read away). */
export interface BalanceSnapshot {
  balance: number;
  held: number;
  available: number;
}

export type WriteResult =
  | { ok: true; result: unknown; txns: Transaction[]; replayed: boolean; balance: BalanceSnapshot | null }
  | { ok: false; error: DomainError; replayed: boolean };

export interface TransactionFilter {
  type?: TxnType;
  member_id?: string;
  project_id?: string;
  from?: number;
  to?: number;
  limit: number;
  /**
   * The id of a transaction in the org's log: return the ones recorded before it (newest
   * first). The filters need not match it. An id not in the log is refused (`unknownCursor`).
   */
  starting_after?: string;
}

export interface HistoryFilter {
  limit: number;
  /** An id of the list: items created before it come next. */
  starting_after?: string;
  /** A hold's or purchase's status, or `live`/`closed` for grants. */
  status?: string;
}

/**
 * The refusal of a `starting_after` that names no item of the list in this org, for every
 * list, store-backed or not. Answering a typo, another org's id or another list's cursor
 * with some page (the first, or an empty one) would look like a real answer and hide the
 * client's bug; Stripe refuses it too. `item` names what the list holds: 'a transaction of
 * this org'.
 */
export const unknownCursor = (cursor: string, item: string): DomainError =>
  invalid(`starting_after: ${cursor} is not ${item}; pass the next_cursor of a previous page`, {
    field: 'starting_after',
  });

export type UsageGroup = 'tool' | 'operation' | 'member' | 'project' | 'day';

export interface UsageRow {
  key: string;
  credits: number;
  count: number;
}

export interface User {
  id: string;
  email: string;
  password_hash: string;
  created_at: number;
  /** When the person proved they read mail at `email` (null: not yet). */
  email_verified_at: number | null;
  /**
   * The org made at sign-up: the only one an unverified account reaches, since every other
   * membership is matched by an email address the account has not proved it owns.
   */
  first_org_id: string | null;
}

/**
 * What a one-time token is for. Each purpose is redeemed by its own route, so a token
 * mailed for one thing can never be spent on another.
 */
export type TokenPurpose = 'email_verification' | 'invitation' | 'password_reset' | 'email_change';

/**
 * A single-use, expiring secret sent by email (a verification link, an invitation). Only
 * its SHA-256 is stored: a copy of the database opens nothing.
 */
export interface OneTimeToken {
  /** SHA-256 of the secret. */
  hash: string;
  purpose: TokenPurpose;
  /** What the token acts on: a user id (verification) or an invitation id. */
  subject_id: string;
  /** The org of the subject, when it has one (an invitation's). */
  org_id: string | null;
  /** The address the token was mailed to: redeeming it proves control of this address. */
  email: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface Invitation {
  org_id: string;
  id: string;
  /** Normalized (trimmed, lower case): only an account verified at this address may accept. */
  email: string;
  role: 'owner' | 'admin' | 'member';
  /** Who sent it: `admin` (the operator), a key id or a user id. */
  invited_by: string;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  accepted_by: string | null;
  member_id: string | null;
  revoked_at: number | null;
}

export type Scope = 'read' | 'usage' | 'billing' | 'admin';

export interface ApiKey {
  id: string;
  org_id: string;
  name: string;
  scopes: Scope[];
  /** SHA-256 of the secret: the secret itself is shown once and never stored. */
  hash: string;
  /** The first characters of the secret, so a person can tell keys apart. */
  prefix: string;
  created_at: number;
  revoked_at: number | null;
}

export interface Session {
  /** SHA-256 of the cookie value. */
  hash: string;
  /** What the person sees and signs out by (`ses_…`): never the token or its hash. */
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  /** Last request seen, to the minute (`SESSION_SEEN_RESOLUTION_MS`). */
  last_seen_at: number;
  /** As the browser sent it at sign-in, cut to `USER_AGENT_KEPT_CHARS`; null if none. */
  user_agent: string | null;
  /** The client address the server saw at sign-in (the proxy's word with AMISI_TRUST_PROXY). */
  ip: string | null;
}

/** Sessions listed to a person at most: more than anyone signs in from within a session's life. */
export const SESSIONS_LISTED = 100;

export interface Membership {
  org_id: string;
  member_id: string;
  email: string;
  role: 'owner' | 'admin' | 'member';
}

/** How long a completed idempotency key outside the ledger is kept and replayed: the ledger's window. */
export const REQUEST_KEYS_KEPT_MS = IDEMPOTENCY_KEPT_MS;

/** Who may sign in, and with what: kept apart from the ledger, in the same database. */
export interface AuthStore {
  createUser(u: User): Promise<void>;
  findUserByEmail(email: string): Promise<User | null>;
  getUser(id: string): Promise<User | null>;
  createSession(s: Session): Promise<void>;
  findSession(hash: string, now: number): Promise<Session | null>;
  deleteSession(hash: string): Promise<void>;
  createApiKey(k: ApiKey): Promise<void>;
  findApiKeyByHash(hash: string): Promise<ApiKey | null>;
  listApiKeys(orgId: string): Promise<ApiKey[]>;
  revokeApiKey(orgId: string, id: string, now: number): Promise<boolean>;
  /** Orgs where a member has this email (kept in step with each org's member list). */
  membershipsByEmail(email: string): Promise<Membership[]>;
  /** Marks the user verified if `email` is still their address; false otherwise. */
  markEmailVerified(userId: string, email: string, now: number): Promise<boolean>;
  /**
   * Moves the account to a new address, verified at `verifiedAt` (the person opened a link
   * sent there), if it still has `fromEmail`; false otherwise. Throws on an address another
   * account took meanwhile (the unique index decides).
   */
  /**
   * Moves the account to `toEmail` and records the move as in flight (`allOrgs`: every
   * membership follows, not only the sign-up org) until `finishEmailMove`.
   */
  setUserEmail(
    userId: string,
    fromEmail: string,
    toEmail: string,
    verifiedAt: number,
    allOrgs?: boolean,
  ): Promise<boolean>;
  finishEmailMove(userId: string, fromEmail: string): Promise<boolean>;
  /** Accounts whose memberships have not all followed their new address yet (oldest moves first is not promised). */
  emailMovesInFlight(limit: number): Promise<{ user: User; from: string; all_orgs: boolean }[]>;
  /**
   * Removes an account: its row, sessions, unused one-time tokens, org claim and known
   * devices. What the ledger recorded about the person stays with the orgs.
   */
  deleteUser(userId: string): Promise<void>;
  /** Revokes every live API key of an org (it was closed); returns how many. */
  revokeOrgApiKeys(orgId: string, now: number): Promise<number>;
  /**
   * Remembers that the user signed in from `device` (a digest of its user agent): `first`
   * when the user had no device yet, `known` when this one was seen before, else `new`.
   */
  rememberDevice(userId: string, device: string, now: number): Promise<'first' | 'known' | 'new'>;
  /** Replaces the user's password hash; false when there is no such user. */
  setPasswordHash(userId: string, passwordHash: string): Promise<boolean>;
  /**
   * Ends every session of a user (a password reset) or every one but `keepHash` (a
   * password change keeps the session that made it); returns how many ended.
   */
  deleteUserSessions(userId: string, keepHash: string | null): Promise<number>;
  /** The user's live sessions (not expired at `now`), last seen first, at most `SESSIONS_LISTED`. */
  listUserSessions(userId: string, now: number): Promise<Session[]>;
  /** Ends the user's session `id`; false if the user has no such session. */
  deleteUserSession(userId: string, id: string): Promise<boolean>;
  /** Records a request at `now` unless one was recorded since `notBefore` (cheap reads). */
  touchSession(hash: string, now: number, notBefore: number): Promise<void>;
  /** Deletes up to `limit` sessions expired at `now`; returns how many. */
  pruneExpiredSessions(now: number, limit: number): Promise<number>;

  createToken(t: OneTimeToken): Promise<void>;
  findToken(hash: string): Promise<OneTimeToken | null>;
  /**
   * Spends the token: true for exactly one caller, and only while it is unused and
   * `now < expires_at`, however many redeem it at once.
   */
  spendToken(hash: string, now: number): Promise<boolean>;
  /** Makes a spent token usable again (the step it unlocked was refused; the person may retry). */
  restoreToken(hash: string): Promise<void>;
  /** Deletes the unused tokens of a subject (a resend replaces them; a revocation ends them). */
  deleteUnusedTokens(purpose: TokenPurpose, subjectId: string): Promise<void>;
  /** When the newest token of a subject was issued (for resend throttling). */
  lastTokenAt(purpose: TokenPurpose, subjectId: string): Promise<number | null>;

  createInvitation(i: Invitation): Promise<void>;
  getInvitation(orgId: string, id: string): Promise<Invitation | null>;
  /** Newest first; `starting_after` names an invitation of this org. */
  listInvitations(orgId: string, limit: number, startingAfter?: string): Promise<Page<Invitation>>;
  /** Open invitations of the org (not accepted, not revoked, not expired at `now`). */
  countOpenInvitations(orgId: string, now: number): Promise<number>;
  /** Open invitations of the org to this email (to replace them when it is invited again). */
  openInvitationsTo(orgId: string, email: string, now: number): Promise<Invitation[]>;
  /** Marks an open invitation accepted; false if it was accepted or revoked meanwhile. */
  markInvitationAccepted(
    orgId: string,
    id: string,
    userId: string,
    memberId: string,
    now: number,
  ): Promise<boolean>;
  /** Marks an open invitation revoked; false if it was already accepted or revoked. */
  markInvitationRevoked(orgId: string, id: string, now: number): Promise<boolean>;
  /**
   * Claims one more org for a person who owns `owned` orgs now: true when
   * max(claimed before, owned) < limit, and then the claim counts one more. The check and
   * the claim are one statement, so concurrent claims (on one server or several) cannot
   * all pass the same count.
   */
  claimOrg(userId: string, owned: number, limit: number): Promise<boolean>;
  /** Gives back a claim whose org was not made. */
  releaseOrgClaim(userId: string): Promise<void>;
  /**
   * Idempotency for mutations outside the ledger (sign-up, orgs, API keys, webhook
   * endpoints): null when the key is new, or its last reservation's lease ran out before it
   * completed (the server running it died), and it is now reserved until `leaseExpiresAt`;
   * else the stored record. `completeIdempotency` completes a reservation.
   */
  reserveIdempotency(
    scope: string,
    key: string,
    fingerprint: string,
    now: number,
    leaseExpiresAt: number,
  ): Promise<null | { fingerprint: string; status: number; body: unknown; done: boolean }>;
  /** Extends the lease of a reservation still running (its server is alive). */
  renewIdempotencyLease(scope: string, key: string, leaseExpiresAt: number): Promise<void>;
  completeIdempotency(scope: string, key: string, status: number, body: unknown): Promise<void>;
  /** Forgets a reservation whose request failed before completing, so a retry may run. */
  releaseIdempotency(scope: string, key: string): Promise<void>;
  /** Consecutive failed sign-ins for a subject (a digest of an email), or null for none. */
  signInFailures(subject: string): Promise<SignInFailures | null>;
  /**
   * Counts one more failed sign-in, atomically (servers sharing the database count
   * together): the count restarts at 1 when the last failure is older than `forgetBefore`.
   */
  recordSignInFailure(subject: string, now: number, forgetBefore: number): Promise<SignInFailures>;
  /** A successful sign-in forgets the subject's failures. */
  clearSignInFailures(subject: string): Promise<void>;
}

export interface SignInFailures {
  failures: number;
  last_failed_at: number;
}

/**
 * Who hears that an org's ledger state changed (a balance, a hold, a grant): each committed
 * batch announces the orgs it changed, after the commit. SQLite (one process) announces in
 * process; PostgreSQL through NOTIFY on one channel per schema, so every instance sharing
 * the database hears every other's writes (one listening connection per process).
 * Announcements carry no state: a listener reads what it needs. Over-announcing is
 * harmless (a reader reloads); a missed one is not, so a listener that lost its connection
 * hears a change for every org when it is back.
 */
export interface OrgChanges {
  /** Resolves once listening (on PostgreSQL, once LISTEN is in effect) with the unsubscribe. */
  subscribe(orgId: string, listener: () => void): Promise<() => void>;
}

export interface Store extends AuthStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** What leaves the ledger (webhooks, mail, jobs, payments): same database, same writer. */
  readonly outbox: OutboxStore;
  /** Committed changes per org (the org event stream's source). */
  readonly orgChanges: OrgChanges;
  /** Applies pending migrations; refuses a database written by a newer schema. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Holds open right now across every org (kept per org row; for /metrics). */
  openHoldsTotal(): Promise<number>;
  /** Database reachable and schema current (for /readyz). */
  ping(): Promise<void>;

  createOrg(c: CreateOrg, opts: WriteOptions): Promise<WriteResult>;
  /** Runs one ledger command through the group commit; resolves once it is durable. */
  execute(orgId: string, cmd: Command, opts: WriteOptions): Promise<WriteResult>;

  /** The org as of `now`: due events applied in memory (persisted by the next write). */
  getOrg(orgId: string, now: number): Promise<OrgState | null>;
  /** Persists due time-driven events (renewals, expiries) so reads of the log see them. */
  catchUp(orgId: string, now: number): Promise<void>;
  /** Org ids with a time-driven event due at or before `now` (for the scheduler and `amisi renew`). */
  dueOrgs(now: number, limit: number): Promise<string[]>;

  listTransactions(orgId: string, filter: TransactionFilter): Promise<Page<Transaction>>;
  /**
   * Grants, holds or purchases of an org, newest first, complete: open ones from its state,
   * closed ones from the history table (core/archive.ts). Null when the org does not exist.
   */
  listHistory<K extends HistoryKind>(
    orgId: string,
    kind: K,
    now: number,
    filter: HistoryFilter,
  ): Promise<Page<HistoryItem<K>> | null>;
  /** One closed grant, hold or purchase from the history table (open ones are in the state). */
  findHistory<K extends HistoryKind>(orgId: string, kind: K, id: string): Promise<HistoryItem<K> | null>;
  usageReport(orgId: string, group: UsageGroup, from: number | null, to: number | null): Promise<UsageRow[]>;
  /** Events after `afterSeq` in order (the outbox that webhooks and mail will read). */
  events(afterSeq: number, limit: number): Promise<StoreEvent[]>;

  /** Observes each committed batch (size, duration): wired to /metrics. */
  batchSizes: ((size: number, ms: number) => void) | undefined;

  /**
   * Deletes up to `limit` rows of each kind kept only for a while (idempotency records,
   * request keys, delivered events) that are past their window at `now` (retention.ts).
   */
  pruneRetained(now: number, limit: number): Promise<RetentionReport>;

  /** Walks every org and its journal through the core's Verifier. */
  verify(onProgress?: (done: number, total: number) => void): Promise<Violation[]>;
}
