/**
 * The app's frame in a real browser: sign up lands on the org's dashboard with its 5 free
 * credits in the top bar; unknown pages and API paths keep their own answers.
 */
import { describe, expect, it } from 'vitest';
import { uniqueEmail } from '../http/harness.ts';
import {
  DESKTOP,
  PHONE,
  screenshot,
  seriousViolations,
  serverAndBrowser,
  signUp,
  waitForText,
  waitVisible,
} from './browser.ts';

describe('the web app frame (SQLite)', () => {
  const env = serverAndBrowser('sqlite');

  it('a new account lands on its dashboard with 5 free credits in the top bar', async () => {
    const { context, page } = await env.open(DESKTOP);
    await signUp(page, uniqueEmail('shell'));
    await waitForText(page.getByTestId('balance'), '5 credits');
    await screenshot(page, 'dashboard');
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  }, 120_000);

  it('the sign-in page is usable at 390 px with no serious accessibility violations', async () => {
    const { context, page } = await env.open(PHONE);
    await page.goto('/signin');
    await waitVisible(page.getByRole('heading', { name: 'Sign in to Amisi' }));
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  }, 120_000);

  it('serves index.html for app paths, problem+json for unknown API paths', async () => {
    const app = await fetch(`${env.api.url}/o/org_x/credits`, { headers: { accept: 'text/html' } });
    expect(app.status).toBe(200);
    expect(app.headers.get('content-type')).toContain('text/html');
    expect(app.headers.get('content-security-policy')).toContain("default-src 'self'");
    const missing = await fetch(`${env.api.url}/v1/nothing-here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    const asset = await fetch(`${env.api.url}/assets/missing.js`);
    expect(asset.status).toBe(404);
  });
});
