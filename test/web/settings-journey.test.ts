/**
 * The Settings page in real Chromium against a real server: an API key created in the UI
 * is shown once and works; revoked in the UI, the API refuses it with 401. A member sees
 * no key or webhook controls. No serious accessibility violations at 1440 and 390 px.
 */
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

describe('the Settings page (SQLite)', () => {
  const env = serverAndBrowser('sqlite');

  let email: string;
  let org: string;

  it('creates an API key shown once, revokes it, and the revoked key gets 401', async () => {
    const { context, page } = await env.open(DESKTOP);
    email = uniqueEmail('settings');
    org = await signUp(page, email, 'Keys Studio');
    await page.getByRole('link', { name: 'Settings' }).click();
    const form = page.getByRole('form', { name: 'Create an API key' });
    await waitVisible(form);
    await form.getByLabel('Key name').fill('Render server');
    // read and usage are ticked by default; add nothing else.
    expect(await form.getByRole('checkbox', { name: /read/ }).isChecked()).toBe(true);
    expect(await form.getByRole('checkbox', { name: /billing/ }).isChecked()).toBe(false);
    await form.getByRole('button', { name: 'Create key' }).click();

    const secretBox = page.getByRole('textbox', { name: 'Your new API key.' });
    await waitVisible(secretBox);
    const secret = await secretBox.inputValue();
    expect(secret).toMatch(/^amisi_sk_/);
    await waitForText(page.getByRole('status'), 'it is shown only this once');
    await waitVisible(page.getByRole('button', { name: 'Copy' }));
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'settings-key-created');

    const withKey = () => env.api.call('GET', `/v1/orgs/${org}/balance`, { key: secret });
    expect((await withKey()).status).toBe(200);

    // Shown once: after a reload the list has the key, never its secret.
    await page.reload();
    await waitVisible(page.getByRole('cell', { name: 'Render server' }));
    expect(await page.getByRole('textbox', { name: 'Your new API key.' }).count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    await page.getByRole('button', { name: 'Revoke Render server' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke Render server?' });
    await waitVisible(dialog);
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await dialog.waitFor({ state: 'detached' });
    await waitVisible(page.getByRole('cell', { name: /^Revoked / }));
    const refused = await withKey();
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('unauthorized');
    await context.close();
  }, 120_000);

  it('alerts and auto top-up save; the page passes axe at 1440 and 390 px', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const { context, page } = await env.open(viewport);
      await signIn(page, email);
      await page.goto(`/o/${org}/settings`);
      await waitVisible(page.getByRole('heading', { name: 'Low-balance alert' }));
      await waitVisible(page.getByRole('cell', { name: 'Render server' }));
      if (viewport === DESKTOP) {
        await page.getByLabel('Alert below (credits)').fill('3');
        await page.getByRole('button', { name: 'Save alert' }).click();
        await waitForText(page.getByRole('status'), 'Alert saved.');
        await waitForText(page.getByRole('main'), /alerted when available credits drop below\s*3 credits/);
        const topup = page.getByRole('form', { name: 'Auto top-up' });
        await topup.getByRole('checkbox', { name: /Buy credits automatically/ }).check();
        await topup.getByRole('button', { name: 'Save auto top-up' }).click();
        await waitForText(page.getByRole('status'), 'Auto top-up saved.');
        const saved = (await env.api.call('GET', `/v1/orgs/${org}/auto_topup`)).body;
        expect(saved).toMatchObject({ enabled: true, threshold: 10, pack: 'pack_20', monthly_max: 2 });
        expect((await env.api.call('GET', `/v1/orgs/${org}/alerts`)).body.low_balance_threshold).toBe(3);
      }
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, 'settings');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await context.close();
    }
  }, 120_000);
});
