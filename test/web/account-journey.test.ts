import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { uniqueEmail } from '../http/harness.ts';
import { tokenMailedTo } from '../http/mail.ts';
import {
  DESKTOP,
  PASSWORD,
  screenshot,
  seriousViolations,
  serverAndBrowser,
  signUp,
  verifyEmailInBrowser,
  waitForText,
  waitVisible,
} from './browser.ts';

describe('account pages (SQLite)', () => {
  const env = serverAndBrowser('sqlite');

  it('changes the email with the link mailed to the new address, then deletes the account', async () => {
    const { context, page } = await env.open(DESKTOP);
    const email = uniqueEmail('mover');
    const next = uniqueEmail('moved');
    const org = await signUp(page, email, 'Moving Studio');
    await verifyEmailInBrowser(env.api, page, email);
    await page.goto('/account/profile');
    await waitVisible(page.getByRole('heading', { name: 'Your account' }));
    const form = page.getByRole('form', { name: 'Change your email' });
    await form.getByLabel('New email').fill(next);
    await form.getByLabel('Your password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Send confirmation link' }).click();
    await waitForText(page.getByRole('status'), `Open the link we have emailed to ${next}`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'account-profile');

    await page.goto(`/confirm-email#token=${tokenMailedTo(env.api, next, 'amisi_emc_')}`);
    await waitForText(page.getByRole('status'), `Your account now uses ${next}`);
    await page.goto('/account/profile');
    await waitForText(page.getByRole('main').getByText(/Signed in as/), next);

    // Then the account goes: its org was its own alone, so it is closed with it.
    const del = page.getByRole('form', { name: 'Delete your account' });
    await del.getByLabel('Your password').fill(PASSWORD);
    await del.getByLabel('I understand this cannot be undone').check();
    await del.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL(/\/signin/);
    expect((await env.api.call('GET', `/v1/orgs/${org}`)).body.closed_at).toEqual(expect.any(String));
    const again = await env.api.call('POST', '/v1/auth/login', {
      key: null,
      body: { email: next, password: PASSWORD },
    });
    expect(again.status).toBe(401);
    await context.close();
  }, 120_000);

  it('hands the org to a member, then leaves it', async () => {
    const { context, page } = await env.open(DESKTOP);
    const org = await signUp(page, uniqueEmail('founder'), 'Hand Over');
    expect(
      (await env.api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'pro' } })).status,
    ).toBe(200);
    const heir = uniqueEmail('heir');
    // The operator adds the member at once (the Team page's invitation journey is tested elsewhere).
    expect(
      (await env.api.call('POST', `/v1/orgs/${org}/members`, { body: { email: heir, role: 'member' } }))
        .status,
    ).toBe(201);
    await page.goto(`/o/${org}/settings`);
    const transfer = page.getByRole('form', { name: 'Transfer ownership' });
    await transfer.getByLabel('New owner').selectOption({ label: `${heir} (member)` });
    await transfer.getByRole('button', { name: 'Transfer ownership' }).click();
    await waitForText(page.getByRole('status').filter({ hasText: 'now owns' }), `${heir} now owns this org`);
    const roles = await env.api.call('GET', `/v1/orgs/${org}/members`);
    expect(
      Object.fromEntries(roles.body.data.map((m: { email: string; role: string }) => [m.email, m.role])),
    ).toMatchObject({
      [heir]: 'owner',
    });

    await page.getByRole('button', { name: 'Leave org' }).click();
    await page.getByRole('button', { name: 'Yes, leave this org' }).click();
    await waitVisible(page.getByRole('heading', { name: 'No org yet' }));
    await context.close();
  }, 120_000);

  it('closes an org after offering its transaction log as CSV and JSON', async () => {
    const { context, page } = await env.open(DESKTOP);
    const org = await signUp(page, uniqueEmail('closer'), 'Closing Time');
    await page.goto(`/o/${org}/settings`);
    const close = page.getByRole('form', { name: 'Close this org' });
    await waitVisible(close.getByRole('link', { name: 'Export transactions (CSV)' }));
    const download = page.waitForEvent('download');
    await close.getByRole('button', { name: 'Export transactions (JSON)' }).click();
    const json = await download;
    expect(json.suggestedFilename()).toBe(`${org}-transactions.json`);
    const rows = JSON.parse(readFileSync((await json.path()) as string, 'utf8')) as unknown[];
    // Sign-up's free grant at least; the count the page states is the count in the file.
    expect(rows.length).toBeGreaterThan(0);
    await waitForText(
      close.getByRole('status'),
      `Saved all ${rows.length} ${rows.length === 1 ? 'transaction' : 'transactions'} as ${org}-transactions.json.`,
    );
    expect(await close.getByRole('button', { name: 'Close org' }).isDisabled()).toBe(true);
    await close.getByLabel(/Type the org's name/).fill('Closing Time');
    await close.getByRole('button', { name: 'Close org' }).click();
    await waitForText(page.getByRole('status').filter({ hasText: 'was closed' }), 'This org was closed');
    expect((await env.api.call('GET', `/v1/orgs/${org}`)).body.closed_at).toEqual(expect.any(String));
    // A closed org's log stays readable, and its export stays offered.
    await waitVisible(page.getByRole('button', { name: 'Export transactions (JSON)' }));

    // Nothing the API now refuses is offered: the settings' forms give way to a sentence why.
    expect(
      (await env.api.call('PUT', `/v1/orgs/${org}/alerts`, { body: { low_balance_threshold: 5 } })).body.code,
    ).toBe('org_closed');
    await waitVisible(page.getByText('The org is closed: its alert can no longer change.'));
    await waitVisible(page.getByText('The org is closed: auto top-up is off and can no longer change.'));
    for (const form of ['Create an API key', 'Add a webhook endpoint', 'Low-balance alert', 'Auto top-up'])
      expect(await page.getByRole('form', { name: form }).count(), form).toBe(0);
    expect(await page.getByRole('banner').getByRole('link', { name: 'Buy credits' }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    // Scrolled to its end, the long Settings page still shows the sections below the top bar:
    // the link's middle is the link itself, not the bar over it nor nothing.
    await page.setViewportSize({ width: DESKTOP.width, height: 640 });
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);
    const link = page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings' });
    expect(
      await link.evaluate((a) => {
        const r = a.getBoundingClientRect();
        return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)?.closest('a') === a;
      }),
    ).toBe(true);
    await page.setViewportSize(DESKTOP);
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await screenshot(page, 'org-closed');

    // Buying is refused too: the packs and their prices stay, without a way to buy one.
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Buy credits' })
      .click();
    await waitVisible(page.getByText('The org is closed: no pack can be bought for it.'));
    expect(await page.getByRole('button', { name: /^Buy \d+ credits$/ }).count()).toBe(0);
    await screenshot(page, 'org-closed-buy');
    await context.close();
  }, 120_000);
});
