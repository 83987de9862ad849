// @vitest-environment jsdom
/** The plan-change preview in words, and the budget bar's sentence, as a person reads them. */
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { tierName } from '../lib/catalog';
import { BudgetBar, budgetSentence } from './budget-bar';
import { type PlanPreviewData, PlanPreviewView, previewHeadline } from './plan-preview';

afterEach(cleanup);

const upgrade: PlanPreviewData = {
  action: 'upgrade',
  from_tier: 'basic',
  to_tier: 'pro',
  effective_at: '2026-12-04T10:00:00.000Z',
  immediate: true,
  balance_before: 25,
  carried: 20,
  forfeited: 0,
  new_allocation: 50,
  rollover_cap: 100,
  balance_after: 75,
  period_end_after: '2027-01-04T10:00:00.000Z',
  price: { amount: 1900, currency: 'usd', example: true },
};

/** The shipped catalog's tier names (config/catalog.json). */
const TIERS = [
  { id: 'free', name: 'Free' },
  { id: 'basic', name: 'Basic' },
  { id: 'pro', name: 'Pro' },
  { id: 'business', name: 'Business' },
];
const name = (id: string) => tierName(TIERS, id);

const text = () => (screen.getByTestId('plan-preview').textContent ?? '').replace(/\s+/g, ' ');

describe('<PlanPreviewView>', () => {
  it('an upgrade: now, carried, forfeited, the allocation, the balance and the example price', () => {
    render(<PlanPreviewView preview={upgrade} name={name} />);
    expect(text()).toContain(
      'Pro starts now: your Basic period ends today and a new Pro period begins, renewing Jan 4, 2027.',
    );
    expect(text()).toContain('Credits carried now20 credits (rollover cap 100)');
    expect(text()).toContain('Credits forfeited now0 credits');
    expect(text()).toContain('New allocation now50 credits');
    expect(text()).toContain('25 credits now → 75 credits after');
    expect(text()).toContain('$19.00 per month (example price)');
    expect(text()).not.toContain('assume');
  });

  it('a downgrade: at the period end, what is forfeited, and the assumption behind the figures', () => {
    render(
      <PlanPreviewView
        name={name}
        preview={{
          ...upgrade,
          action: 'downgrade',
          from_tier: 'business',
          to_tier: 'basic',
          immediate: false,
          effective_at: '2027-01-04T10:00:00.000Z',
          balance_before: 130,
          carried: 40,
          forfeited: 90,
          new_allocation: 20,
          rollover_cap: 40,
          balance_after: 60,
        }}
      />,
    );
    expect(text()).toContain('changes from Business to Basic at the end of this period, on Jan 4, 2027');
    expect(text()).toContain('Credits forfeited on Jan 4, 202790 credits');
    expect(text()).toContain('130 credits now → 60 credits on Jan 4, 2027');
    expect(text()).toContain('assume nothing else is spent or bought');
    expect(text()).not.toContain('per month'); // the price is shown for upgrades only
  });

  it('names the tiers as the catalog does', () => {
    const renamed = (id: string) =>
      tierName([...TIERS.filter((t) => t.id !== 'pro'), { id: 'pro', name: 'Pro Studio' }], id);
    expect(previewHeadline(upgrade, renamed)).toBe(
      'Pro Studio starts now: your Basic period ends today and a new Pro Studio period begins, renewing Jan 4, 2027.',
    );
  });

  it('headlines for cancel and resume', () => {
    const at = { ...upgrade, immediate: false, effective_at: '2027-01-04T10:00:00.000Z' };
    expect(previewHeadline({ ...at, action: 'cancel', from_tier: 'pro', to_tier: 'free' }, name)).toBe(
      'Your Pro plan ends on Jan 4, 2027 and the org returns to Free. Until then nothing changes.',
    );
    expect(previewHeadline({ ...at, action: 'resume', from_tier: 'pro', to_tier: 'pro' }, name)).toBe(
      'Your Pro plan continues: the scheduled change is dropped and the plan renews on Jan 4, 2027.',
    );
  });
});

describe('<BudgetBar>', () => {
  it('is a labelled progressbar whose value text says spent, held and left', () => {
    render(
      <BudgetBar
        label="Budget of ana"
        budget={{ limit: 10, spent: 4, held: 2, remaining: 4, enforcement: 'hard' }}
      />,
    );
    const bar = screen.getByRole('progressbar', { name: 'Budget of ana' });
    expect(bar.getAttribute('aria-valuetext')).toBe('4 of 10 credits spent, 2 held, 4 left');
    expect(bar.getAttribute('aria-valuenow')).toBe('6');
    expect(bar.getAttribute('aria-valuemax')).toBe('10');
  });
  it('says when a soft budget is exceeded', () => {
    expect(budgetSentence({ limit: 5, spent: 7, held: 0, remaining: 0, enforcement: 'soft' })).toBe(
      '7 of 5 credits spent, 0 held, 0 left (2 over the soft limit)',
    );
  });
});
