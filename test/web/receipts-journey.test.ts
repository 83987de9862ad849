/**
 * Receipts in real Chromium against a real server (SQLite, the development provider): the
 * owner buys a pack of 50 on the Buy page, finds it in the Billing history and opens its
 * printable receipt, which shows the amount and the credits; printing hides everything but
 * the receipt. A member of the same org sees neither page. Both pages pass axe.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { newTeam, type Team } from '../http/sessions.ts';
import {
  DESKTOP,
  PHONE,
  screenshot,
  seriousViolations,
  serverAndBrowser,
  signIn,
  waitForText,
  waitVisible,
} from './browser.ts';

const sections = (page: Page) => page.getByRole('navigation', { name: 'Sections' });

describe('receipts in the browser (SQLite)', () => {
  const env = serverAndBrowser('sqlite');
  let team: Team;
  beforeAll(async () => {
    team = await newTeam(env.api);
  }, 180_000);

  it('buy a pack of 50, find it in the billing history, open and print its receipt', async () => {
    const { context, page } = await env.open(DESKTOP);
    await signIn(page, team.owner.email);
    await page.goto(`/o/${team.org}/buy`);
    await page.getByRole('button', { name: 'Buy 50 credits' }).click();
    await page
      .getByRole('dialog', { name: 'Buy 50 credits?' })
      .getByRole('button', { name: 'Pay $19.99' })
      .click();
    await waitForText(page.getByTestId('purchase-done'), '50 credits added');

    await sections(page).getByRole('link', { name: 'Billing history', exact: true }).click();
    await waitVisible(page.getByRole('heading', { name: 'Billing history' }));
    const row = page.getByRole('row').filter({ hasText: '50 credits (pack_50)' });
    await waitVisible(row);
    expect(await row.textContent()).toContain('$19.99');
    expect(await row.textContent()).toContain('Credit pack');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'billing-history');
    // On a phone the table scrolls in its own labelled region.
    await page.setViewportSize(PHONE);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'billing-history');
    await page.setViewportSize(DESKTOP);

    await row.getByRole('link', { name: /^Receipt/ }).click();
    await waitVisible(page.getByRole('heading', { name: 'Receipt', exact: true }));
    await waitForText(page.getByTestId('receipt-total'), '$19.99');
    expect(await page.getByTestId('receipt-credits').textContent()).toBe('50 credits');
    const history = (await env.api.call('GET', `/v1/orgs/${team.org}/billing/history`)).body.data;
    const receipt = (await env.api.call('GET', `/v1/orgs/${team.org}/billing/receipts/${history[0].id}`))
      .body;
    expect(await page.getByTestId('receipt-number').textContent()).toBe(receipt.receipt_number);
    // The API's receipt_url is this very page.
    expect(new URL(history[0].receipt_url).pathname).toBe(new URL(page.url()).pathname);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'receipt');
    await page.setViewportSize(PHONE);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'receipt');
    await page.setViewportSize(DESKTOP);

    // The Print button opens the browser's print dialog; printed, only the receipt shows.
    await page.evaluate(() => {
      (window as unknown as { printed: number }).printed = 0;
      window.print = () => {
        (window as unknown as { printed: number }).printed += 1;
      };
    });
    await page.getByRole('button', { name: 'Print receipt' }).click();
    expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
    await page.emulateMedia({ media: 'print' });
    expect(await sections(page).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Print receipt' }).isVisible()).toBe(false);
    expect(await page.getByTestId('receipt-total').isVisible()).toBe(true);
    await context.close();
  }, 120_000);

  it('a member sees no billing history and no receipt', async () => {
    const { context, page } = await env.open(DESKTOP);
    await signIn(page, team.member.email);
    await page.goto(`/o/${team.org}`);
    await waitVisible(sections(page).getByRole('link', { name: 'Credits', exact: true }));
    expect(await sections(page).getByRole('link', { name: 'Billing history' }).count()).toBe(0);
    const paid = (await env.api.call('GET', `/v1/orgs/${team.org}/billing/history`)).body.data[0]
      .id as string;
    for (const path of ['/billing', `/billing/receipts/${paid}`]) {
      await page.goto(`/o/${team.org}${path}`);
      await waitVisible(page.getByRole('heading', { name: /not found/i }));
      expect(await page.getByTestId('receipt-total').count()).toBe(0);
      expect(await page.getByRole('heading', { name: 'Billing history' }).count()).toBe(0);
    }
    await context.close();
  }, 120_000);
});
