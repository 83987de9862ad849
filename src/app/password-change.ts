/**
 * Changing a password while signed in. It asks for the current password, so a session left
 * open on a shared computer cannot be used to take the account over; a wrong one counts as
 * a failed sign-in of the account (the same back-off, ./sign-in-throttle.ts), so a stolen
 * session cannot be used to guess it quickly either. The change ends every other session
 * of the person and keeps the one that made it; the account's address is told by email.
 */
import { DomainError, plural } from '../core/index.ts';
import type { Session, User } from '../store/types.ts';
import { hashingWork, hashNewPassword, mailQuietly } from './accounts.ts';
import type { AppDeps } from './deps.ts';
import { passwordChangedMail } from './password-reset.ts';
import { checkPasswordStrength, personalWords } from './password-strength.ts';
import { verifyPassword } from './passwords.ts';
import { FAILURES_FORGOTTEN_AFTER_MS, secondsToWait, signInSubject } from './sign-in-throttle.ts';
import { Throttled } from './throttled.ts';

/**
 * Asks a signed-in person for their password before a step that a stolen session must not
 * take (a new password, a new email, deleting the account): a wrong one counts as a failed
 * sign-in of the account, under the same back-off. Returns the failures to forget after success.
 */
export async function checkCurrentPassword(
  deps: AppDeps,
  user: User,
  password: string,
  field = 'current_password',
): Promise<() => Promise<void>> {
  const subject = signInSubject(user.email);
  const at = deps.clock.now();
  const failures = await deps.store.signInFailures(subject);
  const wait = secondsToWait(failures, at);
  if (wait > 0)
    throw new Throttled(
      wait,
      `too many wrong passwords for this account; retry in ${plural(wait, 'second')}`,
    );
  if (!(await hashingWork(deps, () => verifyPassword(password, user.password_hash)))) {
    await deps.store.recordSignInFailure(subject, at, at - FAILURES_FORGOTTEN_AFTER_MS);
    throw new DomainError('password_incorrect', `${field} is not the account's password`);
  }
  return async () => {
    if (failures) await deps.store.clearSignInFailures(subject);
  };
}

export async function changePassword(
  deps: AppDeps,
  user: User,
  session: Session,
  currentPassword: string,
  newPassword: string,
): Promise<{ sessions_ended: number }> {
  const forgetFailures = await checkCurrentPassword(deps, user, currentPassword);
  await checkPasswordStrength(newPassword, personalWords(user.email), 'body.new_password');
  const hash = await hashNewPassword(deps, newPassword);
  await deps.store.setPasswordHash(user.id, hash);
  const sessions_ended = await deps.store.deleteUserSessions(user.id, session.hash);
  await forgetFailures();
  // A reset link asked for before the change would still set a password: it dies with the old one.
  await deps.store.deleteUnusedTokens('password_reset', user.id);
  await mailQuietly(deps, passwordChangedMail(user.email, 'changed by someone signed in with the old one'));
  return { sessions_ended };
}
