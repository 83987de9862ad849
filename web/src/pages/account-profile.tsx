/**
 * The person's own account: change the email (confirmed by a link mailed to the new
 * address; nothing changes until it is opened) and delete the account (refused, with the
 * reason, while an org needs them as its owner). The page the change link opens,
 * `/confirm-email#token=…`, is with the other emailed links (account-links.tsx).
 */
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useLocation } from 'wouter';
import { api, call, setCsrfToken } from '../api/client';
import { ErrorView } from '../components/error-view';
import '../components/forms.css';
import './settings.css';
import { useMe } from '../session';

export function AccountProfilePage() {
  const me = useMe();
  return (
    <>
      <h1>Your account</h1>
      {me.data && (
        <p>
          Signed in as <strong>{me.data.user.email}</strong>
          {me.data.user.email_verified ? ' (verified)' : ' (not verified yet)'}.
        </p>
      )}
      <ChangeEmail />
      <DeleteAccount />
    </>
  );
}

function ChangeEmail() {
  const [newEmail, setNewEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSent(null);
    try {
      const r = await call(api.POST('/v1/auth/email', { body: { new_email: newEmail, password } }));
      setSent(r.message);
      setPassword('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby="email-h" className="settings-section">
      <h2 id="email-h">Change your email</h2>
      <p className="help">
        We email a link to the new address. Your address changes when you open it; the old address is told,
        and you keep every org and role.
      </p>
      <form className="stack" onSubmit={submit} aria-label="Change your email">
        <label>
          New email
          <input
            type="email"
            autoComplete="email"
            required
            maxLength={254}
            value={newEmail}
            onChange={(e) => setNewEmail(e.target.value)}
          />
        </label>
        <label>
          Your password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <div>
          <button type="submit" className="primary" disabled={busy}>
            Send confirmation link
          </button>
        </div>
      </form>
      {sent && (
        <p className="notice ok" role="status">
          {sent}
        </p>
      )}
      {error !== null && <ErrorView error={error} />}
    </section>
  );
}

function DeleteAccount() {
  const [password, setPassword] = useState('');
  const [sure, setSure] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await call(api.DELETE('/v1/auth/account', { body: { password } }));
      setCsrfToken(null);
      qc.clear();
      navigate('~/signin');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby="delete-h" className="settings-section">
      <h2 id="delete-h">Delete your account</h2>
      <p className="help">
        You leave every org, and orgs that were yours alone are closed (their transaction logs are kept). If
        you are the last owner of an org with a paid plan, bought credits or other members, transfer its
        ownership or close it first.
      </p>
      <form className="stack" onSubmit={submit} aria-label="Delete your account">
        <label>
          Your password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <label className="inline">
          <input type="checkbox" checked={sure} onChange={(e) => setSure(e.target.checked)} />
          <span>I understand this cannot be undone</span>
        </label>
        <div>
          <button type="submit" className="danger" disabled={busy || !sure}>
            Delete my account
          </button>
        </div>
      </form>
      {error !== null && <ErrorView error={error} />}
    </section>
  );
}
