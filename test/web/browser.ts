/**
 * Browser tests: Debian's Chromium driven by playwright-core (no downloaded browser) against
 * a real server (startApi: real HTTP, a real SQLite file or PostgreSQL schema) that serves
 * the built web app from dist/web. `npm test` builds the app and installs Chromium first
 * (scripts/ensure-chromium.sh).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { LoadOptions } from '../../src/config/config.ts';
import { WEB_DIST } from '../../src/http/web-app.ts';
import { type Api, startApi } from '../http/harness.ts';
import { tokenMailedTo } from '../http/mail.ts';

/**
 * Waits until the locator shows this text (playwright-core has no `expect`): the page
 * updates by itself, so tests wait for what a person would see, within `timeout_ms`.
 */
export async function waitForText(locator: Locator, text: string | RegExp, timeout_ms = 15_000) {
  await locator.filter({ hasText: text }).first().waitFor({ state: 'visible', timeout: timeout_ms });
}

export async function waitVisible(locator: Locator, timeout_ms = 15_000) {
  await locator.first().waitFor({ state: 'visible', timeout: timeout_ms });
}

const CANDIDATES = [process.env.AMISI_CHROMIUM, '/usr/lib/chromium/chromium', '/usr/bin/chromium'];

export function chromiumPath(): string {
  const found = CANDIDATES.find((p): p is string => !!p && existsSync(p));
  if (!found)
    throw new Error(
      'No Chromium for the browser tests: run `bash scripts/ensure-chromium.sh` (or apt-get install -y chromium), or set AMISI_CHROMIUM',
    );
  if (!existsSync(join(WEB_DIST, 'index.html')))
    throw new Error('The web app is not built: run `npm run build:web` first (npm test does)');
  return found;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // The machine has no network beyond loopback: keep Chromium from dialling out.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
    timeout: 120_000,
  });
}

export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** A server and a browser for one test file, and a way to open pages on it. */
export interface ServerAndBrowser {
  readonly api: Api;
  readonly browser: Browser;
  /** A new browser context (its own cookies: a separate device) and a page in it. */
  open(
    viewport?: { width: number; height: number },
    options?: { userAgent?: string },
  ): Promise<{ context: BrowserContext; page: Page }>;
}

/**
 * Starts a real server (a fresh SQLite file or PostgreSQL schema) and Chromium before the
 * file's tests and closes both after: call it at the top of a `describe`. The first launch is
 * slow on a busy machine, hence the generous hook timeout.
 */
export function serverAndBrowser(
  dialect: 'sqlite' | 'postgres' = 'sqlite',
  overrides: LoadOptions['overrides'] = {},
): ServerAndBrowser {
  let api: Api | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    api = await startApi(dialect, overrides);
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });
  const started = <T>(x: T | undefined, what: string): T => {
    if (x === undefined)
      throw new Error(`the ${what} is not started: use serverAndBrowser() inside describe`);
    return x;
  };
  const env: ServerAndBrowser = {
    get api() {
      return started(api, 'server');
    },
    get browser() {
      return started(browser, 'browser');
    },
    async open(viewport = DESKTOP, options = {}) {
      const context = await env.browser.newContext({ viewport, baseURL: env.api.url, ...options });
      context.setDefaultTimeout(20_000);
      return { context, page: await context.newPage() };
    },
  };
  return env;
}

/** Screenshots go to test-results/screenshots (git-ignored); the README's are copied by hand. */
export async function screenshot(page: Page, name: string) {
  const dir = join(import.meta.dirname, '../../test-results/screenshots');
  mkdirSync(dir, { recursive: true });
  const w = page.viewportSize()?.width ?? 0;
  // The visible screen, as a person sees it (a full-page capture repeats the sticky top bar).
  await page.screenshot({ path: join(dir, `${name}-${w}.png`) });
}

/**
 * The serious and critical accessibility violations axe-core finds on the page (WCAG 2 A/AA).
 * In axe's single-page mode (`axe.run` in the page, same-origin frames included): the default
 * also opens a blank page to merge per-frame results, for cross-origin frames the app does not
 * have, and took twice as long (1.0 s against 0.55 s an analysis, measured). On a page seeded
 * with violations, frames included, both modes reported the same rules and nodes.
 */
export async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa'])
    .setLegacyMode(true)
    .analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** A strong password for test accounts (the API refuses weak ones). */
export const PASSWORD = 'violet quartz harbour 7 lanterns';

/** Signs up through the form and waits for the org dashboard; returns the org id. */
export async function signUp(page: Page, email: string, orgName = 'Studio'): Promise<string> {
  await page.goto('/signup');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel(/Org name/).fill(orgName);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/o\/org_[a-z0-9]+/);
  const m = /\/o\/(org_[a-z0-9]+)/.exec(page.url());
  if (!m) throw new Error(`no org in ${page.url()}`);
  return m[1]!;
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/o\/org_/);
}

/** Opens the verification link the server mailed to `email` (read from the development mail folder). */
export async function verifyEmailInBrowser(api: Api, page: Page, email: string) {
  await page.goto(`/verify-email#token=${tokenMailedTo(api, email, 'amisi_ev_')}`);
  await waitForText(page.getByRole('status'), 'is verified');
}
