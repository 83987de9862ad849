/**
 * The credits journeys in real Chromium against a real server: the live top bar, the
 * Credits tab, Generate and Buy credits, on SQLite at 1440 and 390 px, and on PostgreSQL
 * with two server instances sharing the database (a change made through one shows on a
 * page served by the other).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKey, uniqueEmail } from '../http/harness.ts';
import { startSecondInstance } from '../http/sse.ts';
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

// The issue asks for a live update within 2 s. The page is event-driven (the org event
// stream), so this wait is only the failure bound: 5 s leaves room for a busy shared
// machine without letting a page that never updates pass.
const LIVE_MS = 5_000;

const balance = (page: Page) => page.getByTestId('balance');

async function nav(page: Page, name: string) {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true }).click();
}

/** Generates one image per prompt at `resolution` and waits until the batch is settled. */
async function generate(page: Page, prompts: string[], resolution = '720p') {
  await nav(page, 'Generate');
  await page.getByLabel('Prompts').fill(prompts.join('\n'));
  await page.getByRole('radio', { name: new RegExp(`^${resolution}`) }).check();
  const n = prompts.length;
  const button = page.getByRole('button', { name: new RegExp(`^Generate ${n} images?`) });
  await waitVisible(button);
  await page.waitForFunction(
    (label) =>
      [...document.querySelectorAll('button')].some((b) => b.textContent?.startsWith(label) && !b.disabled),
    `Generate ${n} image`,
  );
  await button.click();
  await waitForText(page.getByTestId('batch-summary'), /delivered/, 60_000);
}

async function expectNoSeriousViolations(page: Page) {
  expect(await seriousViolations(page)).toEqual([]);
}

describe('the credits journey in the browser (SQLite)', () => {
  const env = serverAndBrowser('sqlite');

  it('generate, see the top bar follow, read the log, refuse an unaffordable batch, buy a pack, see an API charge live, export CSV', async () => {
    const { context, page } = await env.open(DESKTOP);
    const org = await signUp(page, uniqueEmail('journey'));
    await waitForText(balance(page), '5 credits');
    // A mark that a reload would wipe: every update below happens in this same document.
    await page.evaluate(() => {
      (window as unknown as { noReload: boolean }).noReload = true;
    });

    await generate(page, ['a red fox in the snow']);
    await waitForText(balance(page), '4 credits', LIVE_MS);
    await generate(page, ['a blue whale at dawn']);
    await waitForText(balance(page), '3 credits', LIVE_MS);
    await screenshot(page, 'generate');
    await expectNoSeriousViolations(page);

    await nav(page, 'Credits');
    const rows = page.getByTestId('txn-row');
    await waitForText(rows.first(), /Usage/);
    const usage = rows.filter({ hasText: 'Usage' });
    expect(await usage.count()).toBe(2);
    // Newest first: the second charge left 3, the first 4.
    expect(await usage.nth(0).locator('td').last().textContent()).toBe('3');
    expect(await usage.nth(1).locator('td').last().textContent()).toBe('4');
    expect(await usage.nth(0).textContent()).toContain('720p image');
    expect(await usage.nth(0).textContent()).toContain('Free 1');
    expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);

    // 8K costs 4; 3 are left: refused before anything runs, with the shortfall and the way to buy.
    await nav(page, 'Generate');
    await page.getByLabel('Prompts').fill('a castle at night');
    await page.getByRole('radio', { name: /^8K/ }).check();
    const shortfall = page.getByTestId('shortfall');
    await waitForText(shortfall, '1 short');
    await waitVisible(shortfall.getByRole('link', { name: 'Buy a credit pack' }));
    await waitVisible(shortfall.getByRole('link', { name: 'Compare plans' }));
    expect(await page.getByRole('button', { name: /^Generate 1 image/ }).isDisabled()).toBe(true);
    await expectNoSeriousViolations(page);

    // Buy a pack of 20: one click, a confirmation dialog, and the balance follows.
    await shortfall.getByRole('link', { name: 'Buy a credit pack' }).click();
    await waitVisible(page.getByRole('heading', { name: 'Buy credits' }));
    await waitForText(page.locator('.pack').first(), '$0.500 per credit');
    await screenshot(page, 'buy');
    await expectNoSeriousViolations(page);
    const buy20 = page.getByRole('button', { name: 'Buy 20 credits' });
    await buy20.click();
    const dialog = page.getByRole('dialog', { name: 'Buy 20 credits?' });
    await waitVisible(dialog);
    await expectNoSeriousViolations(page);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await buy20.evaluate((el) => el === document.activeElement)).toBe(true);
    await buy20.click();
    // A double click on the confirmation buys one pack (one key per confirmation).
    await dialog.getByRole('button', { name: 'Pay $9.99' }).dblclick();
    await waitForText(page.getByTestId('purchase-done'), '20 credits added');
    await waitForText(balance(page), '23 credits', LIVE_MS);
    const purchases = await env.api.call('GET', `/v1/orgs/${org}/purchases`);
    expect(purchases.body.data).toHaveLength(1);

    await nav(page, 'Credits');
    const purchaseRow = page.getByTestId('txn-row').filter({ hasText: 'Purchase' });
    await waitVisible(purchaseRow);
    expect(await purchaseRow.textContent()).toContain('Purchased 20');
    expect(await purchaseRow.locator('td').last().textContent()).toBe('23');

    // The breakdown behind the balance: by source, and what the next renewal takes.
    await balance(page).getByRole('button').click();
    const popover = page.locator('.balance-popover');
    await waitForText(popover, 'Purchased');
    expect(await popover.textContent()).toContain('never expire');
    await screenshot(page, 'topbar-breakdown');
    await expectNoSeriousViolations(page);
    await page.keyboard.press('Escape');

    // A charge through the API with an org API key shows in the open page.
    const key = await newKey(env.api, org, ['usage']);
    const charged = await env.api.call('POST', `/v1/orgs/${org}/usage`, {
      key,
      body: { tool: 'image.generate', operation: '720p' },
    });
    expect(charged.status).toBe(201);
    await waitForText(balance(page), '22 credits', LIVE_MS);
    await waitForText(page.getByTestId('txn-row').first(), '22', LIVE_MS);
    await screenshot(page, 'credits');
    await expectNoSeriousViolations(page);

    // Filter to usage: the CSV link exports exactly the rows shown (every page of them).
    await page.getByLabel('Type').selectOption('usage');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/type=usage/);
    await waitForText(page.getByTestId('txn-row').first(), 'Usage');
    expect(await page.getByTestId('txn-row').count()).toBe(3);
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    expect(href).toBe(`/v1/orgs/${org}/transactions.csv?type=usage`);
    const csv = await page.request.get(href!);
    expect(csv.status()).toBe(200);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines).toHaveLength(1 + 3);
    const json = await env.api.call('GET', `/v1/orgs/${org}/transactions?type=usage`);
    for (const t of json.body.data) expect(lines.some((l) => l.includes(t.id))).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);
    await context.close();
  }, 180_000);

  it('the main journey at 390 px', async () => {
    const { context, page } = await env.open(PHONE);
    await signUp(page, uniqueEmail('phone'));
    await waitForText(balance(page), '5 credits');
    await generate(page, ['a lighthouse', 'a harbour']);
    await waitForText(balance(page), '3 credits', LIVE_MS);
    await screenshot(page, 'generate');
    await expectNoSeriousViolations(page);
    await nav(page, 'Credits');
    await waitForText(page.getByTestId('txn-row').first(), 'Usage');
    await screenshot(page, 'credits');
    await expectNoSeriousViolations(page);
    await balance(page).getByRole('button').click();
    await waitForText(page.locator('.balance-popover'), 'Free');
    await screenshot(page, 'topbar-breakdown');
    await page.keyboard.press('Escape');
    await nav(page, 'Buy credits');
    await page.getByRole('button', { name: 'Buy 50 credits' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Pay $19.99' }).click();
    await waitForText(balance(page), '53 credits', LIVE_MS);
    await screenshot(page, 'buy');
    await expectNoSeriousViolations(page);
    // Nothing wider than the screen: usable without sideways scrolling.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await context.close();
  }, 180_000);
});

describe('the live balance across two server instances (PostgreSQL)', () => {
  const env = serverAndBrowser('postgres');
  let b: Awaited<ReturnType<typeof startSecondInstance>>;
  beforeAll(async () => {
    b = await startSecondInstance(env.api);
  }, 180_000);
  // Hooks after run in reverse: instance B closes before the first instance and the browser.
  afterAll(async () => {
    await b?.close();
  });

  it('a page on instance A shows a charge made through instance B', async () => {
    const { context, page } = await env.open(DESKTOP);
    const org = await signUp(page, uniqueEmail('pg'));
    await waitForText(balance(page), '5 credits');
    await generate(page, ['a quiet street']);
    await waitForText(balance(page), '4 credits', LIVE_MS);
    await nav(page, 'Credits');
    await waitForText(page.getByTestId('txn-row').first(), 'Usage');
    const key = await newKey(env.api, org, ['usage']);
    const r = await fetch(`${b.url}/v1/orgs/${org}/usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tool: 'image.generate', operation: '1080p' }),
    });
    expect(r.status).toBe(201);
    await waitForText(balance(page), '2 credits', LIVE_MS);
    await waitForText(page.getByTestId('txn-row').first(), '1080p image', LIVE_MS);
    expect(await page.locator('header.top-bar').getAttribute('data-live')).toBe('stream');
    await context.close();
  }, 180_000);
});
