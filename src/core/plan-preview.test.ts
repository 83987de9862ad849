import { describe, expect, it } from 'vitest';
import { defaultCatalog } from './catalog.ts';
import { previewPlanChange } from './plan-preview.ts';
import { at, bySource, image, ledgerWith, numbers } from './test-helpers.ts';

const anchor = at('2025-01-10');

describe('plan change previews', () => {
  it('previews an upgrade exactly as the change then applies it, and changes nothing itself', () => {
    const l = ledgerWith('basic', anchor);
    l.run('org_a', { type: 'consume', amount: 5, usage: image('720p', 5) }, at('2025-01-15'));
    const now = at('2025-01-20');
    const before = structuredClone(l.org('org_a'));
    const p = previewPlanChange(l.org('org_a'), { tier: 'pro' }, now, defaultCatalog);
    expect(l.org('org_a')).toEqual(before);
    expect(p).toMatchObject({
      action: 'upgrade',
      immediate: true,
      effective_at: now,
      carried: 15,
      forfeited: 0,
    });
    l.run('org_a', { type: 'change_tier', tier: 'pro' }, now);
    expect(bySource(l)).toMatchObject({ rollover: p.carried, subscription: p.new_allocation });
    expect(numbers(l, now).balance).toBe(p.balance_after);
    expect(l.org('org_a').subscription.period_end).toBe(p.period_end_after);
  });

  it('previews a downgrade at the period end with the lower cap, as the renewal then does', () => {
    const l = ledgerWith('business', anchor);
    const now = at('2025-01-20');
    const p = previewPlanChange(l.org('org_a'), { tier: 'basic' }, now, defaultCatalog);
    expect(p).toMatchObject({
      action: 'downgrade',
      immediate: false,
      effective_at: at('2025-02-10'),
      carried: 40,
      forfeited: 110,
      new_allocation: 20,
      balance_after: 60,
    });
    l.run('org_a', { type: 'change_tier', tier: 'basic' }, now);
    l.run('org_a', { type: 'tick' }, at('2025-02-10'));
    expect(bySource(l)).toMatchObject({ rollover: p.carried, subscription: p.new_allocation });
    expect(numbers(l, at('2025-02-10')).balance).toBe(p.balance_after);
  });

  it('previews a cancel as a return to Free, and the current tier again as a resume', () => {
    const l = ledgerWith('pro', anchor);
    const now = at('2025-01-20');
    expect(previewPlanChange(l.org('org_a'), { cancel: true }, now, defaultCatalog)).toMatchObject({
      action: 'cancel',
      to_tier: 'free',
      forfeited: 50,
      balance_after: 0,
      period_end_after: null,
    });
    l.run('org_a', { type: 'cancel' }, now);
    expect(previewPlanChange(l.org('org_a'), { tier: 'pro' }, now, defaultCatalog)).toMatchObject({
      action: 'resume',
      to_tier: 'pro',
      carried: 50,
      forfeited: 0,
      new_allocation: 50,
    });
  });
});
