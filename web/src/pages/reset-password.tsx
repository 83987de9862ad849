/**
 * Where the reset email's link lands (`/reset-password#token=…`; the token rides in the
 * fragment, which browsers never send to a server). The person chooses a new password under
 * the sign-up rule. The API sets it and ends every session of the account, this browser's
 * too, and does not sign anyone in; the page then signs in with the password just chosen, so
 * the person lands on their dashboard, and falls back to the sign-in page if that fails.
 *
 * A dead link (expired, used, replaced) says which, and offers a new one; a password too easy
 * to guess keeps the link usable (the API judges the password before spending the token).
 */
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { ApiError, api, call, setCsrfToken } from '../api/client';
import { ErrorView } from '../components/error-view';
import { isWeakPassword, NewPasswordField } from '../components/new-password-field';
import { ME_KEY } from '../session';
import { tokenFromHash } from './account-links';

/** The token refusals after which this link can never work: the page offers a new one. */
const DEAD_LINK = new Set(['token_expired', 'token_used', 'token_invalid']);

export function isDeadLink(error: unknown): boolean {
  return error instanceof ApiError && DEAD_LINK.has(error.code);
}

export function ResetPasswordPage() {
  const token = tokenFromHash(window.location.hash);
  const [, navigate] = useLocation();
  const qc = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const password = String(new FormData(e.currentTarget).get('password'));
    setBusy(true);
    setError(null);
    let email: string;
    try {
      const r = await call(
        api.POST('/v1/auth/password-reset/confirm', { body: { token: token ?? '', password } }),
      );
      email = r.user.email;
    } catch (err) {
      setError(err);
      setBusy(false);
      return;
    }
    // Every session of the account has just ended, this browser's included.
    setCsrfToken(null);
    qc.clear();
    try {
      const me = await call(api.POST('/v1/auth/login', { body: { email, password } }));
      setCsrfToken(me.csrf_token);
      qc.setQueryData(ME_KEY, me);
      const first = me.memberships[0];
      navigate(first ? `/o/${first.org_id}?notice=password_set_signed_in` : '/', { replace: true });
    } catch {
      // The password is set either way: sign in by hand (a busy sign-in limit, a lost connection).
      navigate('/signin?notice=password_set', { replace: true });
    }
  }

  return (
    <main className="page narrow auth-page" id="main">
      <h1>Choose a new password</h1>
      {token === null ? (
        <NewLinkOffer>
          This link has no token: it was probably cut short when it was copied. Open the link from the email
          again, or ask for a new one.
        </NewLinkOffer>
      ) : isDeadLink(error) ? (
        <>
          <ErrorView error={error} />
          <DeadLinkNext code={(error as ApiError).code} />
        </>
      ) : (
        <form onSubmit={submit} className="stack" aria-label="Choose a new password">
          <p>Setting it signs you out everywhere, then signs you in here with the new password.</p>
          <NewPasswordField label="New password" error={error} />
          {error !== null && !isWeakPassword(error) && <ErrorView error={error} />}
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Setting…' : 'Set new password'}
          </button>
        </form>
      )}
      <p>
        Remembered it? <Link href="/signin">Sign in</Link>
      </p>
    </main>
  );
}

function DeadLinkNext({ code }: { code: string }) {
  if (code === 'token_used')
    return (
      <p>
        If you set your password with it, <Link href="/signin">sign in</Link> with that password. Otherwise{' '}
        <Link href="/forgot-password">ask for a new link</Link>.
      </p>
    );
  return (
    <p>
      <Link href="/forgot-password" className="button primary">
        Send me a new link
      </Link>
    </p>
  );
}

function NewLinkOffer({ children }: { children: string }) {
  return (
    <>
      <p>{children}</p>
      <p>
        <Link href="/forgot-password" className="button primary">
          Send me a new link
        </Link>
      </p>
    </>
  );
}
