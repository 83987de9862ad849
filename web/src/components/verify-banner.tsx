/**
 * Until a person opens the link mailed at sign-up, they reach only their first org: they
 * cannot accept invitations or create more orgs. Say so, and offer a new link.
 */
import { useState } from 'react';
import { api, call } from '../api/client';
import { useMe } from '../session';
import { ErrorView } from './error-view';

export function VerifyBanner() {
  const me = useMe();
  const [sent, setSent] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const user = me.data?.user;
  if (!user || user.email_verified) return null;
  async function resend() {
    setError(null);
    try {
      const r = await call(api.POST('/v1/auth/verify-email/resend', { body: {} }));
      setSent(r.sent_to);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <div className="notice warn verify-banner" role="status">
      <strong>Verify {user.email}.</strong> Open the link we emailed you to accept invitations and create more
      orgs.{' '}
      {sent ? (
        <span>A new link is on its way to {sent}.</span>
      ) : (
        <button type="button" className="link-button" onClick={resend}>
          Send a new link
        </button>
      )}
      {error !== null && <ErrorView error={error} />}
    </div>
  );
}
