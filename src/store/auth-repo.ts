/**
 * Who may sign in, and with what (users, sessions, API keys, one-time tokens,
 * invitations, org claims, sign-in failures) and idempotency outside the ledger: written
 * once for both databases as procedures (sql.ts). Each write is one statement or one
 * transaction, so servers sharing a PostgreSQL database agree, and on SQLite it runs in
 * the writer thread like a ledger batch.
 */
import type { Dialect } from './dialect.ts';
import { page } from './outbox-rows.ts';
import { all, get, inTransaction, num, numOrNull, type Proc, type Row, run, value } from './sql.ts';
import {
  type ApiKey,
  type Invitation,
  type Membership,
  type OneTimeToken,
  type Page,
  REQUEST_KEYS_KEPT_MS,
  SESSIONS_LISTED,
  type Session,
  type SignInFailures,
  type TokenPurpose,
  type User,
  unknownCursor,
} from './types.ts';

const userOf = (r: Row): User => ({
  id: String(r.id),
  email: String(r.email),
  password_hash: String(r.password_hash),
  created_at: num(r.created_at),
  email_verified_at: numOrNull(r.email_verified_at),
  first_org_id: (r.first_org_id as string | null) ?? null,
});

const sessionOf = (r: Row): Session => ({
  hash: String(r.hash),
  id: String(r.id),
  user_id: String(r.user_id),
  csrf_token: String(r.csrf_token),
  created_at: num(r.created_at),
  expires_at: num(r.expires_at),
  last_seen_at: num(r.last_seen_at),
  user_agent: (r.user_agent as string | null) ?? null,
  ip: (r.ip as string | null) ?? null,
});

const keyOf = (r: Row): ApiKey => ({
  id: String(r.id),
  org_id: String(r.org_id),
  name: String(r.name),
  scopes: JSON.parse(r.scopes as string),
  hash: String(r.hash),
  prefix: String(r.prefix),
  created_at: num(r.created_at),
  revoked_at: numOrNull(r.revoked_at),
});

const tokenOf = (r: Row): OneTimeToken => ({
  hash: String(r.hash),
  purpose: r.purpose as TokenPurpose,
  subject_id: String(r.subject_id),
  org_id: (r.org_id as string | null) ?? null,
  email: String(r.email),
  created_at: num(r.created_at),
  expires_at: num(r.expires_at),
  used_at: numOrNull(r.used_at),
});

const invitationOf = (r: Row): Invitation => ({
  org_id: String(r.org_id),
  id: String(r.id),
  email: String(r.email),
  role: r.role as Invitation['role'],
  invited_by: String(r.invited_by),
  created_at: num(r.created_at),
  expires_at: num(r.expires_at),
  accepted_at: numOrNull(r.accepted_at),
  accepted_by: (r.accepted_by as string | null) ?? null,
  member_id: (r.member_id as string | null) ?? null,
  revoked_at: numOrNull(r.revoked_at),
});

export type IdempotencyReservation = null | {
  fingerprint: string;
  status: number;
  body: unknown;
  done: boolean;
};

/** Procedures that read; on SQLite they run on the calling thread's connection. */
export const authReads = {
  *findUserByEmail(_d: Dialect, email: string): Proc<User | null> {
    const r = yield* get('SELECT * FROM users WHERE email = ?', email);
    return r ? userOf(r) : null;
  },
  *getUser(_d: Dialect, id: string): Proc<User | null> {
    const r = yield* get('SELECT * FROM users WHERE id = ?', id);
    return r ? userOf(r) : null;
  },
  *findSession(_d: Dialect, hash: string, now: number): Proc<Session | null> {
    const r = yield* get('SELECT * FROM sessions WHERE hash = ? AND expires_at > ?', hash, now);
    return r ? sessionOf(r) : null;
  },
  *listUserSessions(_d: Dialect, userId: string, now: number): Proc<Session[]> {
    return (yield* all(
      `SELECT * FROM sessions WHERE user_id = ? AND expires_at > ?
          ORDER BY last_seen_at DESC, id LIMIT ${SESSIONS_LISTED}`,
      userId,
      now,
    )).map(sessionOf);
  },
  *findApiKeyByHash(_d: Dialect, hash: string): Proc<ApiKey | null> {
    const r = yield* get('SELECT * FROM api_keys WHERE hash = ?', hash);
    return r ? keyOf(r) : null;
  },
  *listApiKeys(_d: Dialect, orgId: string): Proc<ApiKey[]> {
    return (yield* all('SELECT * FROM api_keys WHERE org_id = ? ORDER BY created_at, id', orgId)).map(keyOf);
  },
  *emailMovesInFlight(_d: Dialect, limit: number): Proc<{ user: User; from: string; all_orgs: boolean }[]> {
    const rows = yield* all('SELECT * FROM users WHERE email_moving_from IS NOT NULL LIMIT ?', limit);
    return rows.map((r) => ({
      user: userOf(r),
      from: String(r.email_moving_from),
      all_orgs: num(r.email_moving_all_orgs) === 1,
    }));
  },
  *membershipsByEmail(_d: Dialect, email: string): Proc<Membership[]> {
    return yield* all<Membership>(
      'SELECT org_id, member_id, email, role FROM org_members WHERE email = ? ORDER BY org_id',
      email,
    );
  },
  *findToken(_d: Dialect, hash: string): Proc<OneTimeToken | null> {
    const r = yield* get('SELECT * FROM one_time_tokens WHERE hash = ?', hash);
    return r ? tokenOf(r) : null;
  },
  *lastTokenAt(_d: Dialect, purpose: TokenPurpose, subjectId: string): Proc<number | null> {
    return numOrNull(
      yield* value(
        'SELECT max(created_at) FROM one_time_tokens WHERE purpose = ? AND subject_id = ?',
        purpose,
        subjectId,
      ),
    );
  },
  *getInvitation(_d: Dialect, orgId: string, id: string): Proc<Invitation | null> {
    const r = yield* get('SELECT * FROM invitations WHERE org_id = ? AND id = ?', orgId, id);
    return r ? invitationOf(r) : null;
  },
  *listInvitations(d: Dialect, orgId: string, limit: number, startingAfter?: string): Proc<Page<Invitation>> {
    let rows: Row[];
    if (startingAfter === undefined)
      rows = yield* all(
        'SELECT * FROM invitations WHERE org_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
        orgId,
        limit + 1,
      );
    else {
      const at = yield* authReads.getInvitation(d, orgId, startingAfter);
      if (!at) throw unknownCursor(startingAfter, 'an invitation of this org');
      rows = yield* all(
        `SELECT * FROM invitations WHERE org_id = ? AND (created_at < ? OR (created_at = ? AND id < ?))
         ORDER BY created_at DESC, id DESC LIMIT ?`,
        orgId,
        at.created_at,
        at.created_at,
        at.id,
        limit + 1,
      );
    }
    return page(rows.map(invitationOf), limit);
  },
  *countOpenInvitations(_d: Dialect, orgId: string, now: number): Proc<number> {
    return num(
      yield* value(
        `SELECT count(*) FROM invitations
          WHERE org_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
        orgId,
        now,
      ),
    );
  },
  *openInvitationsTo(_d: Dialect, orgId: string, email: string, now: number): Proc<Invitation[]> {
    return (yield* all(
      `SELECT * FROM invitations WHERE org_id = ? AND email = ?
            AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
      orgId,
      email,
      now,
    )).map(invitationOf);
  },
  *signInFailures(_d: Dialect, subject: string): Proc<SignInFailures | null> {
    const r = yield* get('SELECT failures, last_failed_at FROM sign_in_failures WHERE subject = ?', subject);
    return r ? { failures: num(r.failures), last_failed_at: num(r.last_failed_at) } : null;
  },
};

/** Procedures that write; on SQLite they run in the writer thread, beside ledger batches. */
export const authWrites = {
  *createUser(_d: Dialect, u: User): Proc<void> {
    yield* run(
      `INSERT INTO users (id, email, password_hash, created_at, email_verified_at, first_org_id)
       VALUES (?, ?, ?, ?, ?, ?)`,
      u.id,
      u.email,
      u.password_hash,
      u.created_at,
      u.email_verified_at,
      u.first_org_id,
    );
  },
  *markEmailVerified(_d: Dialect, userId: string, email: string, now: number): Proc<boolean> {
    return (
      (yield* run(
        'UPDATE users SET email_verified_at = coalesce(email_verified_at, ?) WHERE id = ? AND email = ?',
        now,
        userId,
        email,
      )) > 0
    );
  },
  /** Throws on an address another account took meanwhile (the unique index decides). */
  *setUserEmail(
    _d: Dialect,
    userId: string,
    fromEmail: string,
    toEmail: string,
    verifiedAt: number,
    allOrgs = true,
  ): Proc<boolean> {
    return (
      (yield* run(
        'UPDATE users SET email = ?, email_verified_at = ?, email_moving_from = ?, email_moving_all_orgs = ? WHERE id = ? AND email = ?',
        toEmail,
        verifiedAt,
        fromEmail,
        allOrgs ? 1 : 0,
        userId,
        fromEmail,
      )) > 0
    );
  },
  *finishEmailMove(_d: Dialect, userId: string, fromEmail: string): Proc<boolean> {
    return (
      (yield* run(
        'UPDATE users SET email_moving_from = NULL, email_moving_all_orgs = NULL WHERE id = ? AND email_moving_from = ?',
        userId,
        fromEmail,
      )) > 0
    );
  },
  *deleteUser(_d: Dialect, userId: string): Proc<void> {
    yield* inTransaction(function* () {
      // The user row first: a session left behind opens nothing (its user is gone).
      yield* run('DELETE FROM users WHERE id = ?', userId);
      yield* run('DELETE FROM sessions WHERE user_id = ?', userId);
      yield* run('DELETE FROM one_time_tokens WHERE subject_id = ? AND used_at IS NULL', userId);
      yield* run('DELETE FROM org_claims WHERE user_id = ?', userId);
      yield* run('DELETE FROM user_devices WHERE user_id = ?', userId);
    });
  },
  *revokeOrgApiKeys(_d: Dialect, orgId: string, now: number): Proc<number> {
    return yield* run(
      'UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND revoked_at IS NULL',
      now,
      orgId,
    );
  },
  *rememberDevice(_d: Dialect, userId: string, device: string, now: number): Proc<'first' | 'known' | 'new'> {
    const any =
      (yield* get('SELECT 1 AS one FROM user_devices WHERE user_id = ? LIMIT 1', userId)) !== undefined;
    const added =
      (yield* run('INSERT INTO user_devices VALUES (?, ?, ?) ON CONFLICT DO NOTHING', userId, device, now)) >
      0;
    return !any ? 'first' : added ? 'new' : 'known';
  },
  *setPasswordHash(_d: Dialect, userId: string, passwordHash: string): Proc<boolean> {
    return (yield* run('UPDATE users SET password_hash = ? WHERE id = ?', passwordHash, userId)) > 0;
  },
  *deleteUserSessions(_d: Dialect, userId: string, keepHash: string | null): Proc<number> {
    return yield* run('DELETE FROM sessions WHERE user_id = ? AND hash IS DISTINCT FROM ?', userId, keepHash);
  },
  *createSession(_d: Dialect, s: Session): Proc<void> {
    yield* run(
      `INSERT INTO sessions (hash, user_id, csrf_token, created_at, expires_at, id, last_seen_at, user_agent, ip)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      s.hash,
      s.user_id,
      s.csrf_token,
      s.created_at,
      s.expires_at,
      s.id,
      s.last_seen_at,
      s.user_agent,
      s.ip,
    );
  },
  *deleteUserSession(_d: Dialect, userId: string, id: string): Proc<boolean> {
    return (yield* run('DELETE FROM sessions WHERE user_id = ? AND id = ?', userId, id)) > 0;
  },
  *touchSession(_d: Dialect, hash: string, now: number, notBefore: number): Proc<void> {
    yield* run(
      'UPDATE sessions SET last_seen_at = ? WHERE hash = ? AND last_seen_at < ?',
      now,
      hash,
      notBefore,
    );
  },
  *pruneExpiredSessions(_d: Dialect, now: number, limit: number): Proc<number> {
    return yield* run(
      'DELETE FROM sessions WHERE hash IN (SELECT hash FROM sessions WHERE expires_at <= ? LIMIT ?)',
      now,
      limit,
    );
  },
  *deleteSession(_d: Dialect, hash: string): Proc<void> {
    yield* run('DELETE FROM sessions WHERE hash = ?', hash);
  },
  *createApiKey(_d: Dialect, k: ApiKey): Proc<void> {
    yield* run(
      'INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      k.id,
      k.org_id,
      k.name,
      JSON.stringify(k.scopes),
      k.hash,
      k.prefix,
      k.created_at,
      k.revoked_at,
    );
  },
  *revokeApiKey(_d: Dialect, orgId: string, id: string, now: number): Proc<boolean> {
    return (
      (yield* run(
        'UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at IS NULL',
        now,
        orgId,
        id,
      )) > 0
    );
  },
  *createToken(_d: Dialect, t: OneTimeToken): Proc<void> {
    yield* run(
      'INSERT INTO one_time_tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      t.hash,
      t.purpose,
      t.subject_id,
      t.org_id,
      t.email,
      t.created_at,
      t.expires_at,
      t.used_at,
    );
  },
  *spendToken(_d: Dialect, hash: string, now: number): Proc<boolean> {
    // One statement: of two servers redeeming at once, exactly one sees a row change.
    return (
      (yield* run(
        'UPDATE one_time_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?',
        now,
        hash,
        now,
      )) > 0
    );
  },
  *restoreToken(_d: Dialect, hash: string): Proc<void> {
    yield* run('UPDATE one_time_tokens SET used_at = NULL WHERE hash = ?', hash);
  },
  *deleteUnusedTokens(_d: Dialect, purpose: TokenPurpose, subjectId: string): Proc<void> {
    yield* run(
      'DELETE FROM one_time_tokens WHERE purpose = ? AND subject_id = ? AND used_at IS NULL',
      purpose,
      subjectId,
    );
  },
  *createInvitation(_d: Dialect, i: Invitation): Proc<void> {
    yield* run(
      'INSERT INTO invitations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      i.org_id,
      i.id,
      i.email,
      i.role,
      i.invited_by,
      i.created_at,
      i.expires_at,
      i.accepted_at,
      i.accepted_by,
      i.member_id,
      i.revoked_at,
    );
  },
  *markInvitationAccepted(
    _d: Dialect,
    orgId: string,
    id: string,
    userId: string,
    memberId: string,
    now: number,
  ): Proc<boolean> {
    return (
      (yield* run(
        `UPDATE invitations SET accepted_at = ?, accepted_by = ?, member_id = ?
          WHERE org_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL`,
        now,
        userId,
        memberId,
        orgId,
        id,
      )) > 0
    );
  },
  *markInvitationRevoked(_d: Dialect, orgId: string, id: string, now: number): Proc<boolean> {
    return (
      (yield* run(
        `UPDATE invitations SET revoked_at = ?
          WHERE org_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL`,
        now,
        orgId,
        id,
      )) > 0
    );
  },
  *claimOrg(d: Dialect, userId: string, owned: number, limit: number): Proc<boolean> {
    // The SELECT form inserts nothing when the person is at the limit already; the upsert
    // locks the person's row (PostgreSQL re-reads it after a concurrent claim commits;
    // SQLite has one writer), so concurrent claims are counted one after the other.
    const g = d.greatest;
    return (
      (yield* run(
        `INSERT INTO org_claims (user_id, claimed) SELECT ?, CAST(? AS integer) + 1 WHERE CAST(? AS integer) < CAST(? AS integer)
         ON CONFLICT (user_id) DO UPDATE SET claimed = ${g}(org_claims.claimed, CAST(? AS integer)) + 1
           WHERE ${g}(org_claims.claimed, CAST(? AS integer)) < CAST(? AS integer)`,
        userId,
        owned,
        owned,
        limit,
        owned,
        owned,
        limit,
      )) > 0
    );
  },
  *releaseOrgClaim(_d: Dialect, userId: string): Proc<void> {
    yield* run('UPDATE org_claims SET claimed = claimed - 1 WHERE user_id = ? AND claimed > 0', userId);
  },
  *reserveIdempotency(
    _d: Dialect,
    scope: string,
    key: string,
    fingerprint: string,
    now: number,
    leaseExpiresAt: number,
  ): Proc<IdempotencyReservation> {
    // Insert-or-take-over in one statement, so two servers racing on one key agree on who
    // runs it: a key is taken over when it is past keeping, or still running under a lease
    // that ran out (its server died).
    const taken = yield* run(
      `INSERT INTO request_idempotency (scope, key, fingerprint, status, body, done, created_at, lease_expires_at)
       VALUES (?, ?, ?, NULL, NULL, ?, ?, ?)
       ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, status = NULL, body = NULL,
         done = excluded.done, created_at = excluded.created_at, lease_expires_at = excluded.lease_expires_at
         WHERE request_idempotency.created_at < ?
            OR (request_idempotency.done = ? AND coalesce(request_idempotency.lease_expires_at, 0) <= ?)`,
      scope,
      key,
      fingerprint,
      false,
      now,
      leaseExpiresAt,
      now - REQUEST_KEYS_KEPT_MS,
      false,
      now,
    );
    if (taken > 0) return null;
    const r = yield* get('SELECT * FROM request_idempotency WHERE scope = ? AND key = ?', scope, key);
    if (!r) return null;
    return {
      fingerprint: String(r.fingerprint),
      status: numOrNull(r.status) ?? 0,
      body: r.body === null ? null : JSON.parse(r.body as string),
      done: Boolean(r.done),
    };
  },
  *renewIdempotencyLease(_d: Dialect, scope: string, key: string, leaseExpiresAt: number): Proc<void> {
    yield* run(
      'UPDATE request_idempotency SET lease_expires_at = ? WHERE scope = ? AND key = ? AND done = ?',
      leaseExpiresAt,
      scope,
      key,
      false,
    );
  },
  *completeIdempotency(_d: Dialect, scope: string, key: string, status: number, body: unknown): Proc<void> {
    yield* run(
      'UPDATE request_idempotency SET status = ?, body = ?, done = ? WHERE scope = ? AND key = ?',
      status,
      JSON.stringify(body),
      true,
      scope,
      key,
    );
  },
  *releaseIdempotency(_d: Dialect, scope: string, key: string): Proc<void> {
    yield* run('DELETE FROM request_idempotency WHERE scope = ? AND key = ? AND done = ?', scope, key, false);
  },
  *recordSignInFailure(
    _d: Dialect,
    subject: string,
    now: number,
    forgetBefore: number,
  ): Proc<SignInFailures> {
    // Rows of subjects that stopped failing long ago go in the scheduler's retention pass
    // (retention.ts), not on the sign-in path.
    return yield* inTransaction(function* () {
      // One upsert: servers failing the same account at once each add one, none is lost.
      const r = (yield* get(
        `INSERT INTO sign_in_failures VALUES (?, 1, ?)
         ON CONFLICT (subject) DO UPDATE SET
           failures = CASE WHEN sign_in_failures.last_failed_at < ? THEN 1 ELSE sign_in_failures.failures + 1 END,
           last_failed_at = excluded.last_failed_at
         RETURNING failures, last_failed_at`,
        subject,
        now,
        forgetBefore,
      ))!;
      return { failures: num(r.failures), last_failed_at: num(r.last_failed_at) };
    });
  },
  *clearSignInFailures(_d: Dialect, subject: string): Proc<void> {
    yield* run('DELETE FROM sign_in_failures WHERE subject = ?', subject);
  },
};
