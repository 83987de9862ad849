/**
 * The app's frame in a real browser: sign up lands on the org's dashboard with its 5 free
 * credits in the top bar; unknown pages and API paths keep their own answers.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, startApi, uniqueEmail } from '../http/harness.ts';
import {
  DESKTOP,
  launchBrowser,
  newPage,
  PHONE,
  screenshot,
  seriousViolations,
  signUp,
  waitForText,
  waitVisible,
} from './browser.ts';

describe('the web app frame (SQLite)', () => {
  let api: Api;
  let browser: Browser;
  beforeAll(async () => {
    api = await startApi('sqlite');
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('a new account lands on its dashboard with 5 free credits in the top bar', async () => {
    const { context, page } = await newPage(browser, api.url, DESKTOP);
    await signUp(page, uniqueEmail('shell'));
    await waitForText(page.getByTestId('balance'), '5 credits');
    await screenshot(page, 'dashboard');
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  }, 120_000);

  it('the sign-in page is usable at 390 px with no serious accessibility violations', async () => {
    const { context, page } = await newPage(browser, api.url, PHONE);
    await page.goto('/signin');
    await waitVisible(page.getByRole('heading', { name: 'Sign in to Amisi' }));
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  }, 120_000);

  it('serves index.html for app paths, problem+json for unknown API paths', async () => {
    const app = await fetch(`${api.url}/o/org_x/credits`, { headers: { accept: 'text/html' } });
    expect(app.status).toBe(200);
    expect(app.headers.get('content-type')).toContain('text/html');
    expect(app.headers.get('content-security-policy')).toContain("default-src 'self'");
    const missing = await fetch(`${api.url}/v1/nothing-here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    const asset = await fetch(`${api.url}/assets/missing.js`);
    expect(asset.status).toBe(404);
  });
});
