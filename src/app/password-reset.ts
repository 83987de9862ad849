/**
 * Forgotten password: a person who cannot sign in asks for a link by email, and the link
 * (a one-time token, ./tokens.ts) lets them set a new password. The request answers the
 * same whether or not the email has an account, so it cannot be used to learn who does;
 * the mail itself goes out after the answer, so the time taken does not tell either.
 *
 * Setting the new password ends every session of the account: whoever reset it may be
 * shutting out someone who had the old password. It also forgets the account's failed
 * sign-ins (the person will sign in with the new one at once) and, since opening the link
 * proves the person reads mail at the address, verifies that address.
 */

import { DomainError } from '../core/index.ts';
import type { User } from '../store/types.ts';
import { accountLink } from './account-mail.ts';
import { hashNewPassword, mailQuietly, normalizeEmail } from './accounts.ts';
import type { AppDeps } from './deps.ts';
import { checkPasswordStrength, personalWords } from './password-strength.ts';
import { signInSubject } from './sign-in-throttle.ts';
import { issueToken, openToken, spendToken } from './tokens.ts';

/**
 * 30 minutes: the mail arrives within a minute or two, and a reset link is a key to the
 * account, so it should not outlive the moment it was asked for. A new one is a click away.
 */
export const PASSWORD_RESET_TTL_MS = 30 * 60_000;
/**
 * At most one reset mail a minute per account: each is an email to someone's inbox, and
 * anyone may ask for one. Requests within the minute answer the same and send nothing.
 */
export const PASSWORD_RESET_INTERVAL_MS = 60_000;

/**
 * Starts a reset for `emailIn`. Returns at once with the mailing still running (`sending`),
 * so the caller answers before the mail server does and the answer's time does not depend
 * on whether an account exists; `sending` never rejects for a mail server that is down.
 */
export async function requestPasswordReset(
  deps: AppDeps,
  emailIn: string,
): Promise<{ sending: Promise<void> }> {
  const email = normalizeEmail(emailIn);
  const user = await deps.store.findUserByEmail(email);
  if (!user) return { sending: Promise.resolve() };
  const last = await deps.store.lastTokenAt('password_reset', user.id);
  if (last !== null && deps.clock.now() < last + PASSWORD_RESET_INTERVAL_MS)
    return { sending: Promise.resolve() };
  return { sending: sendResetMail(deps, user) };
}

async function sendResetMail(deps: AppDeps, u: User): Promise<void> {
  // One live link at a time: asking again kills the links mailed before.
  await deps.store.deleteUnusedTokens('password_reset', u.id);
  const token = await issueToken(deps, {
    purpose: 'password_reset',
    subject_id: u.id,
    email: u.email,
    ttl_ms: PASSWORD_RESET_TTL_MS,
  });
  await mailQuietly(deps, {
    to: u.email,
    subject: 'Reset your password',
    text: [
      `Someone (we hope you) asked to reset the password of the Amisi Credits account of ${u.email}.`,
      'Open this link to choose a new password:',
      '',
      accountLink(deps, 'reset-password', token),
      '',
      'Or send the token with the new password to the API: POST /v1/auth/password-reset/confirm {"token": "…", "password": "…"}',
      `Token: ${token}`,
      '',
      `The link works once and expires in ${PASSWORD_RESET_TTL_MS / 60_000} minutes. Setting a new password signs you out everywhere.`,
      'If you did not ask for this, ignore this email: your password stays as it is.',
    ].join('\n'),
  });
}

/**
 * Sets a new password with a reset token. The password is judged and hashed before the
 * token is spent, so a refused password leaves the link usable for a better one.
 */
export async function confirmPasswordReset(
  deps: AppDeps,
  secret: string,
  password: string,
): Promise<{ user: User; sessions_ended: number }> {
  const t = await openToken(deps, 'password_reset', secret);
  const before = await deps.store.getUser(t.subject_id);
  // A link mailed to an address the account no longer uses opens nothing.
  if (!before || before.email !== t.email)
    throw new DomainError('token_invalid', 'this link was for an address the account no longer uses');
  await checkPasswordStrength(password, personalWords(before.email));
  const password_hash = await hashNewPassword(deps, password);
  await spendToken(deps, t);
  await deps.store.setPasswordHash(before.id, password_hash);
  const sessions_ended = await deps.store.deleteUserSessions(before.id, null);
  await deps.store.clearSignInFailures(signInSubject(before.email));
  await deps.store.markEmailVerified(before.id, t.email, deps.clock.now());
  await deps.store.deleteUnusedTokens('password_reset', before.id);
  await mailQuietly(deps, passwordChangedMail(before.email, 'reset with a link sent to this address'));
  const user = (await deps.store.getUser(before.id)) ?? before;
  return { user, sessions_ended };
}

/** Tells the owner of an account its password changed, so a change they did not make is noticed. */
export const passwordChangedMail = (email: string, how: string) => ({
  to: email,
  subject: 'Your password was changed',
  text: [
    `The password of the Amisi Credits account of ${email} was just ${how}.`,
    'Every other place the account was signed in has been signed out.',
    '',
    'If this was not you, reset your password at once from the sign-in page ("Forgot your password?")',
    'and tell the owners of your orgs.',
  ].join('\n'),
});
