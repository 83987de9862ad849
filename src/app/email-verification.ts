/**
 * Email verification: an account proves it reads mail at its address by opening a link
 * with a one-time token. Until then it reaches only the org it made at sign-up: it cannot
 * accept invitations, create another org, or see orgs that added its address (memberships
 * are matched by email, which is only safe once the email is proven).
 */
import { DomainError } from '../core/index.ts';
import type { User } from '../store/types.ts';
import { accountLink, sendAccountMail } from './account-mail.ts';
import type { AppDeps } from './deps.ts';
import { issueToken, openToken, spendToken } from './tokens.ts';

/**
 * A day: long enough to read the mail tomorrow morning, short enough that a link left in
 * an old mailbox or a forwarded message is dead; a new one is a click away (resend).
 */
export const EMAIL_VERIFICATION_TTL_MS = 24 * 3600_000;
/** A resend at most once a minute per account: each one is an email to someone's inbox. */
export const VERIFICATION_RESEND_INTERVAL_MS = 60_000;

export const isVerified = (u: User) => u.email_verified_at !== null;

/** Refuses an unverified account the step `what` ("accept invitations", …). */
export function requireVerifiedEmail(u: User, what: string): void {
  if (!isVerified(u))
    throw new DomainError(
      'email_not_verified',
      `verify ${u.email} before you ${what}: open the link we emailed you, or ask for a new one with POST /v1/auth/verify-email/resend`,
    );
}

/** Mails a fresh verification link; earlier unused links stop working (one live link at a time). */
export async function sendVerificationEmail(deps: AppDeps, u: User): Promise<void> {
  await deps.store.deleteUnusedTokens('email_verification', u.id);
  const token = await issueToken(deps, {
    purpose: 'email_verification',
    subject_id: u.id,
    email: u.email,
    ttl_ms: EMAIL_VERIFICATION_TTL_MS,
  });
  await sendAccountMail(deps, {
    to: u.email,
    subject: 'Verify your email address',
    text: [
      `Open this link to verify ${u.email} for your Amisi Credits account:`,
      '',
      accountLink(deps, 'verify-email', token),
      '',
      'Or send the token to the API: POST /v1/auth/verify-email {"token": "…"}',
      `Token: ${token}`,
      '',
      `The link works once and expires in 24 hours. If you did not sign up, ignore this email.`,
    ].join('\n'),
  });
}

/** Resend for a signed-in person, throttled per account. */
export async function resendVerificationEmail(deps: AppDeps, u: User): Promise<void> {
  if (isVerified(u)) throw new DomainError('conflict', `${u.email} is already verified`);
  const last = await deps.store.lastTokenAt('email_verification', u.id);
  const wait = last === null ? 0 : last + VERIFICATION_RESEND_INTERVAL_MS - deps.clock.now();
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    throw new DomainError(
      'rate_limited',
      `a verification email was sent moments ago; retry in ${seconds} s`,
      {
        retry_after: seconds,
      },
    );
  }
  await sendVerificationEmail(deps, u);
}

/** Redeems a verification token: no session needed (the link may be opened on a phone). */
export async function verifyEmail(deps: AppDeps, secret: string): Promise<User> {
  const t = await openToken(deps, 'email_verification', secret);
  await spendToken(deps, t);
  // Verifies the address the link was mailed to, and only while it is still the account's.
  if (!(await deps.store.markEmailVerified(t.subject_id, t.email, deps.clock.now())))
    throw new DomainError('token_invalid', 'this link was for an address the account no longer uses');
  const u = await deps.store.getUser(t.subject_id);
  if (!u) throw new DomainError('token_invalid', 'the account of this link no longer exists');
  return u;
}
