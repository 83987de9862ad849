/**
 * Invitations: how a person joins an org. An admin names an email and a role; the address
 * gets a link with a one-time token; the person signs in (or up), verifies the same
 * address, and opens the link. Only then is the member added to the org. Nobody joins
 * by owning an account with a matching email: that let anyone who signed up first with
 * an invited address take the seat (issue 13).
 *
 * Rules (docs/accounts.md):
 *  - the link works once, for 7 days, for an account whose verified email is the invited one;
 *  - inviting an address again replaces its open invitation (a new link; the old one dies);
 *  - an admin lists and revokes invitations; a revoked link is dead at once;
 *  - the org's tier must have team access, at invitation and again at acceptance.
 */
import { DomainError, type Member, notFound, type OrgState, type Role, tierOf } from '../core/index.ts';
import type { Invitation, Page, User } from '../store/types.ts';
import { accountLink, sendAccountMail } from './account-mail.ts';
import { normalizeEmail } from './accounts.ts';
import type { AppDeps } from './deps.ts';
import { requireVerifiedEmail } from './email-verification.ts';
import { randomId } from './ids.ts';
import { loadOrg, runCommand } from './ledger.ts';
import { issueToken, openToken, spendToken } from './tokens.ts';

/**
 * A week: people are invited on a Monday and are away until the next; any longer and a
 * forgotten link in a mailbox stays a way into the org. Inviting again mails a new one.
 */
export const INVITATION_TTL_MS = 7 * 86_400_000;
/**
 * Open invitations per org. Each is an email sent to an address the inviter chose: the bound
 * keeps an org (or a stolen admin key) from using us to mail strangers by the thousand.
 */
export const MAX_OPEN_INVITATIONS_PER_ORG = 100;

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export function invitationStatus(i: Invitation, now: number): InvitationStatus {
  if (i.accepted_at !== null) return 'accepted';
  if (i.revoked_at !== null) return 'revoked';
  return now >= i.expires_at ? 'expired' : 'pending';
}

export interface InvitationRequest {
  email: string;
  role: Role;
  /** Who sends it: `admin`, a key id or a user id (kept on the invitation). */
  invited_by: string;
}

export async function createInvitation(
  deps: AppDeps,
  orgId: string,
  req: InvitationRequest,
): Promise<Invitation> {
  const state = await loadOrg(deps, orgId);
  const email = normalizeEmail(req.email);
  const now = deps.clock.now();
  if (state.members.some((m) => m.email === email))
    throw new DomainError('conflict', `${email} is already a member of this org`);
  checkTeamAccess(deps, state);
  for (const old of await deps.store.openInvitationsTo(orgId, email, now)) await revoke(deps, old, now);
  if ((await deps.store.countOpenInvitations(orgId, now)) >= MAX_OPEN_INVITATIONS_PER_ORG)
    throw new DomainError(
      'conflict',
      `an org may have at most ${MAX_OPEN_INVITATIONS_PER_ORG} open invitations; revoke some or wait for them to be accepted`,
      { limit: MAX_OPEN_INVITATIONS_PER_ORG },
    );
  const inv: Invitation = {
    org_id: orgId,
    id: randomId('inv'),
    email,
    role: req.role,
    invited_by: req.invited_by,
    created_at: now,
    expires_at: now + INVITATION_TTL_MS,
    accepted_at: null,
    accepted_by: null,
    member_id: null,
    revoked_at: null,
  };
  await deps.store.createInvitation(inv);
  const token = await issueToken(deps, {
    purpose: 'invitation',
    subject_id: inv.id,
    org_id: orgId,
    email,
    ttl_ms: INVITATION_TTL_MS,
  });
  try {
    await sendAccountMail(deps, {
      to: email,
      subject: `You are invited to ${state.name}`,
      text: [
        `You are invited to join ${state.name} on Amisi Credits as ${req.role === 'admin' ? 'an' : 'a'} ${req.role}.`,
        '',
        'Sign in (or sign up) with this email address, verify it, then open:',
        accountLink(deps, 'accept-invitation', token),
        '',
        'Or, signed in, send the token to the API: POST /v1/invitations/accept {"token": "…"}',
        `Token: ${token}`,
        '',
        `The link works once, only for ${email}, and expires on ${new Date(inv.expires_at).toISOString().slice(0, 10)}.`,
        'If you did not expect it, ignore this email.',
      ].join('\n'),
    });
  } catch (e) {
    // An invitation nobody received is no invitation: the admin sees the refusal and may retry.
    await revoke(deps, inv, now);
    throw e;
  }
  return inv;
}

/** What a link holder may see before deciding: the org, the role, the invited address. */
export async function previewInvitation(
  deps: AppDeps,
  secret: string,
): Promise<{ invitation: Invitation; org: OrgState }> {
  const t = await openToken(deps, 'invitation', secret);
  const invitation = await liveInvitation(deps, t.org_id ?? '', t.subject_id);
  return { invitation, org: await loadOrg(deps, invitation.org_id) };
}

/** Joins the signed-in person to the org of the invitation. */
export async function acceptInvitation(
  deps: AppDeps,
  user: User,
  secret: string,
): Promise<{ invitation: Invitation; member: Member; org: OrgState }> {
  const t = await openToken(deps, 'invitation', secret);
  const inv = await liveInvitation(deps, t.org_id ?? '', t.subject_id);
  requireVerifiedEmail(user, 'accept invitations');
  if (normalizeEmail(user.email) !== inv.email)
    // Refused before the token is spent: the invited person can still use it.
    throw new DomainError(
      'invitation_email_mismatch',
      `this invitation is for ${inv.email}; you are signed in as ${user.email}`,
    );
  await spendToken(deps, t);
  let member: Member;
  try {
    member = (
      await runCommand<Member>(deps, inv.org_id, { type: 'add_member', email: user.email, role: inv.role })
    ).value;
  } catch (e) {
    // Refused by the org's rules (say, its tier lost team access): the link stays usable for a retry.
    await deps.store.restoreToken(t.hash);
    throw e;
  }
  const now = deps.clock.now();
  await deps.store.markInvitationAccepted(inv.org_id, inv.id, user.id, member.id, now);
  const invitation = (await deps.store.getInvitation(inv.org_id, inv.id)) ?? inv;
  return { invitation, member, org: await loadOrg(deps, inv.org_id) };
}

export async function listInvitations(
  deps: AppDeps,
  orgId: string,
  limit: number,
  startingAfter?: string,
): Promise<Page<Invitation>> {
  await loadOrg(deps, orgId);
  return deps.store.listInvitations(orgId, limit, startingAfter);
}

export async function getInvitation(deps: AppDeps, orgId: string, id: string): Promise<Invitation> {
  const inv = await deps.store.getInvitation(orgId, id);
  if (!inv) throw notFound('invitation', id);
  return inv;
}

/** Revokes a pending invitation; revoking one that is revoked already is the same as once. */
export async function revokeInvitation(deps: AppDeps, orgId: string, id: string): Promise<Invitation> {
  const inv = await getInvitation(deps, orgId, id);
  if (inv.accepted_at !== null)
    throw new DomainError('conflict', `invitation ${id} was accepted; remove the member instead`);
  if (inv.revoked_at === null) await revoke(deps, inv, deps.clock.now());
  return getInvitation(deps, orgId, id);
}

async function revoke(deps: AppDeps, inv: Invitation, now: number) {
  await deps.store.markInvitationRevoked(inv.org_id, inv.id, now);
  await deps.store.deleteUnusedTokens('invitation', inv.id);
}

async function liveInvitation(deps: AppDeps, orgId: string, id: string): Promise<Invitation> {
  const inv = await deps.store.getInvitation(orgId, id);
  if (!inv || inv.revoked_at !== null)
    throw new DomainError('token_invalid', 'this invitation was revoked; ask the org for a new one');
  if (inv.accepted_at !== null) throw new DomainError('token_used', 'this invitation was already accepted');
  return inv;
}

/** Members beyond the owner need a tier with team access (the rule `add_member` applies too). */
function checkTeamAccess(deps: AppDeps, state: OrgState) {
  if (state.members.length > 0 && !tierOf(deps.catalog, state.subscription.tier).team)
    throw new DomainError(
      'tier_not_allowed',
      `the ${state.subscription.tier} tier has no team access; upgrade to Pro or above`,
    );
}
