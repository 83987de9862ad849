// @vitest-environment jsdom
/**
 * The app's frames and the pages emailed links open: one signed-in frame for org and
 * account pages, one page for single-use links (verify the email, confirm a new email).
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from './app';

const { server, answer, problem } = await vi.hoisted(() => import('./test-support/fake-api'));

// Every source file of the app, as text (Vite reads them; the tests' own files left out).
const SOURCES = import.meta.glob<string>(['./**/*.{ts,tsx}', '!./**/*.test.{ts,tsx}', '!./test-support/**'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

/** Nobody signed in; `post` answers the emailed-link routes. */
function serve(post: (path: string, body: unknown) => Response = () => answer({}, 404)) {
  const posted: { path: string; body: unknown }[] = [];
  server.handle = async (r: Request) => {
    const path = new URL(r.url).pathname;
    if (path === '/v1/auth/me') return problem(401, 'unauthorized', 'Unauthorized', 'Sign in.');
    if (r.method === 'POST') {
      const body = await r.json();
      posted.push({ path, body });
      return post(path, body);
    }
    return problem(404, 'not_found', 'Not found', path);
  };
  return posted;
}

function open(url: string) {
  window.history.replaceState(null, '', url);
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={qc}>
      <App />
    </QueryClientProvider>,
  );
}

afterEach(cleanup);

describe('the signed-in frames', () => {
  it('send someone signed out from an org page to sign in, and back to that very page after', async () => {
    serve();
    open('/o/org_1/credits');
    await waitFor(() => expect(window.location.pathname).toBe('/signin'));
    expect(new URLSearchParams(window.location.search).get('next')).toBe('/o/org_1/credits');
  });

  it('do the same from an account page', async () => {
    serve();
    open('/account/security');
    await waitFor(() => expect(window.location.pathname).toBe('/signin'));
    expect(new URLSearchParams(window.location.search).get('next')).toBe('/account/security');
  });
});

describe('pages opened by an emailed single-use link', () => {
  it('verify the email once, with the token from the fragment, and say so', async () => {
    const posted = serve(() => answer({ user: { email: 'ana@example.com' } }));
    open('/verify-email#token=tok_verify');
    expect(await screen.findByRole('heading', { name: 'Verify your email' })).toBeTruthy();
    expect((await screen.findByText(/ana@example.com is verified/)).textContent).toBeTruthy();
    expect(posted).toEqual([{ path: '/v1/auth/verify-email', body: { token: 'tok_verify' } }]);
  });

  it('confirm a new email once, and say which address now signs in', async () => {
    const posted = serve(() => answer({ user: { email: 'new@example.com' }, old_email: 'old@example.com' }));
    open('/confirm-email#token=tok_confirm');
    expect(await screen.findByRole('heading', { name: 'Confirm your new email' })).toBeTruthy();
    const done = await screen.findByText(/Your account now uses new@example.com/);
    expect(done.parentElement?.textContent).toContain('old@example.com no longer reaches your account');
    expect(posted).toEqual([{ path: '/v1/auth/email/confirm', body: { token: 'tok_confirm' } }]);
  });

  it('say why a used link did not work, and send nothing without a token', async () => {
    serve(() => problem(409, 'token_used', 'Token used', 'Used.'));
    open('/confirm-email#token=tok_old');
    expect((await screen.findByRole('alert')).textContent).toContain('This link was already used');
    cleanup();
    const posted = serve();
    await act(async () => open('/verify-email'));
    expect(screen.getByText(/This link has no token/)).toBeTruthy();
    expect(posted).toEqual([]);
  });

  it('are one page: the token is used once per page in one place only', () => {
    // Using a token twice answers "already used": the query that uses it once per page
    // (never stale, never retried) lives in the shared page and nowhere else.
    const once = Object.entries(SOURCES)
      .filter(([, text]) => text.includes('staleTime: Number.POSITIVE_INFINITY'))
      .map(([file]) => file);
    expect(once).toEqual(['./pages/account-links.tsx']);
    expect(SOURCES['./pages/account-links.tsx']!.split('staleTime: Number.POSITIVE_INFINITY')).toHaveLength(
      2,
    );
  });
});
