/**
 * People and keys: sign-up (a user, an org on Free and the user as its owner, and a link to
 * verify the email: see email-verification.ts), sign-in sessions, and org API keys. Secrets (passwords, session tokens, key secrets) are never
 * stored: passwords as scrypt hashes, tokens and key secrets as SHA-256 digests.
 *
 * Neither sign-up nor sign-in tells a caller whether an email has an account: sign-up
 * answers the same for both (the email itself tells the owner), sign-in says "the email or
 * password is not right", both hash a password either way, and the sign-in back-off counts
 * unknown emails like known ones.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError, type Member, type OrgState, plural } from '../core/index.ts';
import type { ApiKey, Membership, Scope, Session, User } from '../store/types.ts';
import { MailUnavailable, sendAccountMail } from './account-mail.ts';
import type { AppDeps } from './deps.ts';
import { sendVerificationEmail } from './email-verification.ts';
import { randomId, randomSecret } from './ids.ts';
import { runCommand } from './ledger.ts';
import { createOrg, type NewOrg } from './orgs.ts';
import { checkPasswordStrength, personalWords } from './password-strength.ts';
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts';
import { FAILURES_FORGOTTEN_AFTER_MS, secondsToWait, signInSubject } from './sign-in-throttle.ts';
import { Throttled } from './throttled.ts';

// The one-shot `hash` is ≈ 3× faster than createHash().update().digest() on short secrets.
export const sha256 = (s: string) => hash('sha256', s);
export const normalizeEmail = (email: string) => email.trim().toLowerCase();
export const API_KEY_PREFIX = 'amisi_sk_';

export class Unauthorized extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unauthorized';
  }
}

export interface SignUp {
  email: string;
  password: string;
  org_name?: string | undefined;
}

/**
 * What sign-up did. Only the server sees this: the caller gets the same answer either way,
 * so sign-up cannot be used to find out who has an account.
 */
export type SignUpOutcome =
  | { kind: 'created'; email: string; user: User; org: OrgState; member: Member; verification_sent: boolean }
  | { kind: 'already_registered'; email: string };

/** Password hashing, through the server's bounded queue when there is one. */
export const hashingWork = <T>(deps: AppDeps, work: () => Promise<T>): Promise<T> =>
  deps.hashing ? deps.hashing.run(work) : work();

/** A new password's hash, at the server's cost, through the hashing queue. */
export const hashNewPassword = (deps: AppDeps, password: string): Promise<string> =>
  hashingWork(deps, () => hashPassword(password, deps.passwordHashCost));

export async function signUp(deps: AppDeps, req: SignUp): Promise<SignUpOutcome> {
  const email = normalizeEmail(req.email);
  await checkPasswordStrength(req.password, personalWords(email, req.org_name));
  // Hashed before looking the email up, whoever owns it, so both answers cost the same.
  const password_hash = await hashNewPassword(deps, req.password);
  const alreadyRegistered = async (): Promise<SignUpOutcome> => {
    // The owner is told; the caller is not (the answer is the same as for a new account).
    await mailQuietly(deps, signUpAttemptMail(email));
    return { kind: 'already_registered', email };
  };
  if (await deps.store.findUserByEmail(email)) return alreadyRegistered();
  const firstOrgId = randomId('org');
  const user: User = {
    id: randomId('usr'),
    email,
    password_hash,
    // Records take the service's clock, like the org and its log (the manual clock in tests).
    created_at: deps.clock.now(),
    email_verified_at: null,
    first_org_id: firstOrgId,
  };
  try {
    await deps.store.createUser(user);
  } catch (e) {
    if (await deps.store.findUserByEmail(email)) return alreadyRegistered(); // lost a race for the email
    throw e;
  }
  const org = await createOrg(deps, { id: firstOrgId, name: req.org_name ?? `${email.split('@')[0]}'s org` });
  const member = await runCommand<Member>(deps, org.id, { type: 'add_member', email, role: 'owner' });
  // The account exists either way; a mail server that is down must not undo it (resend later).
  const verification_sent = await sendVerificationEmail(deps, user).then(
    () => true,
    (e) => {
      if (e instanceof MailUnavailable) return false;
      throw e;
    },
  );
  return { kind: 'created', email, user, org, member: member.value, verification_sent };
}

/** Account mail whose failure the caller must not learn of (it would tell who has an account). */
export async function mailQuietly(deps: AppDeps, mail: { to: string; subject: string; text: string }) {
  await sendAccountMail(deps, mail).catch((e) => {
    if (!(e instanceof MailUnavailable)) throw e;
  });
}

const signUpAttemptMail = (email: string) => ({
  to: email,
  subject: 'Someone tried to sign up with your email',
  text: `Someone (perhaps you) tried to create an Amisi Credits account with ${email}, which already has one. Nothing was changed.\nIf it was you, sign in with your existing password. If it was not, you need do nothing: your account and its password are as they were.`,
});

export interface SignedIn {
  token: string;
  session: Session;
  user: User;
}

/**
 * Signs a person in. Refused before any hashing (429, `Throttled`) while the email's
 * back-off runs; each wrong password adds a failure, a right one forgets them.
 * Sessions run on wall-clock time, not the ledger's (possibly manual) clock; the back-off
 * runs on the service clock, so tests move it with the manual clock.
 */
/** Where a sign-in came from, as the server saw it: shown to the person in their session list. */
export interface SeenFrom {
  user_agent?: string | undefined;
  ip?: string | undefined;
}

/** A user agent is shown, not parsed: its first 300 characters say what it is. */
export const USER_AGENT_KEPT_CHARS = 300;
/**
 * A session's `last_seen_at` moves at most once a minute: every request reads its session,
 * and writing it back each time would turn every read into a write.
 */
export const SESSION_SEEN_RESOLUTION_MS = 60_000;

export async function logIn(
  deps: AppDeps,
  emailIn: string,
  password: string,
  from: SeenFrom = {},
): Promise<SignedIn> {
  const email = normalizeEmail(emailIn);
  const subject = signInSubject(email);
  const at = deps.clock.now();
  const failures = await deps.store.signInFailures(subject);
  const wait = secondsToWait(failures, at);
  if (wait > 0)
    throw new Throttled(wait, `too many failed sign-ins for this email; retry in ${plural(wait, 'second')}`);
  const user = await deps.store.findUserByEmail(email);
  const ok = await hashingWork(deps, async () =>
    verifyPassword(password, user?.password_hash ?? (await dummyHash(deps.passwordHashCost))),
  );
  if (!user || !ok) {
    await deps.store.recordSignInFailure(subject, at, at - FAILURES_FORGOTTEN_AFTER_MS);
    throw new Unauthorized('the email or password is not right');
  }
  if (failures) await deps.store.clearSignInFailures(subject);
  const token = randomBytes(32).toString('base64url');
  const now = Date.now();
  const session: Session = {
    hash: sha256(token),
    id: randomId('ses'),
    user_id: user.id,
    csrf_token: randomBytes(24).toString('base64url'),
    created_at: now,
    expires_at: now + deps.sessionTtlMs,
    last_seen_at: now,
    user_agent: from.user_agent ? from.user_agent.slice(0, USER_AGENT_KEPT_CHARS) : null,
    ip: from.ip ? from.ip.slice(0, 64) : null,
  };
  await deps.store.createSession(session);
  // Not awaited: a slow mail server must not slow the sign-in; a failure costs one notice.
  void noticeNewDevice(deps, user, session).catch(() => {});
  return { token, session, user };
}

/**
 * A "device" is the browser's user agent as sent at sign-in (first 300 characters; none
 * counts as one device): simple, and it changes with the browser, the computer or the
 * phone, which is what a person recognises. The first sign-in of an account remembers
 * its device silently; every later sign-in from a user agent never seen for the account
 * mails the person, so a sign-in they did not make is noticed. Only a digest is stored.
 */
async function noticeNewDevice(deps: AppDeps, user: User, session: Session) {
  const device = sha256(`ua:${session.user_agent ?? ''}`);
  if ((await deps.store.rememberDevice(user.id, device, session.created_at)) !== 'new') return;
  await mailQuietly(deps, {
    to: user.email,
    subject: 'New sign-in to your account',
    text: [
      `Someone signed in to the Amisi Credits account of ${user.email} from a device it had not been used on before:`,
      '',
      `  when:    ${new Date(session.created_at).toISOString()}`,
      `  browser: ${session.user_agent ?? '(none sent)'}`,
      `  address: ${session.ip ?? '(unknown)'}`,
      '',
      'If this was you, there is nothing to do.',
      'If not, change your password at once (it signs out everywhere else) and look at where you are signed in (Account → Security).',
    ].join('\n'),
  });
}

export async function sessionFor(
  deps: AppDeps,
  token: string,
): Promise<{ session: Session; user: User } | null> {
  if (token.length === 0 || token.length > 200) return null;
  const now = Date.now();
  const session = await deps.store.findSession(sha256(token), now);
  if (!session) return null;
  if (session.last_seen_at <= now - SESSION_SEEN_RESOLUTION_MS) {
    await deps.store.touchSession(session.hash, now, now - SESSION_SEEN_RESOLUTION_MS);
    session.last_seen_at = now;
  }
  const user = await deps.store.getUser(session.user_id);
  return user ? { session, user } : null;
}

/**
 * The orgs a person reaches. Members are matched by email, so only an address the person
 * has proven (email verification) reaches them all; until then, the account reaches the
 * org it made at sign-up and nothing else, whatever orgs list its address.
 */
export async function memberships(deps: AppDeps, user: User): Promise<Membership[]> {
  const all = await deps.store.membershipsByEmail(user.email);
  return user.email_verified_at !== null ? all : all.filter((m) => m.org_id === user.first_org_id);
}

/**
 * Makes an org on Free owned by this person, unless they own `limit` already: every new
 * org starts with 5 free credits, so unbounded orgs would be unbounded free credits. The
 * count and the claim are one atomic step in the store (`claimOrg`); reading the count and
 * then making the org let 30 concurrent requests from one session make 31 orgs (issue 13).
 * A claim whose org is not made is given back. A crash between the claim and the org keeps
 * the claim, which costs the person one org of their limit, never gives one more.
 */
export async function createOwnedOrg(
  deps: AppDeps,
  user: User,
  limit: number,
  req: NewOrg,
): Promise<OrgState> {
  const owned = (await memberships(deps, user)).filter((m) => m.role === 'owner').length;
  if (!(await deps.store.claimOrg(user.id, owned, limit))) {
    const busy = owned < limit ? ` and is creating ${limit - owned} more` : '';
    throw new DomainError(
      'conflict',
      `${user.email} owns ${plural(owned, 'org')}${busy}, the most one person may own is ${limit}; ask the operator for more`,
      { limit },
    );
  }
  let made = false;
  try {
    const org = await createOrg(deps, req);
    await runCommand(deps, org.id, { type: 'add_member', email: user.email, role: 'owner' });
    made = true;
    return org;
  } finally {
    if (!made) await deps.store.releaseOrgClaim(user.id);
  }
}

/** The digest `matchesSecret` compares against; computed once per secret, not per request. */
export const secretDigest = (secret: string) => hash('sha256', secret, 'buffer');

/**
 * Constant-time comparison of two secrets' digests, so the admin key cannot be guessed byte
 * by byte. The caller hashes the presented secret once (`secretDigest`) and uses the same
 * digest for the API key lookup (`keyFor`): one SHA-256 per request, not two.
 */
export function sameDigest(candidate: Buffer, digest: Buffer): boolean {
  return timingSafeEqual(candidate, digest);
}

/**
 * The live API key for a secret, or null. `presented` is the secret's `secretDigest` when
 * the caller already has it (the request path hashes each token once).
 */
export async function keyFor(deps: AppDeps, secret: string, presented?: Buffer): Promise<ApiKey | null> {
  if (!secret.startsWith(API_KEY_PREFIX) || secret.length > 200) return null;
  const digest = (presented ?? secretDigest(secret)).toString('hex');
  const cached = deps.apiKeys?.get(digest);
  if (cached) return cached;
  const key = await deps.store.findApiKeyByHash(digest);
  if (!key || key.revoked_at !== null) return null;
  deps.apiKeys?.set(digest, key);
  return key;
}

export async function createApiKey(
  deps: AppDeps,
  orgId: string,
  name: string,
  scopes: Scope[],
): Promise<{ key: ApiKey; secret: string }> {
  const secret = randomSecret(API_KEY_PREFIX);
  const key: ApiKey = {
    id: randomId('key'),
    org_id: orgId,
    name,
    scopes: [...new Set(scopes)].sort(),
    hash: sha256(secret),
    prefix: secret.slice(0, API_KEY_PREFIX.length + 6),
    created_at: deps.clock.now(),
    revoked_at: null,
  };
  await deps.store.createApiKey(key);
  return { key, secret };
}

export async function revokeApiKey(deps: AppDeps, orgId: string, id: string): Promise<ApiKey> {
  const find = async () => (await deps.store.listApiKeys(orgId)).find((k) => k.id === id);
  const key = await find();
  if (!key) throw new DomainError('not_found', `api key ${id} not found`);
  if (key.revoked_at !== null) return key; // revoking twice is the same as once
  // Revocation takes effect at once whatever the clock says: keyFor checks revoked_at, not time.
  await deps.store.revokeApiKey(orgId, id, deps.clock.now());
  deps.apiKeys?.clear();
  return (await find()) ?? key;
}
