/**
 * /account/security: the person's password and the places they are signed in.
 *
 * Changing the password asks for the current one (the API counts a wrong one as a failed
 * sign-in) and ends every other session; this one stays. The sessions list is the API's
 * (`GET /v1/auth/sessions`): each with its browser and system read from the user agent,
 * when it signed in and was last seen, the address the server saw, and "This device" on
 * the one making the request. Any can be signed out, or all but this one at once.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useRef, useState } from 'react';
import { ApiError, api, call, type Ok } from '../api/client';
import { ErrorView } from '../components/error-view';
import { isWeakPassword, NewPasswordField } from '../components/new-password-field';
import { dateTime } from '../lib/format';
import { summariseUserAgent } from '../lib/user-agent';
import { useMe, useSignOut } from '../session';
import './account-security.css';

export type SessionView = Ok<'/v1/auth/sessions', 'get'>['data'][number];

export const SESSIONS_KEY = ['auth-sessions'] as const;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function AccountSecurityPage() {
  return (
    <>
      <h1>Password and sessions</h1>
      <ChangePassword />
      <Sessions />
    </>
  );
}

function ChangePassword() {
  const me = useMe();
  const qc = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const id = useId();
  const wrongCurrent = error instanceof ApiError && error.code === 'password_incorrect';

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await call(
        api.POST('/v1/auth/password', {
          body: {
            current_password: String(data.get('current_password')),
            new_password: String(data.get('new_password')),
          },
        }),
      );
      form.current?.reset();
      setDone(
        r.sessions_ended > 0
          ? `Password changed. ${plural(r.sessions_ended, 'other session was', 'other sessions were')} signed out.`
          : 'Password changed. You had no other sessions to sign out.',
      );
      await qc.invalidateQueries({ queryKey: SESSIONS_KEY });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Change your password</h2>
      <form ref={form} onSubmit={submit} className="stack security-form" aria-label="Change your password">
        {/* For password managers: which account this password belongs to. */}
        <input
          type="email"
          name="username"
          autoComplete="username"
          value={me.data?.user.email ?? ''}
          readOnly
          hidden
        />
        <label>
          Current password
          <input
            name="current_password"
            type="password"
            autoComplete="current-password"
            required
            maxLength={200}
            aria-invalid={wrongCurrent || undefined}
            aria-describedby={wrongCurrent ? `${id}-current-error` : undefined}
          />
        </label>
        {wrongCurrent && (
          <p id={`${id}-current-error`} className="field-error" role="alert">
            That is not your current password. If you have forgotten it, sign out and use “Forgot your
            password?” on the sign-in page.
          </p>
        )}
        <NewPasswordField name="new_password" label="New password" error={error} />
        {error !== null && !wrongCurrent && !isWeakPassword(error) && <ErrorView error={error} />}
        <p className="help">Changing it signs you out everywhere else; you stay signed in here.</p>
        <div>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Changing…' : 'Change password'}
          </button>
        </div>
        {done && (
          <div className="notice ok" role="status">
            {done}
          </div>
        )}
      </form>
    </section>
  );
}

function Sessions() {
  const qc = useQueryClient();
  const signOutHere = useSignOut();
  const id = useId();
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const sessions = useQuery({
    queryKey: SESSIONS_KEY,
    queryFn: () => call(api.GET('/v1/auth/sessions')),
  });
  // This device first, then the API's order (last seen first).
  const list = [...(sessions.data?.data ?? [])].sort((x, y) => Number(y.current) - Number(x.current));
  const others = list.filter((s) => !s.current).length;

  async function signOutOne(s: SessionView) {
    if (s.current) return signOutHere();
    setBusy(s.id);
    setError(null);
    setStatus(null);
    try {
      await call(api.DELETE('/v1/auth/sessions/{id}', { params: { path: { id: s.id } } }));
      setStatus(
        `Signed out ${summariseUserAgent(s.user_agent).label} (signed in ${dateTime(s.created_at)}).`,
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
      await qc.invalidateQueries({ queryKey: SESSIONS_KEY });
    }
  }

  async function signOutOthers() {
    setBusy('others');
    setError(null);
    setStatus(null);
    try {
      const r = await call(api.POST('/v1/auth/sessions/revoke_others', { body: {} }));
      setStatus(
        r.sessions_ended > 0
          ? `Signed out ${plural(r.sessions_ended, 'other session', 'other sessions')}. Only this device is signed in now.`
          : 'There were no other sessions to sign out.',
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
      await qc.invalidateQueries({ queryKey: SESSIONS_KEY });
    }
  }

  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Where you are signed in</h2>
      <p className="help">
        Every browser or app signed in to your account. Sign out any you do not recognise, then change your
        password. Sessions end by themselves 7 days after signing in.
      </p>
      {sessions.isPending && <p role="status">Loading sessions…</p>}
      {sessions.isError && <ErrorView error={sessions.error} retry={() => sessions.refetch()} />}
      {sessions.data && (
        <ul className="session-list" aria-label="Sessions">
          {list.map((s) => (
            <SessionItem key={s.id} s={s} busy={busy === s.id} onSignOut={() => signOutOne(s)} />
          ))}
        </ul>
      )}
      <div className="row">
        <button
          type="button"
          className="danger"
          onClick={signOutOthers}
          disabled={busy !== null || !sessions.data || others === 0}
        >
          {busy === 'others' ? 'Signing out…' : 'Sign out all other sessions'}
        </button>
        {sessions.data && others === 0 && <span className="help">This is your only session.</span>}
      </div>
      <div aria-live="polite">
        {status && (
          <div className="notice ok" role="status">
            {status}
          </div>
        )}
      </div>
      {error !== null && <ErrorView error={error} />}
    </section>
  );
}

function SessionItem({ s, busy, onSignOut }: { s: SessionView; busy: boolean; onSignOut: () => void }) {
  const device = summariseUserAgent(s.user_agent);
  return (
    <li className="session" data-current={s.current || undefined}>
      <div className="session-head">
        <strong>{device.label}</strong>
        {s.current && <span className="session-badge">This device</span>}
      </div>
      <dl className="session-facts">
        <div>
          <dt>Signed in</dt>
          <dd>{dateTime(s.created_at)}</dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd>{s.current ? 'Now' : dateTime(s.last_seen_at)}</dd>
        </div>
        <div>
          <dt>IP address</dt>
          <dd>{s.ip ?? 'Unknown'}</dd>
        </div>
        <div>
          <dt>Ends</dt>
          <dd>{dateTime(s.expires_at)}</dd>
        </div>
      </dl>
      {s.user_agent && (
        <details className="session-ua">
          <summary>As the browser named itself</summary>
          <code>{s.user_agent}</code>
        </details>
      )}
      <button
        type="button"
        className="small"
        onClick={onSignOut}
        disabled={busy}
        aria-label={
          s.current ? 'Sign out this device' : `Sign out ${device.label}, signed in ${dateTime(s.created_at)}`
        }
      >
        {busy ? 'Signing out…' : s.current ? 'Sign out this device' : 'Sign out'}
      </button>
    </li>
  );
}
