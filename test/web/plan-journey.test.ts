/**
 * The Plan page in real Chromium against a real server: Free → Basic → Pro upgrades, each
 * with the preview of what it does to the balance shown before confirming; a downgrade
 * scheduled (visible as pending) and undone; a cancel at the period end shown and undone.
 * Dialogs close with Escape or a click on the backdrop; no serious accessibility violations at
 * 1440 and 390 px.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { uniqueEmail } from '../http/harness.ts';
import {
  DESKTOP,
  PHONE,
  screenshot,
  seriousViolations,
  serverAndBrowser,
  signIn,
  signUp,
  waitForText,
  waitVisible,
} from './browser.ts';

describe('the Plan page (SQLite)', () => {
  const env = serverAndBrowser('sqlite');

  const subscription = async (org: string) =>
    (await env.api.call('GET', `/v1/orgs/${org}/subscription`)).body;

  /** Opens a change's dialog, checks its preview, confirms, and waits for the dialog to go. */
  async function confirmChange(
    page: Page,
    button: string,
    title: string,
    expected: RegExp[],
    confirm: string,
  ) {
    await page.getByRole('button', { name: button }).click();
    const dialog = page.getByRole('dialog', { name: title });
    await waitVisible(dialog);
    const preview = dialog.getByTestId('plan-preview');
    await waitVisible(preview);
    for (const e of expected) await waitForText(preview, e);
    await dialog.getByRole('button', { name: confirm }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  let email: string;
  let org: string;

  it('Free → Basic → Pro: each upgrade shows its preview before it is confirmed', async () => {
    const { context, page } = await env.open(DESKTOP);
    email = uniqueEmail('plan');
    org = await signUp(page, email, 'Plan Studio');
    await page.getByRole('link', { name: 'Plan' }).click();
    await waitVisible(page.getByRole('heading', { name: 'Plan', level: 1 }));
    await waitForText(page.getByRole('listitem').filter({ hasText: 'Current plan' }), 'Free');
    await waitVisible(page.getByText('example price').first());

    // Free → Basic: the 5 free credits stay; Basic's 20 arrive now.
    await confirmChange(
      page,
      'Upgrade to Basic',
      'Upgrade to Basic',
      [/Basic starts now/, /New allocation now\s*20 credits/, /5 credits now → 25 credits after/],
      'Upgrade to Basic now',
    );
    // The catalog's name for the tier, not its id ('basic'): a case-sensitive match.
    await waitForText(page.getByTestId('balance'), /Basic/);
    expect((await subscription(org)).tier).toBe('basic');

    // Basic → Pro: the 20 unused Basic credits are carried (cap 100) and Pro's 50 arrive.
    await page.getByRole('button', { name: 'Upgrade to Pro' }).click();
    const dialog = page.getByRole('dialog', { name: 'Upgrade to Pro' });
    await waitVisible(dialog.getByTestId('plan-preview'));
    await waitForText(dialog, /Credits carried now\s*20 credits/);
    await waitForText(dialog, /Credits forfeited now\s*0 credits/);
    await waitForText(dialog, /25 credits now → 75 credits after/);
    await waitForText(dialog, /per month\s*\(example price\)/);
    // Nothing has changed while the preview is on screen.
    expect((await subscription(org)).tier).toBe('basic');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'plan-upgrade-preview');
    await dialog.getByRole('button', { name: 'Upgrade to Pro now' }).click();
    await dialog.waitFor({ state: 'detached' });
    await waitForText(page.getByRole('status'), 'Done: upgrade to Pro now');
    await waitForText(page.getByTestId('balance'), '75 credits');
    expect(await subscription(org)).toMatchObject({ tier: 'pro', pending_tier: null });
    await context.close();
  }, 120_000);

  it('a downgrade is scheduled, shown as pending, and undone; Escape or the backdrop closes a dialog', async () => {
    const { context, page } = await env.open(DESKTOP);
    await signIn(page, email);
    await page.goto(`/o/${org}/plan`);
    await waitVisible(page.getByRole('button', { name: 'Downgrade to Basic' }));

    // Escape leaves without changing anything, and focus returns to the button.
    await page.getByRole('button', { name: 'Downgrade to Basic' }).click();
    const first = page.getByRole('dialog');
    await waitVisible(first);
    expect(await page.evaluate(() => !!document.activeElement?.closest('[role=dialog]'))).toBe(true);
    await page.keyboard.press('Escape');
    await first.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Downgrade to Basic');
    expect((await subscription(org)).pending_tier).toBeNull();

    // So does a click on the backdrop, outside the dialog's box (its top-left corner).
    await page.getByRole('button', { name: 'Downgrade to Basic' }).click();
    await waitVisible(page.getByRole('dialog'));
    await page.locator('.dialog-backdrop').click({ position: { x: 5, y: 5 } });
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect((await subscription(org)).pending_tier).toBeNull();

    const periodEnd = (await subscription(org)).period_end as string;
    await confirmChange(
      page,
      'Downgrade to Basic',
      'Downgrade to Basic',
      [/changes from Pro to Basic at the end of this period/, /New allocation on .*20 credits/],
      'Downgrade to Basic at the period end',
    );
    const pending = page.getByTestId('pending-change');
    await waitForText(pending, /your plan changes from Pro to Basic on/);
    expect(await subscription(org)).toMatchObject({ tier: 'pro', pending_tier: 'basic' });
    expect((await subscription(org)).period_end).toBe(periodEnd);
    await screenshot(page, 'plan-pending-downgrade');

    await confirmChange(page, 'Undo the downgrade', 'Keep Pro', [/Your Pro plan continues/], 'Keep Pro');
    await pending.waitFor({ state: 'detached' });
    expect(await subscription(org)).toMatchObject({ tier: 'pro', pending_tier: null });
    await context.close();
  }, 120_000);

  it('a cancel at the period end is shown with what expires, and undone', async () => {
    const { context, page } = await env.open(DESKTOP);
    await signIn(page, email);
    await page.goto(`/o/${org}/plan`);
    await confirmChange(
      page,
      'Cancel your plan',
      'Cancel your plan',
      [/the org returns to Free/, /Credits forfeited on .*70 credits/, /75 credits now → 5 credits on/],
      'Cancel at the period end',
    );
    const pending = page.getByTestId('pending-change');
    await waitForText(pending, /plan is cancelled on .*returns to Free/);
    expect(await subscription(org)).toMatchObject({ cancel_at_period_end: true });

    await confirmChange(page, 'Undo the cancellation', 'Keep Pro', [/Your Pro plan continues/], 'Keep Pro');
    await pending.waitFor({ state: 'detached' });
    expect(await subscription(org)).toMatchObject({
      tier: 'pro',
      cancel_at_period_end: false,
      pending_tier: null,
    });
    await context.close();
  }, 120_000);

  it('has no serious accessibility violations at 1440 and 390 px', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const { context, page } = await env.open(viewport);
      await signIn(page, email);
      await page.goto(`/o/${org}/plan`);
      await waitVisible(page.getByRole('button', { name: 'Downgrade to Basic' }));
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, 'plan');
      // Nothing wider than the screen at 390 px.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await context.close();
    }
  }, 120_000);
});
