/**
 * The Team page in real Chromium against a real server: on a Pro org the owner invites a
 * member and sets them a hard budget of 3; the member signs in (a second browser
 * context), spends 3 with their session, and the 4th charge is refused naming the budget,
 * which their Team page shows as reached. A Free org sees what team access would give.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Api, uniqueEmail } from '../http/harness.ts';
import { tokenMailedTo } from '../http/mail.ts';
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

/** Invites `email` as a member from the owner's Team page: the API mails a single-use link. */
async function inviteFromTeamPage(owner: Page, email: string) {
  const form = owner.getByRole('form', { name: 'Invite a member' });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Role').selectOption('member');
  await form.getByRole('button', { name: 'Invite' }).click();
  await waitForText(owner.getByRole('status'), `Invitation sent to ${email}`);
}

/**
 * The invited person, in a browser of their own: signs up with the invited address, opens
 * the verification link and then the invitation link, both read from the development
 * mail folder as a developer would, and joins.
 */
async function joinByInvitation(api: Api, page: Page, email: string, orgName: string) {
  await signUp(page, email, 'Member home');
  await verifyEmailInBrowser(api, page, email);
  await page.goto(`/accept-invitation#token=${tokenMailedTo(api, email, 'amisi_inv_')}`);
  await page.getByRole('button', { name: `Join ${orgName}` }).click();
  await page.waitForURL(/\/o\/org_/);
}

describe('the Team page (SQLite)', () => {
  const env = serverAndBrowser('sqlite');

  let ownerEmail: string;
  let memberEmail: string;
  let org: string;

  it('invite a member, give them a hard budget of 3; they spend 3 and the 4th is refused naming the budget', async () => {
    const { context, page } = await env.open(DESKTOP);
    ownerEmail = uniqueEmail('owner');
    memberEmail = uniqueEmail('member');
    org = await signUp(page, ownerEmail, 'Team Studio');
    // The org goes to Pro through the API (the Plan page's own journey covers the UI).
    expect(
      (await env.api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'pro' } })).status,
    ).toBe(200);
    await page.goto(`/o/${org}/team`);
    await waitVisible(page.getByRole('heading', { name: 'Members' }));

    await inviteFromTeamPage(page, memberEmail);

    // The member, in a browser of their own, joins through the emailed links.
    const m = await env.open(PHONE);
    await joinByInvitation(env.api, m.page, memberEmail, 'Team Studio');

    // Back on the owner's page, the member is listed.
    await page.reload();
    await waitVisible(page.getByRole('cell', { name: memberEmail }));

    // A project, and the budget form's own checks before anything is sent.
    const projectForm = page.getByRole('form', { name: 'Add a project' });
    await projectForm.getByLabel('Project name').fill('Spring campaign');
    await projectForm.getByRole('button', { name: 'Add project' }).click();
    await waitVisible(page.getByRole('listitem').filter({ hasText: 'Spring campaign' }));

    const budgetForm = page.getByRole('form', { name: 'Set a budget' });
    await budgetForm.getByRole('button', { name: 'Save budget' }).click();
    await waitVisible(budgetForm.getByText('Choose a member.'));
    await budgetForm
      .getByRole('combobox', { name: /^Member/ })
      .selectOption({ label: `${memberEmail} (member)` });
    await budgetForm.getByLabel(/^Limit/).fill('3');
    await budgetForm.getByLabel(/^Hard/).check();
    await budgetForm.getByRole('button', { name: 'Save budget' }).click();
    await waitForText(page.getByRole('status'), 'Budget saved: 3 credits per period, hard.');
    const bar = page.getByRole('progressbar', { name: `Budget of ${memberEmail}` });
    await waitVisible(bar);
    expect(await bar.getAttribute('aria-valuetext')).toBe('0 of 3 credits spent, 0 held, 3 left');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'team-owner');

    await m.page.goto(`/o/${org}/team`);
    await waitVisible(m.page.getByRole('heading', { name: 'Your budget' }));
    // A member sees the team and their budget, never the admin controls.
    expect(await m.page.getByRole('form', { name: 'Invite a member' }).count()).toBe(0);
    expect(await m.page.getByRole('form', { name: 'Set a budget' }).count()).toBe(0);
    expect(await m.page.getByRole('link', { name: 'Settings' }).count()).toBe(1);

    // Spending with the member's session (the Generate page lives in another branch).
    const me = await (await m.page.request.get('/v1/auth/me')).json();
    const membership = me.memberships.find((x: { org_id: string }) => x.org_id === org);
    expect(membership.role).toBe('member');
    const charge = () =>
      m.page.request.post(`/v1/orgs/${org}/usage`, {
        headers: { 'x-csrf-token': me.csrf_token, 'content-type': 'application/json' },
        data: { tool: 'image.generate', operation: '720p', member_id: membership.member_id },
      });
    for (let i = 0; i < 3; i++) expect((await charge()).status()).toBe(201);
    const refused = await charge();
    expect(refused.status()).toBe(402);
    const problem = await refused.json();
    expect(problem.code).toBe('budget_exceeded');
    const budgets = (await env.api.call('GET', `/v1/orgs/${org}/budgets`)).body.data;
    expect(problem.budget_id).toBe(budgets[0].id);

    await m.page.reload();
    const reached = m.page.getByTestId('my-budget-reached');
    await waitForText(
      reached,
      `Your hard budget of 3 credits this period is used up (budget ${problem.budget_id})`,
    );
    const mine = m.page.getByRole('progressbar', { name: 'Your budget' });
    expect(await mine.getAttribute('aria-valuetext')).toBe('3 of 3 credits spent, 0 held, 0 left');
    expect(await seriousViolations(m.page)).toEqual([]);
    await screenshot(m.page, 'team-member');
    await m.context.close();

    // The owner's page shows the same budget used up.
    await page.reload();
    await waitVisible(bar);
    expect(await bar.getAttribute('aria-valuetext')).toBe('3 of 3 credits spent, 0 held, 0 left');
    await context.close();
  }, 120_000);

  it('the team page at 390 px (owner) and a Free org sees what team access would give', async () => {
    const { context, page } = await env.open(PHONE);
    await signIn(page, ownerEmail);
    await page.goto(`/o/${org}/team`);
    await waitVisible(page.getByRole('progressbar').first());
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'team-owner');
    await context.close();

    for (const viewport of [DESKTOP, PHONE]) {
      const solo = await env.open(viewport);
      const soloOrg = await signUp(solo.page, uniqueEmail('solo'), 'Solo');
      await solo.page.goto(`/o/${soloOrg}/team`);
      await waitForText(solo.page.getByRole('main'), 'Team access comes with Pro, Business, Enterprise');
      await waitVisible(solo.page.getByRole('link', { name: 'Compare plans and upgrade' }));
      expect(await seriousViolations(solo.page)).toEqual([]);
      await screenshot(solo.page, 'team-upsell');
      await solo.page.getByRole('link', { name: 'Compare plans and upgrade' }).click();
      await solo.page.waitForURL(new RegExp(`/o/${soloOrg}/plan$`));
      await solo.context.close();
    }
  }, 120_000);
});
