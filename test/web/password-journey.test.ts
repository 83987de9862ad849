/**
 * Passwords and sessions in real Chromium against a real server (SQLite), each browser
 * context a device of its own:
 * - forgotten password: the sign-in page's link, the same answer for every address, the
 *   link read from the development mail folder, a new password → signed in; a browser that
 *   was signed in before the reset is signed out by it;
 * - dead links: an expired one offers a new link, a used one says so;
 * - the security page (from the user menu): the sessions with "This device" marked and their
 *   browsers named, signing out one and all others (the other device loses access), and
 *   changing the password (a wrong current one is refused; the other device is signed out).
 * No serious accessibility violations on the new pages at 1440 and 390 px.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Api } from '../http/harness.ts';
import { uniqueEmail } from '../http/harness.ts';
import { mailbox, tokenMailedSoon } from '../http/mail.ts';
import {
  DESKTOP,
  PASSWORD,
  PHONE,
  screenshot,
  seriousViolations,
  serverAndBrowser,
  signIn,
  signUp,
  waitForText,
  waitVisible,
} from './browser.ts';

const NEW_PASSWORD = 'amber glacier 42 mosaic trumpets';

// Other devices, as their browsers name themselves (the app summarises these).
const FIREFOX_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI_ON_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1';

/**
 * The reset link in the newest reset mail to `email` (other than `previous`), as a person
 * would click it: it must point at the app's /reset-password page with the token in the
 * fragment. Returned as a path on the test server (the mail names the configured public URL).
 */
async function resetLinkMailedTo(api: Api, email: string, previous?: string): Promise<string> {
  const until = Date.now() + 15_000;
  let token = await tokenMailedSoon(api, email, 'amisi_pwr_', 15_000);
  while (previous && `/reset-password#token=${token}` === previous) {
    if (Date.now() > until) throw new Error(`no new reset mail to ${email}`);
    await new Promise((r) => setTimeout(r, 50));
    token = await tokenMailedSoon(api, email, 'amisi_pwr_');
  }
  const mail = mailbox(api).find((m) => m.text.includes(token));
  const link = /https?:\/\/\S+\/reset-password#token=\S+/.exec(mail?.text ?? '')?.[0];
  expect(link).toBe(`${api.config.public_url.replace(/\/$/, '')}/reset-password#token=${token}`);
  return `/reset-password#token=${token}`;
}

async function expectSignedOut(page: Page) {
  await page.waitForURL(/\/signin/);
  await waitVisible(page.getByRole('heading', { name: 'Sign in to Amisi' }));
}

/** Asks for a reset link on the forgot-password page; returns the status it shows. */
async function askForResetLink(page: Page, email: string): Promise<string> {
  const form = page.getByRole('form', { name: 'Reset your password' });
  await form.getByLabel('Email').fill(email);
  await form.getByRole('button', { name: 'Email me a link' }).click();
  const status = page.getByRole('status').filter({ hasText: 'has an account' });
  await waitForText(status, email);
  return (await status.textContent()) ?? '';
}

describe('passwords and sessions in the browser (SQLite)', () => {
  const env = serverAndBrowser('sqlite');

  it('forgot password: the mailed link sets a new one and signs in; a browser signed in elsewhere is signed out', async () => {
    const { api } = env;
    const email = uniqueEmail('forgot');
    const a = await env.open(DESKTOP);
    const org = await signUp(a.page, email, 'Reset Studio');
    // A second device, signed in before the reset.
    const b = await env.open(PHONE, { userAgent: SAFARI_ON_IPHONE });
    await signIn(b.page, email);
    await waitForText(b.page.getByTestId('balance'), '5 credits');

    // Signed out (from the user menu), the person has forgotten the password.
    await a.page.getByRole('button', { name: 'Account' }).click();
    await a.page.getByRole('button', { name: 'Sign out' }).click();
    await expectSignedOut(a.page);
    await a.page.getByRole('link', { name: 'Forgot your password?' }).click();
    await a.page.waitForURL(/\/forgot-password$/);
    expect(await seriousViolations(a.page)).toEqual([]);

    // The same answer whether or not the address has an account.
    const nobody = uniqueEmail('nobody');
    const forNobody = await askForResetLink(a.page, nobody);
    await a.page.getByRole('button', { name: 'ask again' }).click();
    const forEmail = await askForResetLink(a.page, email);
    expect(forEmail.replace(email, '…')).toBe(forNobody.replace(nobody, '…'));
    expect(forEmail).toContain('30 minutes');
    await screenshot(a.page, 'forgot-password');

    await a.page.goto(await resetLinkMailedTo(api, email));
    await waitVisible(a.page.getByRole('heading', { name: 'Choose a new password' }));
    // Too easy to guess: the estimator's reasons at the field, and the link still works.
    const field = a.page.getByLabel('New password', { exact: true });
    await field.fill('password1234');
    await a.page.getByRole('button', { name: 'Set new password' }).click();
    await waitForText(a.page.getByRole('alert'), 'Choose a password that is harder to guess');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await seriousViolations(a.page)).toEqual([]);
    await screenshot(a.page, 'reset-password');

    await field.fill(NEW_PASSWORD);
    await a.page.getByRole('button', { name: 'Set new password' }).click();
    await a.page.waitForURL(new RegExp(`/o/${org}\\?notice=password_set_signed_in$`));
    await waitForText(a.page.getByRole('status'), 'Your new password is set and you are signed in');
    await waitForText(a.page.getByTestId('balance'), '5 credits');

    // The other device lost its session with the reset.
    await b.page.reload();
    await expectSignedOut(b.page);
    // The old password opens nothing; the new one signs in.
    const login = (password: string) =>
      api.call('POST', '/v1/auth/login', { key: null, body: { email, password } });
    expect((await login(PASSWORD)).status).toBe(401);
    expect((await login(NEW_PASSWORD)).status).toBe(200);
    await a.context.close();
    await b.context.close();
  }, 180_000);

  it('an expired link offers a new one, a used one says so, a cut one has no token; all pass axe at 390 px', async () => {
    const { api } = env;
    const email = uniqueEmail('expired');
    expect(
      (await api.call('POST', '/v1/auth/signup', { key: null, body: { email, password: PASSWORD } })).status,
    ).toBe(202);
    const { context, page } = await env.open(PHONE);
    await page.goto('/forgot-password');
    await askForResetLink(page, email);
    expect(await seriousViolations(page)).toEqual([]);
    const first = await resetLinkMailedTo(api, email);

    // 31 minutes later (the server's test clock) the link has expired.
    expect((await api.call('POST', '/v1/admin/clock/advance', { body: { seconds: 31 * 60 } })).status).toBe(
      200,
    );
    await page.goto(first);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await waitForText(page.getByRole('alert'), 'This link has expired');
    expect(await page.getByRole('form', { name: 'Choose a new password' }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Send me a new link' }).click();
    await page.waitForURL(/\/forgot-password$/);
    await askForResetLink(page, email);

    const second = await resetLinkMailedTo(api, email, first);
    await page.goto(second);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.waitForURL(/\/o\/org_[a-z0-9]+\?notice=password_set_signed_in$/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    // The same link again: used.
    await page.goto(second);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await waitForText(page.getByRole('alert'), 'This link was already used');
    await waitVisible(page.getByRole('link', { name: 'ask for a new link' }));

    // A link cut short when copied.
    await page.goto('/reset-password');
    await waitForText(page.getByRole('main'), 'This link has no token');
    await waitVisible(page.getByRole('link', { name: 'Send me a new link' }));
    await context.close();
  }, 180_000);

  it('the security page lists sessions with this device marked; sign out one and all others; change the password', async () => {
    const email = uniqueEmail('sessions');
    const a = await env.open(DESKTOP);
    await signUp(a.page, email, 'Session Studio');
    const b = await env.open(DESKTOP, { userAgent: FIREFOX_ON_WINDOWS });
    await signIn(b.page, email);
    const c = await env.open(PHONE, { userAgent: SAFARI_ON_IPHONE });
    await signIn(c.page, email);

    // From the user menu in the top bar.
    await a.page.getByRole('button', { name: 'Account' }).click();
    await a.page.getByRole('link', { name: 'Password and sessions' }).click();
    await a.page.waitForURL(/\/account\/security$/);
    await waitVisible(a.page.getByRole('heading', { name: 'Where you are signed in' }));
    const sessions = a.page.getByRole('list', { name: 'Sessions' }).getByRole('listitem');
    await waitVisible(sessions.filter({ hasText: 'Safari 17 on iPhone' }));
    expect(await sessions.count()).toBe(3);
    const here = sessions.filter({ hasText: 'This device' });
    expect(await here.count()).toBe(1);
    expect(await here.textContent()).toMatch(/Headless Chrome \d+ on Linux/);
    expect(await here.textContent()).toContain('127.0.0.1');
    await waitVisible(sessions.filter({ hasText: 'Firefox 133 on Windows' }));
    expect(await seriousViolations(a.page)).toEqual([]);
    await screenshot(a.page, 'account-security');

    // Sign out one: the iPhone.
    await a.page.getByRole('button', { name: /^Sign out Safari 17 on iPhone/ }).click();
    await waitForText(a.page.getByRole('status'), 'Signed out Safari 17 on iPhone');
    await sessions.filter({ hasText: 'Safari 17 on iPhone' }).waitFor({ state: 'detached' });
    expect(await sessions.count()).toBe(2);
    await c.page.reload();
    await expectSignedOut(c.page);

    // Sign out all others: the Firefox window loses access at its next request.
    await a.page.getByRole('button', { name: 'Sign out all other sessions' }).click();
    await waitForText(a.page.getByRole('status'), 'Signed out 1 other session.');
    await sessions.filter({ hasText: 'Firefox 133 on Windows' }).waitFor({ state: 'detached' });
    expect(await a.page.getByRole('button', { name: 'Sign out all other sessions' }).isDisabled()).toBe(true);
    await b.page.getByRole('link', { name: 'Credits', exact: true }).click();
    await expectSignedOut(b.page);

    // Change the password: a wrong current one is refused at its field.
    await signIn(b.page, email);
    await a.page.reload();
    await waitVisible(sessions.filter({ hasText: 'Firefox 133 on Windows' }));
    const form = a.page.getByRole('form', { name: 'Change your password' });
    await form.getByLabel('Current password').fill('not the password at all');
    await form.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await waitForText(form.getByRole('alert'), 'That is not your current password');
    expect(await form.getByLabel('Current password').getAttribute('aria-invalid')).toBe('true');
    await form.getByLabel('Current password').fill(PASSWORD);
    await form.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await waitForText(form.getByRole('status'), 'Password changed. 1 other session was signed out.');
    await sessions.filter({ hasText: 'Firefox 133 on Windows' }).waitFor({ state: 'detached' });
    await b.page.reload();
    await expectSignedOut(b.page);
    // This device stays signed in.
    await a.page.reload();
    await waitVisible(sessions.filter({ hasText: 'This device' }));
    expect(await sessions.count()).toBe(1);

    // The page on a phone, signed in with the new password.
    const p = await env.open(PHONE);
    await signIn(p.page, email, NEW_PASSWORD);
    await p.page.getByRole('button', { name: 'Account' }).click();
    await p.page.getByRole('link', { name: 'Password and sessions' }).click();
    await waitVisible(p.page.getByRole('list', { name: 'Sessions' }).getByText('This device'));
    expect(await seriousViolations(p.page)).toEqual([]);
    await screenshot(p.page, 'account-security');
    const overflow = await p.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    for (const x of [a, b, c, p]) await x.context.close();
  }, 240_000);
});
