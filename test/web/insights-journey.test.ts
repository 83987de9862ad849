/**
 * Insights and notifications in a real browser against a real server (SQLite file):
 * - a year of demo usage (`amisi demo`'s seeding, written into the server's own store at
 *   the server clock's now) renders as charts (canvas with an aria-label) and tables, with
 *   the forecast, the money of every option, and the efficiency report;
 * - a low balance raises an in-app notification; marking it read lowers the unread count.
 * Each page is checked by axe at 1440 and 390 px and photographed at both widths.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/cli/demo.ts';
import { type Api, uniqueEmail } from '../http/harness.ts';
import {
  DESKTOP,
  PHONE,
  screenshot,
  seriousViolations,
  serverAndBrowser,
  signIn,
  signUp,
  verifyEmailInBrowser,
  waitForText,
  waitVisible,
} from './browser.ts';

const DEMO_SEED = 42;
const DEMO_ORG = `org_demo_pro_${DEMO_SEED}`;

/**
 * Lets a signed-up person see an org they did not create: the operator adds their email
 * as an admin member. Adding members is becoming an email invitation in another branch;
 * when it lands, only this helper changes (accept the invitation here instead).
 */
async function grantAccess(api: Api, org: string, email: string) {
  const r = await api.call('POST', `/v1/orgs/${org}/members`, { body: { email, role: 'admin' } });
  if (r.status !== 201) throw new Error(`adding ${email} to ${org} failed: ${r.status} ${r.text}`);
}

describe('insights and notifications in the browser (SQLite)', () => {
  const env = serverAndBrowser('sqlite');
  const viewer = uniqueEmail('insights');
  beforeAll(async () => {
    // Thirteen months of the demo's Pro usage (a year back from the current period), ending at the server clock's now (the test clock).
    const now = Date.parse((await env.api.call('GET', '/v1/admin/clock')).body.now);
    await seedDemo(env.api.store, { months: 13, seed: DEMO_SEED, end: now, tiers: ['pro'] });
  }, 180_000);

  /** Numbers in a table column, read from the page. */
  const columnNumbers = (page: Page, testId: string, col: number) =>
    page
      .getByTestId(testId)
      .locator(`table tbody tr td:nth-of-type(${col})`)
      .allInnerTexts()
      .then((xs) => xs.map((x) => Number(x.replace(/[^0-9.-]/g, ''))));

  it('renders a year of demo usage as charts and tables, with forecast, advice money and efficiency', async () => {
    const { context, page } = await env.open(DESKTOP);
    await signUp(page, viewer, 'Viewer studio');
    await grantAccess(env.api, DEMO_ORG, viewer);
    // A listed address counts once its owner has verified it.
    await verifyEmailInBrowser(env.api, page, viewer);
    await page.goto(`/o/${DEMO_ORG}/insights`);
    await waitVisible(page.getByRole('heading', { name: 'Insights', level: 1 }));

    // Charts: every canvas names itself; the day chart, four groupings and past periods.
    await page.locator('canvas[aria-label]').nth(5).waitFor({ state: 'attached', timeout: 30_000 });
    const labels = await page
      .locator('canvas[aria-label]')
      .evaluateAll((cs) => cs.map((c) => c.getAttribute('aria-label')));
    expect(labels.some((l) => /Credits used per day/.test(l ?? ''))).toBe(true);
    expect(labels.some((l) => /Credits by resolution/.test(l ?? ''))).toBe(true);
    expect(labels.some((l) => /complete periods/.test(l ?? ''))).toBe(true);
    expect(await page.locator('canvas[role="img"]').count()).toBe(labels.length);

    // Tables beside them: resolutions, members and projects with non-zero credits.
    for (const group of ['audit-operation', 'audit-member', 'audit-project', 'audit-tool']) {
      const creditsCol = await columnNumbers(page, group, 1);
      expect(creditsCol.length, group).toBeGreaterThan(0);
      expect(
        creditsCol.every((n) => n > 0),
        group,
      ).toBe(true);
    }
    await waitForText(page.getByTestId('audit-member'), /@pro\.demo/);
    await waitForText(page.getByTestId('audit-project'), /Spring campaign/);
    await waitForText(page.getByTestId('audit-operation'), /720P|720p/);

    // The day table (folded in <details>) has a row per day of the range with usage on some.
    const day = page.getByTestId('audit-day');
    await day.locator('summary').click();
    const perDay = await columnNumbers(page, 'audit-day', 1);
    expect(perDay.length).toBe(30);
    expect(perDay.some((n) => n > 0)).toBe(true);

    // Forecast, advice with the money of every option, efficiency with numbers.
    await waitForText(page.getByTestId('forecast'), /credits? a day/);
    const costs = page.getByTestId('advice-costs').locator('tbody tr');
    expect(await costs.count()).toBeGreaterThanOrEqual(3);
    for (const row of await costs.allInnerTexts()) expect(row).toMatch(/\$\d[\d,]*\.\d\d/);
    await waitForText(page.getByTestId('advice'), /Stay|Upgrade|Move down|buy packs/);
    const eff = await page.getByTestId('efficiency').textContent();
    expect(eff).toMatch(/Charged\s*[\d,]+ credits?/);
    expect(eff).toMatch(/Savings\s*[\d,]+ credits? \([\d.]+%\)/);
    await waitVisible(page.getByTestId('last-year'));

    // A shorter range refetches: 7 days → 7 rows in the day table.
    await page.getByRole('button', { name: '7 days' }).click();
    await waitForText(page.getByText(/\(7 days\)/), /7 days/);
    await expect.poll(async () => (await columnNumbers(page, 'audit-day', 1)).length).toBe(7);

    await screenshot(page, 'insights');
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  }, 120_000);

  it('insights is usable at 390 px with no serious accessibility violations', async () => {
    const { context, page } = await env.open(PHONE);
    await signIn(page, viewer);
    await page.goto(`/o/${DEMO_ORG}/insights`);
    await waitVisible(page.getByRole('heading', { name: 'Insights', level: 1 }));
    await page.locator('canvas[aria-label]').nth(5).waitFor({ state: 'attached', timeout: 30_000 });
    await waitVisible(page.getByTestId('advice-costs'));
    // Nothing wider than the phone but the scrollable tables.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await screenshot(page, 'insights');
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  }, 120_000);

  it('a low balance appears as an unread notification; marking it read lowers the count', async () => {
    const { context, page } = await env.open(DESKTOP);
    const email = uniqueEmail('alerts');
    const org = await signUp(page, email, 'Alert studio');
    // The operator sets the alert level and spends: 5 free credits − 2 = 3, under 4.
    const set = await env.api.call('PUT', `/v1/orgs/${org}/alerts`, { body: { low_balance_threshold: 4 } });
    expect(set.status, set.text).toBe(200);
    const spent = await env.api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '1080p', quantity: 1 },
    });
    expect(spent.status, spent.text).toBe(201);
    // Under the manual clock, scheduled passes (which turn events into notifications) run when asked.
    await env.api.call('POST', '/v1/admin/renewals/run');
    const unreadBefore = (await env.api.call('GET', `/v1/orgs/${org}/notifications/unread_count`)).body
      .unread;
    expect(unreadBefore).toBeGreaterThan(0);

    await page.goto(`/o/${org}/notifications`);
    await waitVisible(page.getByRole('heading', { name: 'Notifications', level: 1 }));
    const summary = page.getByTestId('unread-summary');
    await waitForText(summary, `${unreadBefore} unread`);
    const low = page.getByTestId('notification').filter({ hasText: 'Your credit balance is low' });
    await waitForText(low, 'Low balance');

    // The bell, once the lead has placed it in the top bar, says the same and lists it.
    const bell = page.getByTestId('notifications-bell');
    const hasBell = (await bell.count()) > 0;
    if (hasBell) {
      await expect.poll(() => bell.getAttribute('aria-label')).toBe(`Notifications, ${unreadBefore} unread`);
      await bell.click();
      await waitVisible(page.getByRole('region', { name: 'Notifications' }).or(page.locator('.notif-panel')));
      await page.keyboard.press('Escape');
    }

    await screenshot(page, 'notifications');
    expect(await seriousViolations(page)).toEqual([]);

    await low.getByRole('button', { name: /Mark read/ }).click();
    const after = unreadBefore - 1;
    await waitForText(summary, after === 0 ? 'All read' : `${after} unread`);
    await waitVisible(low.filter({ hasNotText: 'Mark read' }));
    if (hasBell)
      await expect
        .poll(() => bell.getAttribute('aria-label'))
        .toBe(after === 0 ? 'Notifications, none unread' : `Notifications, ${after} unread`);
    expect((await env.api.call('GET', `/v1/orgs/${org}/notifications/unread_count`)).body.unread).toBe(after);

    if (after > 0) {
      await page.getByRole('button', { name: 'Mark all read' }).click();
      await waitForText(summary, 'All read');
    }
    await context.close();

    // The page at 390 px: read notifications, no serious violations, nothing wider than the phone.
    const phone = await env.open(PHONE);
    await signIn(phone.page, email);
    await phone.page.goto(`/o/${org}/notifications`);
    await waitForText(phone.page.getByTestId('unread-summary'), 'All read');
    await waitVisible(phone.page.getByTestId('notification'));
    const overflow = await phone.page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(1);
    await screenshot(phone.page, 'notifications');
    expect(await seriousViolations(phone.page)).toEqual([]);
    await phone.context.close();
  }, 120_000);
});
