// @vitest-environment jsdom
/**
 * A closed org's pages: the API refuses every change to it with 410 `org_closed` (the
 * routes marked `refusedWhenClosed`, and the ledger's own commands), so its pages say it is
 * closed and offer none of those controls; the same pages of an open org offer them all.
 */
import { cleanup, screen, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BuyPage } from '../pages/buy';
import { GeneratePage } from '../pages/generate';
import { PlanPage } from '../pages/plan';
import { SettingsPage } from '../pages/settings';
import { TeamPage } from '../pages/team';
import { renderInOrg } from '../test-support/render-in-org';
import { ClosedOrgBanner } from './closed-org';
import { TopBar } from './top-bar';

const { server, answer, page, problem } = await vi.hoisted(() => import('../test-support/fake-api'));

/** A shared machine can be slow: wait for what a person would see, generously. */
const slow = { timeout: 10_000 };

const ORG = 'org_test';
const CLOSED_AT = '2026-12-03T09:00:00.000Z';

/** A Pro org, closed at CLOSED_AT or open; every list empty, auto top-up never set. */
function serve(closed: boolean) {
  server.handle = async (r: Request) => {
    const path = new URL(r.url).pathname;
    if (r.method !== 'GET') return problem(410, 'org_closed', 'The org is closed', 'closed');
    if (path === `/v1/orgs/${ORG}`)
      return answer({
        id: ORG,
        name: 'Closing Time',
        tier: 'pro',
        created_at: '2026-11-01T00:00:00.000Z',
        closed_at: closed ? CLOSED_AT : null,
      });
    if (path === '/v1/catalog')
      return answer({
        tiers: [
          { id: 'free', name: 'Free', team: false, allocation: 5, custom: false, price: null },
          { id: 'pro', name: 'Pro', team: true, allocation: 50, custom: false, price: null },
          { id: 'business', name: 'Business', team: true, allocation: 150, custom: false, price: null },
        ],
        packs: [{ id: 'pack_20', credits: 20, price: { amount: 999, currency: 'usd' } }],
        tools: [],
      });
    if (path.endsWith('/balance'))
      return answer({
        balance: 12,
        available: 12,
        held: 0,
        by_source: { free: 0, subscription: 12, rollover: 0, purchase: 0, adjustment: 0 },
        tier: 'pro',
        allocation: 50,
        rollover_cap: 100,
        period_start: null,
        period_end: null,
        forfeit_at_renewal: 0,
      });
    if (path.endsWith('/subscription'))
      return answer({
        tier: 'pro',
        status: 'active',
        period_start: '2026-11-20T00:00:00.000Z',
        period_end: '2026-12-20T00:00:00.000Z',
        pending_tier: null,
        cancel_at_period_end: false,
      });
    if (path.endsWith('/alerts'))
      return answer({ low_balance_threshold: null, effective_threshold: 10, armed: true });
    if (path.endsWith('/auto_topup')) return problem(404, 'not_found', 'Not found', 'never set');
    if (path.endsWith('/members'))
      return answer(
        page([
          { id: 'mem_1', email: 'owner@example.com', role: 'owner', created_at: '2026-11-01T00:00:00Z' },
        ]),
      );
    if (/\/(api_keys|webhook_endpoints|projects|budgets|invitations|purchases)$/.test(path))
      return answer(page([]));
    return problem(404, 'not_found', 'Not found', path);
  };
}

function show(ui: ReactNode) {
  renderInOrg(ui, { org: ORG });
}

const SETTINGS_FORMS = ['Create an API key', 'Add a webhook endpoint', 'Low-balance alert', 'Auto top-up'];
const TEAM_FORMS = ['Invite a member', 'Add a project', 'Set a budget'];
const forms = () => screen.queryAllByRole('form').map((f) => f.getAttribute('aria-label'));

afterEach(cleanup);

describe('a closed org', () => {
  it('says at the top of its pages that it is closed, when, and that its history stays readable', async () => {
    serve(true);
    show(<ClosedOrgBanner />);
    expect((await screen.findByTestId('org-closed', {}, slow)).textContent).toMatch(
      /^This org was closed on Dec 3, 2026\. Its history can be read and exported; nothing in it can change\./,
    );
  });

  it('offers no Settings form the API refuses: keys, webhooks, alert, auto top-up, transfer, close', async () => {
    serve(true);
    show(<SettingsPage />);
    await screen.findByText('The org is closed: its alert can no longer change.', {}, slow);
    await screen.findByText('The org is closed: auto top-up is off and can no longer change.', {}, slow);
    await screen.findByText(
      'The org is closed: its keys were revoked and no new key can be created.',
      {},
      slow,
    );
    await screen.findByText(/The org is closed: no endpoint can be added/, {}, slow);
    expect(forms()).toEqual([]);
    // Reading and leaving stay: the log's export, and leaving the org.
    expect(screen.getByRole('button', { name: 'Export transactions (JSON)' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Leave org' })).toBeTruthy();
  });

  it('offers no Team form: no invitation, no project, no budget', async () => {
    serve(true);
    show(<TeamPage />);
    await screen.findByText(/The org is closed: no one can be invited/, {}, slow);
    expect(screen.getByRole('cell', { name: /owner@example\.com/ })).toBeTruthy();
    expect(forms()).toEqual([]);
    expect(screen.queryByRole('heading', { name: 'Set a budget' })).toBeNull();
  });

  it('shows the packs but offers none to buy', async () => {
    serve(true);
    show(<BuyPage />);
    await screen.findByText('The org is closed: no pack can be bought for it.', {}, slow);
    expect(screen.getByRole('heading', { name: '20 credits' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Buy / })).toBeNull();
    expect(screen.queryByRole('link', { name: 'Compare plans' })).toBeNull();
  });

  it('shows the tiers but offers no plan change', async () => {
    serve(true);
    show(<PlanPage />);
    await screen.findByText('The org is closed: its plan can no longer change.', {}, slow);
    const tiers = screen.getByRole('list', { name: 'Tiers' });
    expect(within(tiers).queryAllByRole('button')).toEqual([]);
  });

  it('offers no prompt form to generate with', async () => {
    serve(true);
    show(<GeneratePage />);
    await screen.findByText('The org is closed: nothing can be generated or charged to it.', {}, slow);
    expect(screen.queryByLabelText('Prompts')).toBeNull();
    expect(screen.queryByRole('button', { name: /^Generate/ })).toBeNull();
  });

  it('has no "Buy credits" in its top bar', async () => {
    serve(true);
    show(
      <>
        <TopBar />
        <ClosedOrgBanner />
      </>,
    );
    await screen.findByRole('button', { name: /12 credits/ }, slow);
    // The org's record has arrived (the banner reads the same query) before the check below.
    await screen.findByTestId('org-closed', {}, slow);
    expect(screen.queryByRole('link', { name: 'Buy credits' })).toBeNull();
  });
});

describe('an open org', () => {
  it('offers every Settings form', async () => {
    serve(false);
    show(<SettingsPage />);
    await screen.findByRole('form', { name: 'Auto top-up' }, slow);
    await screen.findByRole('form', { name: 'Close this org' }, slow);
    expect(forms()).toEqual(expect.arrayContaining(SETTINGS_FORMS));
    expect(screen.queryByText(/The org is closed/)).toBeNull();
  });

  it('offers every Team form', async () => {
    serve(false);
    show(<TeamPage />);
    await screen.findByRole('form', { name: 'Invite a member' }, slow);
    expect(forms()).toEqual(expect.arrayContaining(TEAM_FORMS));
  });

  it('offers each pack, a plan change, the prompt form and "Buy credits" in the top bar', async () => {
    serve(false);
    show(
      <>
        <TopBar />
        <BuyPage />
        <PlanPage />
        <GeneratePage />
      </>,
    );
    await screen.findByRole('button', { name: 'Buy 20 credits' }, slow);
    expect(screen.getByLabelText('Prompts')).toBeTruthy();
    expect(screen.getAllByRole('link', { name: 'Compare plans' })).toBeTruthy();
    await screen.findByRole('button', { name: /Upgrade to Business/ }, slow);
    expect(screen.getByRole('link', { name: 'Buy credits' })).toBeTruthy();
  });
});
