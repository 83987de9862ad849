import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api, call, idempotencyKey, setCsrfToken } from '../api/client';
import { ErrorView } from '../components/error-view';
import { isWeakPassword, NewPasswordField } from '../components/new-password-field';
import { ME_KEY } from '../session';

export function SignUpPage() {
  const [, navigate] = useLocation();
  const qc = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // One key per form: a double submit creates one account.
  const [key] = useState(idempotencyKey);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const email = String(form.get('email'));
    const password = String(form.get('password'));
    const orgName = String(form.get('org_name') ?? '').trim();
    setBusy(true);
    setError(null);
    try {
      await call(
        api.POST('/v1/auth/signup', {
          body: { email, password, ...(orgName ? { org_name: orgName } : {}) },
          params: { header: { 'idempotency-key': key } },
        }),
      );
      const me = await call(api.POST('/v1/auth/login', { body: { email, password } }));
      setCsrfToken(me.csrf_token);
      qc.setQueryData(ME_KEY, me);
      navigate('/');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="page narrow auth-page" id="main">
      <h1>Create your Amisi account</h1>
      <p>Your own org starts on the Free plan with 5 credits.</p>
      <form onSubmit={submit} className="stack">
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required maxLength={254} />
        </label>
        <NewPasswordField error={error} />
        <label>
          Org name <span className="optional">(optional)</span>
          <input name="org_name" maxLength={100} />
        </label>
        {error !== null && !isWeakPassword(error) && <ErrorView error={error} />}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link href="/signin">Sign in</Link>
      </p>
    </main>
  );
}
