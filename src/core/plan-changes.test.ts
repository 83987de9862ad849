import { describe, expect, it } from 'vitest';
import type { Subscription } from './state.ts';
import { at, bySource, image, iso, lastTxn, ledgerWith, log, numbers, refusal } from './test-helpers.ts';

const anchor = at('2025-01-10');
const spend = (l: ReturnType<typeof ledgerWith>, n: number, now: number) =>
  l.run('org_a', { type: 'consume', amount: n, usage: image('720p', n) }, now);

describe('plan changes', () => {
  it('upgrades Basic → Pro now: the period ends, a renewal runs under Pro, the anchor moves', () => {
    const l = ledgerWith('basic', anchor);
    spend(l, 5, at('2025-01-15'));
    const now = at('2025-01-20T15:30');
    const sub = l.run<Subscription>('org_a', { type: 'change_tier', tier: 'pro' }, now);
    expect(sub).toMatchObject({ tier: 'pro', anchor: now, period_index: 0, period_start: now });
    expect(iso(sub.period_end!)).toBe('2025-02-20T15:30:00.000Z');
    // 15 unused Basic credits carry (under Pro's cap of 100), and Pro's 50 arrive.
    expect(bySource(l)).toMatchObject({ rollover: 15, subscription: 50 });
    expect(numbers(l, now).balance).toBe(65);
    // Nothing renews on Basic's old date (Feb 10); the next renewal is a month after the upgrade.
    l.run('org_a', { type: 'tick' }, at('2025-02-19'));
    expect(numbers(l, at('2025-02-19')).balance).toBe(65);
    l.run('org_a', { type: 'tick' }, at('2025-02-20T15:30'));
    expect(bySource(l)).toMatchObject({ rollover: 65, subscription: 50 });
  });

  it("carries at most the new tier's cap into the next period on an upgrade", () => {
    const l = ledgerWith('business', anchor);
    l.run('org_a', { type: 'tick' }, at('2025-02-10')); // 150 rollover + 150 subscription
    l.run(
      'org_a',
      { type: 'change_tier', tier: 'enterprise', allocation: 400, rollover_cap: 250 },
      at('2025-02-11'),
    );
    expect(bySource(l)).toMatchObject({ rollover: 250, subscription: 400 });
    expect(lastTxn(l, 'org_a', 'expiry').amount).toBe(-50);
  });

  it('upgrades Free → Basic now, keeping the free credits', () => {
    const l = ledgerWith('free', anchor);
    const now = at('2025-01-12');
    const sub = l.run<Subscription>('org_a', { type: 'change_tier', tier: 'basic' }, now);
    expect(sub).toMatchObject({ tier: 'basic', status: 'active', anchor: now, period_end: at('2025-02-12') });
    expect(bySource(l)).toMatchObject({ free: 5, subscription: 20 });
  });

  it('downgrades at the period end, carrying at most the lower tier cap', () => {
    const l = ledgerWith('business', anchor);
    l.run('org_a', { type: 'tick' }, at('2025-02-10')); // 150 rollover + 150 subscription
    const sub = l.run<Subscription>('org_a', { type: 'change_tier', tier: 'basic' }, at('2025-02-15'));
    expect(sub).toMatchObject({ tier: 'business', pending_tier: 'basic' });
    expect(numbers(l, at('2025-02-15')).balance).toBe(300); // nothing changes before the period end
    l.run('org_a', { type: 'tick' }, at('2025-03-10'));
    expect(l.org('org_a').subscription).toMatchObject({ tier: 'basic', pending_tier: null, period_index: 2 });
    expect(bySource(l)).toMatchObject({ rollover: 40, subscription: 20 });
    expect(lastTxn(l, 'org_a', 'expiry').amount).toBe(-260);
  });

  it('drops a scheduled downgrade when the org changes back to its current tier', () => {
    const l = ledgerWith('pro', anchor);
    l.run('org_a', { type: 'change_tier', tier: 'basic' }, at('2025-01-20'));
    l.run('org_a', { type: 'change_tier', tier: 'pro' }, at('2025-01-21'));
    l.run('org_a', { type: 'tick' }, at('2025-02-10'));
    expect(l.org('org_a').subscription.tier).toBe('pro');
    expect(bySource(l)).toMatchObject({ rollover: 50, subscription: 50 });
  });

  it('cancels at the period end: subscription and rollover credits expire, free and purchased stay', () => {
    const l = ledgerWith('free', anchor);
    l.run('org_a', { type: 'change_tier', tier: 'basic' }, anchor); // period Jan 10 – Feb 10
    const p = l.run<{ id: string }>('org_a', { type: 'purchase_create', pack: 'pack_20' }, anchor);
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, anchor);
    l.run('org_a', { type: 'tick' }, at('2025-02-10')); // one renewal: 20 rollover + 20 subscription
    const sub = l.run<Subscription>('org_a', { type: 'cancel' }, at('2025-02-20'));
    expect(sub).toMatchObject({ tier: 'basic', cancel_at_period_end: true });
    expect(numbers(l, at('2025-02-20')).balance).toBe(65); // still usable until the period end
    l.run('org_a', { type: 'tick' }, at('2025-03-10'));
    expect(l.org('org_a').subscription).toMatchObject({
      tier: 'free',
      status: 'none',
      anchor: null,
      period_end: null,
      cancel_at_period_end: false,
    });
    expect(bySource(l)).toEqual({ free: 5, purchase: 20, subscription: 0, rollover: 0, adjustment: 0 });
    expect(lastTxn(l, 'org_a', 'expiry')).toMatchObject({ amount: -40, created_at: at('2025-03-10') });
    // Nothing renews on Free, and the free credits are not granted again.
    l.run('org_a', { type: 'tick' }, at('2026-01-01'));
    expect(numbers(l, at('2026-01-01')).balance).toBe(25);
  });

  it('resumes a cancelled subscription when the org picks its tier again before the period end', () => {
    const l = ledgerWith('basic', anchor);
    l.run('org_a', { type: 'cancel' }, at('2025-01-20'));
    l.run('org_a', { type: 'change_tier', tier: 'basic' }, at('2025-01-21'));
    l.run('org_a', { type: 'tick' }, at('2025-02-10'));
    expect(l.org('org_a').subscription).toMatchObject({ tier: 'basic', status: 'active' });
    expect(numbers(l, at('2025-02-10')).balance).toBe(40);
  });

  it('treats a change to Free as a cancel, and refuses to cancel when there is no paid subscription', () => {
    const l = ledgerWith('basic', anchor);
    expect(l.run<Subscription>('org_a', { type: 'change_tier', tier: 'free' }, anchor)).toMatchObject({
      cancel_at_period_end: true,
    });
    const f = ledgerWith('free', anchor);
    expect(refusal(() => f.run('org_a', { type: 'cancel' }, anchor)).code).toBe('conflict');
  });

  it('grants free credits once per org, ever', () => {
    const l = ledgerWith('free', anchor);
    l.run('org_a', { type: 'change_tier', tier: 'basic' }, anchor);
    l.run('org_a', { type: 'cancel' }, anchor);
    l.run('org_a', { type: 'tick' }, at('2025-02-10')); // back on Free
    l.run('org_a', { type: 'change_tier', tier: 'pro' }, at('2025-02-11'));
    l.run('org_a', { type: 'cancel' }, at('2025-02-11'));
    l.run('org_a', { type: 'tick' }, at('2025-03-11')); // back on Free again
    expect(log(l).filter((t) => t.type === 'free_grant')).toHaveLength(1);
    expect(bySource(l).free).toBe(5);
  });

  it('gives an org that signs up on a paid tier no free credits', () => {
    const l = ledgerWith('basic', anchor);
    expect(bySource(l).free).toBe(0);
    expect(l.org('org_a').free_granted).toBe(false);
  });

  it('uses the Enterprise contract: custom allocation and cap', () => {
    const l = ledgerWith('enterprise', anchor, { allocation: 1000, rollover_cap: 300 });
    expect(bySource(l).subscription).toBe(1000);
    spend(l, 100, at('2025-01-20'));
    l.run('org_a', { type: 'tick' }, at('2025-02-10'));
    expect(bySource(l)).toMatchObject({ rollover: 300, subscription: 1000 });
    // Without a contract the catalog's Enterprise defaults apply (500 / 1000).
    const d = ledgerWith('enterprise', anchor);
    expect(bySource(d).subscription).toBe(500);
  });

  it('refuses custom terms on tiers other than Enterprise', () => {
    const l = ledgerWith('basic', anchor);
    const e = refusal(() => l.run('org_a', { type: 'change_tier', tier: 'pro', allocation: 999 }, anchor));
    expect(e.code).toBe('validation_failed');
    expect(l.org('org_a').subscription.tier).toBe('basic');
  });

  it('lets an Enterprise balance go negative down to −overage_limit, and no further', () => {
    const l = ledgerWith('enterprise', anchor, { allocation: 100, rollover_cap: 0, overage_limit: 50 });
    spend(l, 130, at('2025-01-11'));
    expect(numbers(l, at('2025-01-11'))).toEqual({ balance: -30, held: 0, available: -30 });
    expect(lastTxn(l).sources.map((s) => [s.source, s.amount])).toEqual([
      ['subscription', 100],
      ['credit_line', 30],
    ]);
    const e = refusal(() => spend(l, 21, at('2025-01-12')));
    expect(e).toMatchObject({ code: 'insufficient_credits', extra: { available: 20, required: 21 } });
    spend(l, 20, at('2025-01-12'));
    expect(numbers(l, at('2025-01-12')).balance).toBe(-50);
    expect(l.verify()).toEqual([]);
  });

  it('repays the credit line from new grants first', () => {
    const l = ledgerWith('enterprise', anchor, { allocation: 100, rollover_cap: 0, overage_limit: 50 });
    spend(l, 140, at('2025-01-11')); // 40 on the credit line
    l.run('org_a', { type: 'adjust', amount: 30, reason: 'credit' }, at('2025-01-12'));
    expect(l.org('org_a').overage_used).toBe(10);
    expect(numbers(l, at('2025-01-12')).balance).toBe(-10);
    l.run('org_a', { type: 'tick' }, at('2025-02-10')); // 100 arrive, 10 of them repay the line
    expect(l.org('org_a').overage_used).toBe(0);
    expect(bySource(l).subscription).toBe(90);
    expect(numbers(l, at('2025-02-10')).balance).toBe(90);
    expect(l.verify()).toEqual([]);
  });

  it('ends the credit line when an Enterprise org moves to another tier', () => {
    const l = ledgerWith('enterprise', anchor, { allocation: 100, rollover_cap: 0, overage_limit: 50 });
    l.run('org_a', { type: 'change_tier', tier: 'business' }, at('2025-01-20'));
    l.run('org_a', { type: 'tick' }, at('2025-02-10'));
    expect(l.org('org_a').subscription).toMatchObject({ tier: 'business', overage_limit: 0 });
    expect(numbers(l, at('2025-02-10')).balance).toBe(250); // 100 carried + 150
    const e = refusal(() => spend(l, 251, at('2025-02-11')));
    expect(e).toMatchObject({ code: 'insufficient_credits', extra: { available: 250 } });
  });
});
