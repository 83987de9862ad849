/**
 * Changing the email of an account. The new address counts only once its owner opens a
 * link sent to it (a one-time token, ./tokens.ts), as at sign-up; until then nothing
 * changes. Applying it moves the account and every membership it reaches to the new
 * address, keeping each member id (budgets, holds and the log name members by id), so the
 * person keeps every org and role and the old address, which may be someone else's one
 * day, reaches nothing. The old address is told.
 *
 * Whether the new address already has an account is not told to the person asking: the
 * request answers the same, and that address's owner gets a mail saying someone tried
 * (as sign-up does). Asking needs the account's password, so a session left open on a
 * shared computer cannot move the account to an address the thief reads.
 */
import { DomainError, plural } from '../core/index.ts';
import type { User } from '../store/types.ts';
import { accountLink } from './account-mail.ts';
import { mailQuietly, memberships, normalizeEmail } from './accounts.ts';
import type { AppDeps } from './deps.ts';
import { loadOrg, runCommand } from './ledger.ts';
import { checkCurrentPassword } from './password-change.ts';
import { issueToken, openToken, spendToken } from './tokens.ts';

/**
 * 1 hour: the person is at the screen waiting for the mail, and until it is opened the
 * change is pending; a new link is a click away.
 */
export const EMAIL_CHANGE_TTL_MS = 60 * 60_000;
/** At most one change mail a minute per account: each is an email to an address the person chose. */
export const EMAIL_CHANGE_INTERVAL_MS = 60_000;

export async function requestEmailChange(
  deps: AppDeps,
  user: User,
  newEmailIn: string,
  password: string,
): Promise<{ new_email: string }> {
  const newEmail = normalizeEmail(newEmailIn);
  if (newEmail === user.email)
    throw new DomainError('validation_failed', `${newEmail} is already the account's address`, {
      field: 'body.new_email',
    });
  const forgetFailures = await checkCurrentPassword(deps, user, password, 'password');
  await forgetFailures();
  const last = await deps.store.lastTokenAt('email_change', user.id);
  const now = deps.clock.now();
  if (last !== null && now < last + EMAIL_CHANGE_INTERVAL_MS) {
    const wait = Math.ceil((last + EMAIL_CHANGE_INTERVAL_MS - now) / 1000);
    throw new DomainError('rate_limited', `one email change a minute; retry in ${plural(wait, 'second')}`, {
      retry_after: wait,
    });
  }
  // One live link at a time: asking again (perhaps for another address) kills the one before.
  await deps.store.deleteUnusedTokens('email_change', user.id);
  const token = await issueToken(deps, {
    purpose: 'email_change',
    subject_id: user.id,
    email: newEmail,
    ttl_ms: EMAIL_CHANGE_TTL_MS,
  });
  if (await deps.store.findUserByEmail(newEmail)) {
    // The token was minted anyway, so the throttle and the time taken are the same; its
    // secret is never sent, so it opens nothing and expires unused.
    await mailQuietly(deps, {
      to: newEmail,
      subject: 'Someone tried to move an account to your email',
      text: [
        `Someone signed in to another Amisi Credits account asked to change its email to ${newEmail}, which already has an account.`,
        'Nothing was changed: an address belongs to one account at a time.',
        'If it was you, delete or change the email of one of the two accounts first.',
      ].join('\n'),
    });
    return { new_email: newEmail };
  }
  await mailQuietly(deps, {
    to: newEmail,
    subject: 'Confirm your new email address',
    text: [
      `The Amisi Credits account of ${user.email} asked to use ${newEmail} from now on.`,
      'Open this link to confirm the new address:',
      '',
      accountLink(deps, 'confirm-email', token),
      '',
      'Or send the token to the API: POST /v1/auth/email/confirm {"token": "…"}',
      `Token: ${token}`,
      '',
      `The link works once and expires in ${EMAIL_CHANGE_TTL_MS / 60_000} minutes. Until it is opened, nothing changes.`,
      'If you did not ask for this, ignore this email.',
    ].join('\n'),
  });
  return { new_email: newEmail };
}

/**
 * Applies a change with the token mailed to the new address. No session is needed: the
 * link may be opened on another device, and opening it proves the address.
 */
export async function confirmEmailChange(
  deps: AppDeps,
  secret: string,
): Promise<{ user: User; old_email: string; memberships_moved: number }> {
  const t = await openToken(deps, 'email_change', secret);
  const user = await deps.store.getUser(t.subject_id);
  if (!user)
    throw new DomainError('token_invalid', 'the account that asked for this change no longer exists');
  const newEmail = t.email;
  if (await deps.store.findUserByEmail(newEmail))
    throw new DomainError('conflict', `${newEmail} has an account of its own now; the change cannot be made`);
  // Only the memberships the person reaches move: an unverified account never proved the
  // old address, so orgs that merely list it are not theirs to take along.
  const moving = await memberships(deps, user);
  for (const m of moving) {
    const state = await loadOrg(deps, m.org_id);
    if (state.members.some((x) => x.email === newEmail))
      throw new DomainError(
        'conflict',
        `${state.name} (${state.id}) already has ${newEmail} as a member besides you; ask its owner to remove that membership first`,
        { org_id: state.id },
      );
  }
  await spendToken(deps, t);
  const oldEmail = user.email;
  try {
    const allOrgs = user.email_verified_at !== null;
    if (!(await deps.store.setUserEmail(user.id, oldEmail, newEmail, deps.clock.now(), allOrgs)))
      throw new DomainError('conflict', 'the account changed meanwhile; ask for a new link');
  } catch (e) {
    if (e instanceof DomainError) throw e;
    if (await deps.store.findUserByEmail(newEmail))
      throw new DomainError(
        'conflict',
        `${newEmail} has an account of its own now; the change cannot be made`,
      );
    throw e;
  }
  // The account holds the new address first (the unique index reserves it), with the move
  // recorded as in flight in the same statement; then each org follows, one ledger command
  // each, and the record is cleared. A crash in between is finished by the scheduler
  // (finishEmailMoves below), so no org is left on an address the account no longer has.
  for (const m of moving)
    await runCommand(deps, m.org_id, { type: 'change_member_email', email: oldEmail, new_email: newEmail });
  await deps.store.finishEmailMove(user.id, oldEmail);
  // Links mailed to the old address die with it.
  for (const purpose of ['email_change', 'password_reset', 'email_verification'] as const)
    await deps.store.deleteUnusedTokens(purpose, user.id);
  await mailQuietly(deps, {
    to: oldEmail,
    subject: 'Your email address was changed',
    text: [
      `The Amisi Credits account that used ${oldEmail} now uses ${newEmail}: sign in with the new address from now on.`,
      'This address no longer reaches the account or its orgs.',
      '',
      'If this was not you, someone has your password: write to the owners of your orgs and to the operator of this service at once.',
    ].join('\n'),
  });
  const after = (await deps.store.getUser(user.id)) ?? user;
  return { user: after, old_email: oldEmail, memberships_moved: moving.length };
}

/** Email moves finished per scheduler pass: each costs one ledger command per org. */
export const EMAIL_MOVES_FINISHED_PER_PASS = 50;

/**
 * Finishes email changes a crash interrupted between the account's new address and its
 * orgs: every org that still lists the old address (only the sign-up org for an account that
 * was unverified) gets its `change_member_email`, then the move is cleared. An org that
 * refuses (it lists the new address as another member meanwhile) keeps the old address:
 * its owner decides, as at confirmation. Returns the moves finished.
 */
export async function finishEmailMoves(
  deps: AppDeps,
  limit = EMAIL_MOVES_FINISHED_PER_PASS,
): Promise<number> {
  let finished = 0;
  for (const move of await deps.store.emailMovesInFlight(limit)) {
    const listed = await deps.store.membershipsByEmail(move.from);
    const orgs = move.all_orgs ? listed : listed.filter((m) => m.org_id === move.user.first_org_id);
    for (const m of orgs) {
      try {
        await runCommand(deps, m.org_id, {
          type: 'change_member_email',
          email: move.from,
          new_email: move.user.email,
        });
      } catch (e) {
        // Refused (the org lists the new address as another member meanwhile): that org
        // keeps the old address for its owner to decide, as a refusal at confirmation does.
        if (!(e instanceof DomainError)) throw e;
      }
    }
    if (await deps.store.finishEmailMove(move.user.id, move.from)) finished++;
  }
  return finished;
}
