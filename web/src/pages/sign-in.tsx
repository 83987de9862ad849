import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api, call, setCsrfToken } from '../api/client';
import { ErrorView } from '../components/error-view';
import { PageNotice } from '../components/page-notice';
import { ME_KEY } from '../session';

/** Only same-app paths are followed after sign-in: never another site. */
export function safeNext(next: string | null): string {
  return next && /^\/(?!\/)[\w\-/?=&%.#]*$/.test(next) ? next : '/';
}

export function SignInPage() {
  const [, navigate] = useLocation();
  const search = new URLSearchParams(useSearch());
  const qc = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const me = await call(
        api.POST('/v1/auth/login', {
          body: { email: String(form.get('email')), password: String(form.get('password')) },
        }),
      );
      setCsrfToken(me.csrf_token);
      qc.setQueryData(ME_KEY, me);
      navigate(safeNext(search.get('next')));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="page narrow auth-page" id="main">
      <h1>Sign in to Amisi</h1>
      <PageNotice />
      <form onSubmit={submit} className="stack">
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required maxLength={254} />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required maxLength={200} />
        </label>
        <p className="help">
          <Link href="/forgot-password">Forgot your password?</Link>
        </p>
        {error !== null && <ErrorView error={error} />}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        New here? <Link href="/signup">Create an account</Link> and get 5 free credits.
      </p>
    </main>
  );
}
