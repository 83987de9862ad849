/**
 * Leaving: a person leaves an org, an owner hands ownership to another member, an owner
 * closes an org, a person deletes their account. The rules are the core's (team.ts,
 * closing.ts, account-deletion.ts); this file runs them and sends the mail each step owes.
 *
 * Deleting an account removes the person (their row, sessions, links, known devices) and
 * their memberships; the ledger of every org keeps what it recorded, as the law asks of
 * payment records. API keys belong to orgs, not to people, so they stay with orgs that stay
 * open; closing an org revokes its keys (nothing may use it any more).
 */
import {
  accountDeletionSteps,
  DomainError,
  hasPaidPlan,
  type Member,
  type OrgState,
  orgClosed,
} from '../core/index.ts';
import type { Membership, User } from '../store/types.ts';
import { mailQuietly, memberships, normalizeEmail } from './accounts.ts';
import { cancelPlan } from './billing.ts';
import type { AppDeps } from './deps.ts';
import { loadOrg, runCommand } from './ledger.ts';
import { checkCurrentPassword } from './password-change.ts';

/**
 * Refuses a change to a closed org (410 `org_closed`) before any route runs. The ledger
 * refuses its own commands anyway; this covers what lives beside it (keys, invitations,
 * webhook endpoints, settings).
 */
export async function refuseIfOrgClosed(deps: AppDeps, orgId: string): Promise<void> {
  const state = await deps.store.getOrg(orgId, deps.clock.now());
  if (state?.closed_at != null) throw orgClosed({ ...state, closed_at: state.closed_at });
}

/**
 * The person of `membership` leaves its org; the core refuses the last owner and says to
 * transfer ownership first. The membership is the caller's, as the edge found it.
 */
export async function leaveOrg(deps: AppDeps, membership: Membership): Promise<Member> {
  return (
    await runCommand<Member>(deps, membership.org_id, {
      type: 'remove_member',
      member_id: membership.member_id,
    })
  ).value;
}

export interface TransferTarget {
  member_id?: string | undefined;
  email?: string | undefined;
}

/**
 * The member of `membership` makes another member the owner and becomes an admin; both
 * are told. Only an owner may: that is the core's rule (team.ts), whose refusal is told
 * here with the caller's role.
 */
export async function transferOwnership(
  deps: AppDeps,
  membership: Membership,
  target: TransferTarget,
): Promise<{ from: Member; to: Member; org: OrgState }> {
  if ((target.member_id === undefined) === (target.email === undefined))
    throw new DomainError('validation_failed', 'name the new owner by exactly one of member_id or email', {
      field: 'body',
    });
  // The one read: the new owner named by email needs its member id, the mail the org's name,
  // and the answer the org, of which a transfer changes only the two roles the command answers.
  const state = await loadOrg(deps, membership.org_id);
  const email = target.email === undefined ? undefined : normalizeEmail(target.email);
  const to = state.members.find((x) => (email !== undefined ? x.email === email : x.id === target.member_id));
  if (!to)
    throw new DomainError(
      'not_found',
      `${email ?? target.member_id} is not a member of this org; invite them first`,
    );
  let r: { value: { from: Member; to: Member } };
  try {
    r = await runCommand<{ from: Member; to: Member }>(deps, state.id, {
      type: 'transfer_ownership',
      from_member_id: membership.member_id,
      to_member_id: to.id,
    });
  } catch (e) {
    if (e instanceof DomainError && e.code === 'forbidden' && membership.role !== 'owner')
      throw new DomainError(
        'forbidden',
        `only an owner can transfer ownership; you are ${membership.role === 'admin' ? 'an' : 'a'} ${membership.role}`,
      );
    throw e;
  }
  const { from, to: owner } = r.value;
  await mailQuietly(deps, {
    to: owner.email,
    subject: `You now own ${state.name}`,
    text: [
      `${from.email} transferred the ownership of the org ${state.name} (${state.id}) to you.`,
      `You are its owner now: its plan, its billing and its people are in your hands. ${from.email} stays as an admin.`,
    ].join('\n'),
  });
  await mailQuietly(deps, {
    to: from.email,
    subject: `You transferred ${state.name} to ${owner.email}`,
    text: [
      `You transferred the ownership of the org ${state.name} (${state.id}) to ${owner.email}.`,
      'You stay as an admin. If this was not you, tell the new owner and change your password at once.',
    ].join('\n'),
  });
  const roles = new Map([from, owner].map((m) => [m.id, m]));
  return { from, to: owner, org: { ...state, members: state.members.map((m) => roles.get(m.id) ?? m) } };
}

/**
 * Closes an org: cancels its plan with the payment provider (at the period end; what was
 * paid for is not refunded by closing), then marks it closed in the ledger, revokes its API
 * keys and tells its owners and admins. `confirm` must be the org's name, so it is not
 * closed by a stray click or a request meant for another org. A person closes through
 * their membership (an owner's), as the edge found it; the operator through its key.
 */
export async function closeOrg(
  deps: AppDeps,
  orgId: string,
  by: { membership: Membership } | { operator: true },
  confirm: string,
): Promise<OrgState> {
  if ('membership' in by && by.membership.role !== 'owner')
    throw new DomainError('forbidden', 'only an owner can close an org');
  const state = await loadOrg(deps, orgId);
  if (state.closed_at != null) throw orgClosed({ ...state, closed_at: state.closed_at });
  if (confirm.trim() !== state.name.trim())
    throw new DomainError('validation_failed', `type the org's name, ${state.name}, to confirm closing it`, {
      field: 'body.confirm',
    });
  return closeLoaded(deps, state, 'membership' in by ? by.membership.email : 'the operator');
}

async function closeLoaded(deps: AppDeps, state: OrgState, by: string): Promise<OrgState> {
  // Through the provider, so Stripe stops billing too; the ledger's close cancels what is left.
  if (hasPaidPlan(state)) await cancelPlan(deps, state.id);
  // The command answers with the closed org: its members are whom the mail below is owed.
  const closed = (await runCommand<OrgState>(deps, state.id, { type: 'close_org' })).value;
  await deps.store.revokeOrgApiKeys(state.id, deps.clock.now());
  deps.apiKeys?.clear();
  for (const m of closed.members.filter((x) => x.role === 'owner' || x.role === 'admin'))
    await mailQuietly(deps, {
      to: m.email,
      subject: `${state.name} was closed`,
      text: [
        `The org ${state.name} (${state.id}) was closed by ${by}.`,
        'Its plan is cancelled, its API keys are revoked, and nothing can be charged or changed any more.',
        'Its transaction log is kept: owners and admins can still read and export it (CSV or JSON) from the web app or the API.',
      ].join('\n'),
    });
  return closed;
}

/**
 * Deletes the account of `user` after checking their password. Refused, changing nothing,
 * while any org needs them (see account-deletion.ts); the refusal lists each org and what
 * to do. Otherwise leaves every org, closes the ones that were theirs alone, and removes the
 * account.
 */
export async function deleteAccount(
  deps: AppDeps,
  user: User,
  password: string,
): Promise<{ orgs_left: string[]; orgs_closed: string[] }> {
  const forgetFailures = await checkCurrentPassword(deps, user, password, 'password');
  await forgetFailures();
  const states = await Promise.all((await memberships(deps, user)).map((m) => loadOrg(deps, m.org_id)));
  const steps = accountDeletionSteps(states, user.email, deps.clock.now());
  const refused = steps.flatMap((s) =>
    s.action === 'refused' ? [{ org_id: s.org_id, reason: s.reason }] : [],
  );
  if (refused.length > 0)
    throw new DomainError(
      'conflict',
      `the account cannot be deleted yet: ${refused.map((r) => r.reason).join('; ')}`,
      { orgs: refused },
    );
  const orgs_closed: string[] = [];
  for (const s of steps) {
    if (s.action === 'close_and_leave') {
      const state = states.find((x) => x.id === s.org_id);
      if (state) await closeLoaded(deps, state, `${user.email}, deleting their account`);
      orgs_closed.push(s.org_id);
    }
    await runCommand(deps, s.org_id, { type: 'remove_member', member_id: s.member_id });
  }
  await deps.store.deleteUser(user.id);
  await mailQuietly(deps, {
    to: user.email,
    subject: 'Your account was deleted',
    text: [
      `The Amisi Credits account of ${user.email} was deleted, and every place it was signed in is signed out.`,
      orgs_closed.length > 0
        ? `The orgs that were yours alone were closed (${orgs_closed.join(', ')}); their transaction logs are kept, as the law requires.`
        : 'You have left every org you belonged to.',
      'If this was not you, write to the operator of this service at once.',
    ].join('\n'),
  });
  return { orgs_left: steps.map((s) => s.org_id), orgs_closed };
}
