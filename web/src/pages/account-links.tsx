/**
 * The pages the account emails link to: verify the email, confirm a new email, accept an
 * invitation. The token rides in the URL's fragment (`/verify-email#token=…`), which
 * browsers never send to a server, so it stays out of access logs; the page reads it and
 * sends it in a request body.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api, call } from '../api/client';
import { ErrorView } from '../components/error-view';
import { ME_KEY, useMe } from '../session';

/** The token in `#token=…`, or null. */
export function tokenFromHash(hash: string): string | null {
  const t = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return t && /^[A-Za-z0-9_-]{1,200}$/.test(t) ? t : null;
}

/**
 * A page a single-use emailed link opens: it sends the link's token once (using it twice
 * answers "already used", so once per page, not on every render), refreshes who is signed
 * in, and says what happened, or why the link did not work.
 */
function TokenLinkPage<T>({
  title,
  action,
  working,
  use,
  done,
}: {
  title: string;
  /** Names this use of the token, for the query key. */
  action: string;
  /** Shown while the API answers: "Verifying…". */
  working: string;
  use: (token: string) => Promise<T>;
  done: (answer: T) => ReactNode;
}) {
  const token = tokenFromHash(window.location.hash);
  const qc = useQueryClient();
  const used = useQuery({
    queryKey: [action, token],
    queryFn: async () => {
      const r = await use(token ?? '');
      await qc.invalidateQueries({ queryKey: ME_KEY });
      return r;
    },
    enabled: token !== null,
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
  });
  return (
    <main className="page narrow" id="main">
      <h1>{title}</h1>
      {token === null && (
        <p>This link has no token. Open the link from the email again, or ask for a new one.</p>
      )}
      {used.isPending && token !== null && <p role="status">{working}</p>}
      {used.isError && <ErrorView error={used.error} />}
      {used.data !== undefined && (
        <div className="notice ok" role="status">
          {done(used.data)}
        </div>
      )}
      <p>
        <Link href="/">Go to your dashboard</Link>
      </p>
    </main>
  );
}

/** Where the sign-up verification link lands. */
export function VerifyEmailPage() {
  return (
    <TokenLinkPage
      title="Verify your email"
      action="verify-email"
      working="Verifying…"
      use={(token) => call(api.POST('/v1/auth/verify-email', { body: { token } }))}
      done={(r) => (
        <>
          <strong>{r.user.email} is verified.</strong> You can now accept invitations and create more orgs.
        </>
      )}
    />
  );
}

/** Where the email-change link lands (sent to the new address): applies the change once. */
export function ConfirmEmailPage() {
  return (
    <TokenLinkPage
      title="Confirm your new email"
      action="confirm-email"
      working="Confirming…"
      use={(token) => call(api.POST('/v1/auth/email/confirm', { body: { token } }))}
      done={(r) => (
        <>
          <strong>Your account now uses {r.user.email}.</strong> Sign in with it from now on; {r.old_email} no
          longer reaches your account.
        </>
      )}
    />
  );
}

export function AcceptInvitationPage() {
  const token = tokenFromHash(window.location.hash);
  const me = useMe();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const preview = useQuery({
    queryKey: ['invitation-preview', token],
    queryFn: () => call(api.POST('/v1/invitations/preview', { body: { token: token ?? '' } })),
    enabled: token !== null,
    retry: false,
  });

  async function accept() {
    setBusy(true);
    setError(null);
    try {
      const r = await call(api.POST('/v1/invitations/accept', { body: { token: token ?? '' } }));
      await qc.invalidateQueries({ queryKey: ME_KEY });
      navigate(`/o/${r.org.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const here = `/accept-invitation${window.location.hash}`;
  return (
    <main className="page narrow" id="main">
      <h1>Join an org</h1>
      {token === null && <p>This link has no token. Open the link from the invitation email again.</p>}
      {preview.isError && <ErrorView error={preview.error} />}
      {preview.data && (
        <p>
          <strong>{preview.data.org.name}</strong> invites {preview.data.email} as{' '}
          <strong>{preview.data.role}</strong>.
        </p>
      )}
      {preview.data &&
        (me.data ? (
          <>
            {me.data.user.email.toLowerCase() !== preview.data.email.toLowerCase() && (
              <p className="notice warn">
                You are signed in as {me.data.user.email}; this invitation is for {preview.data.email}. Sign
                in with that address to accept it.
              </p>
            )}
            {error !== null && <ErrorView error={error} />}
            <button type="button" className="primary" onClick={accept} disabled={busy}>
              {busy ? 'Joining…' : `Join ${preview.data.org.name}`}
            </button>
          </>
        ) : (
          <p>
            <Link href={`/signin?next=${encodeURIComponent(here)}`}>Sign in</Link> or{' '}
            <Link href="/signup">create an account</Link> with {preview.data.email} to accept it (then open
            the link again).
          </p>
        ))}
    </main>
  );
}
