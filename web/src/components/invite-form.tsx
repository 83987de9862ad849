/**
 * Inviting someone to the org: POST /v1/orgs/{org}/members. With a person's session (this
 * app) the API emails an invitation, which the person accepts to join (202); with the
 * operator's key it adds the member at once (201). The answer is read by its schema, so a
 * change to either shape fails the typecheck here.
 */
import { type FormEvent, useState } from 'react';
import type { paths } from '../api/client';
import './forms.css';

export type InviteRole = 'member' | 'admin' | 'owner';

type AddMember = paths['/v1/orgs/{org}/members']['post']['responses'];
/** The API's answer to an invitation: the member added (201) or the invitation sent (202). */
export type AddMemberAnswer =
  | AddMember[201]['content']['application/json']
  | AddMember[202]['content']['application/json'];

export type InviteOutcome =
  | { kind: 'member'; email: string; role: InviteRole }
  | { kind: 'invitation'; email: string; role: InviteRole; expires_at: string };

export function interpretInvite(answer: AddMemberAnswer): InviteOutcome {
  if ('invitation' in answer) {
    const i = answer.invitation;
    return { kind: 'invitation', email: i.email, role: i.role, expires_at: i.expires_at };
  }
  return { kind: 'member', email: answer.email, role: answer.role };
}

export function inviteMessage(o: InviteOutcome): string {
  return o.kind === 'invitation'
    ? `Invitation sent to ${o.email} as ${o.role}. They join when they accept it.`
    : `${o.email} is now a ${o.role} of this org. They sign in (or sign up) with that email to see it.`;
}

export function InviteForm({
  canMakeOwners,
  onSubmit,
  busy = false,
}: {
  canMakeOwners: boolean;
  /** Settles when the API has answered: the field is emptied only if it accepted. */
  onSubmit: (v: { email: string; role: InviteRole }) => Promise<unknown>;
  busy?: boolean;
}) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<InviteRole>('member');
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const v = email.trim();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) {
      setError('Enter an email address, like name@example.com.');
      return;
    }
    setError(null);
    try {
      await onSubmit({ email: v, role });
    } catch {
      // Refused or not sent: what was typed stays to be corrected or sent again; the page
      // shows the problem (its ErrorView of the invite).
      return;
    }
    setEmail('');
  }
  return (
    <form className="row invite-form" onSubmit={submit} noValidate aria-label="Invite a member">
      <label>
        Email
        <input
          type="email"
          autoComplete="off"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'invite-email-error' : undefined}
        />
        {error && (
          <span className="field-error" id="invite-email-error">
            {error}
          </span>
        )}
      </label>
      <label>
        Role
        <select value={role} onChange={(e) => setRole(e.target.value as InviteRole)}>
          <option value="member">Member: generates and sees usage</option>
          <option value="admin">Admin: also billing, team and settings</option>
          {canMakeOwners && <option value="owner">Owner</option>}
        </select>
      </label>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Inviting…' : 'Invite'}
      </button>
    </form>
  );
}
