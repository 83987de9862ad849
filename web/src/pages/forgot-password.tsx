/**
 * "Forgot your password?": the person gives their email and is told a link is on its way if
 * the address has an account. The API answers the same for every address (so the page
 * cannot be used to learn who has an account) and mails only real ones; the page shows
 * that one answer, whatever was typed.
 */
import { type FormEvent, useState } from 'react';
import { Link } from 'wouter';
import { api, call } from '../api/client';
import { ErrorView } from '../components/error-view';

export function ForgotPasswordPage() {
  const [sent, setSent] = useState<{ email: string; message: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const email = String(new FormData(e.currentTarget).get('email'));
    setBusy(true);
    setError(null);
    try {
      setSent(await call(api.POST('/v1/auth/password-reset', { body: { email } })));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="page narrow auth-page" id="main">
      <h1>Reset your password</h1>
      {sent ? (
        <>
          <div className="notice ok" role="status">
            {sent.message}
          </div>
          <p>
            Open the link in that email on any device to choose a new password. Nothing arrived after a few
            minutes? Check the spam folder and the spelling of the address, then{' '}
            <button type="button" className="link-button" onClick={() => setSent(null)}>
              ask again
            </button>{' '}
            (at most one email a minute).
          </p>
        </>
      ) : (
        <form onSubmit={submit} className="stack" aria-label="Reset your password">
          <p>Give the email of your account and we will send it a link to choose a new password.</p>
          <label>
            Email
            <input name="email" type="email" autoComplete="email" required maxLength={254} />
          </label>
          {error !== null && <ErrorView error={error} />}
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Sending…' : 'Email me a link'}
          </button>
        </form>
      )}
      <p>
        Remembered it? <Link href="/signin">Sign in</Link>
      </p>
    </main>
  );
}
