/**
 * Inviting someone to the org. Today POST /v1/orgs/{org}/members adds the member at once;
 * the API is moving to email invitations (the answer becomes an invitation that the
 * person accepts). The form reads either answer, so it keeps working across that change.
 */
import { type FormEvent, useState } from 'react';
import './forms.css';

export type InviteRole = 'member' | 'admin' | 'owner';

export interface InviteOutcome {
  kind: 'member' | 'invitation';
  email: string;
  role: string;
  expires_at?: string;
}

/** A member (`{id: 'mem_…', email, role, created_at}`) or an invitation, whatever its exact shape. */
export function interpretInvite(body: unknown, sent: { email: string; role: string }): InviteOutcome {
  const b = (body ?? {}) as Record<string, unknown>;
  const inner = (typeof b.invitation === 'object' && b.invitation ? b.invitation : b) as Record<
    string,
    unknown
  >;
  const id = typeof inner.id === 'string' ? inner.id : '';
  const isInvitation =
    b.object === 'invitation' ||
    inner.object === 'invitation' ||
    typeof b.invitation === 'object' ||
    id.startsWith('inv') ||
    (inner.status === 'pending' && !id.startsWith('mem_')) ||
    ('expires_at' in inner && !id.startsWith('mem_'));
  const email = typeof inner.email === 'string' ? inner.email : sent.email;
  const role = typeof inner.role === 'string' ? inner.role : sent.role;
  const out: InviteOutcome = { kind: isInvitation ? 'invitation' : 'member', email, role };
  if (isInvitation && typeof inner.expires_at === 'string') out.expires_at = inner.expires_at;
  return out;
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
