import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../catalog.ts';
import { DomainError } from '../errors.ts';
import { at } from '../test-helpers.ts';
import { type PlanTerms, planProject } from './project-plan.ts';

const basic: PlanTerms = { tier: 'basic', allocation: 20, rollover_cap: 40 };
const pro: PlanTerms = { tier: 'pro', allocation: 50, rollover_cap: 100 };
// Ten days into the third period of an anchor on Jan 1; 3 credits used so far, 10 a period usually.
const org = {
  catalog: defaultCatalog,
  now: at('2025-03-10'),
  anchor: at('2025-01-01'),
  period_index: 2,
  other_credits: 0,
  typical_usage: 10,
  used_this_period: 3,
};

describe('project plan', () => {
  it('banks rollover when what renews before the date is enough, at no cost', () => {
    const p = planProject({
      ...org,
      credits: 100,
      by: at('2025-05-15'),
      current: pro,
      next: pro,
      subscription_credits: 60,
    });
    expect(p.recommended).toBe('bank_rollover');
    expect(p.renewals.map((r) => new Date(r).toISOString().slice(0, 10))).toEqual([
      '2025-04-01',
      '2025-05-01',
    ]);
    // 60 now − 7 (rest of March) → 53 → Apr: min(53, 100) + 50 − 10 = 93 → May: 93 + 50 − 5 (half of May) = 138.
    expect(p.options[0]).toMatchObject({ option: 'bank_rollover', credits_at_by: 138, cost: { amount: 0 } });
  });

  it('upgrades for one period on the renewal date when that costs less than packs, and goes back after', () => {
    const p = planProject({
      ...org,
      credits: 60,
      by: at('2025-05-15'),
      current: basic,
      next: basic,
      subscription_credits: 15,
    });
    expect(p).toMatchObject({ recommended: 'upgrade_one_period', recommended_tier: 'pro' });
    const up = p.options[0]!;
    expect(up.upgrade_at).toBe(at('2025-05-01'));
    expect(up.downgrade_at).toBe(at('2025-06-01'));
    expect(up.cost.amount).toBe(800 - 500); // Pro's price instead of Basic's for that period
    const packs = p.options.find((o) => o.option === 'buy_packs')!;
    expect(packs.cost.amount).toBeGreaterThan(up.cost.amount);
    expect(p.reason).toContain('upgrading to Pro on 2025-05-01 for one period');
  });

  it('buys the cheapest packs when they cost less than any upgrade', () => {
    const p = planProject({
      ...org,
      credits: 45,
      by: at('2025-05-15'),
      current: basic,
      next: basic,
      subscription_credits: 15,
    });
    // On Basic, Pro for one period ($3.00 more) beats a pack_20 ($9.99): the first option is the cheapest.
    const cheapest = Math.min(
      ...p.options.filter((o) => o.option !== 'bank_rollover').map((o) => o.cost.amount),
    );
    expect(p.options[0]!.cost.amount).toBe(cheapest);
    // With no higher tier to move to (Enterprise), packs it is: 33 at hand, 12 short.
    const onlyPacks = planProject({
      ...org,
      credits: 45,
      by: at('2025-05-15'),
      current: { tier: 'enterprise', allocation: 20, rollover_cap: 40 },
      next: { tier: 'enterprise', allocation: 20, rollover_cap: 40 },
      subscription_credits: 15,
    });
    expect(onlyPacks).toMatchObject({ recommended: 'buy_packs' });
    expect(onlyPacks.options[0]!.packs.map((l) => [l.id, l.count])).toEqual([['pack_20', 1]]);
    expect(onlyPacks.options[0]!.buy_by).toBe(at('2025-05-15'));
  });

  it('upgrades on the day itself when no renewal falls before it, paying the full higher price', () => {
    const p = planProject({
      ...org,
      credits: 60,
      by: at('2025-03-20'),
      current: basic,
      next: basic,
      subscription_credits: 15,
    });
    const up = p.options.find((o) => o.tier === 'pro')!;
    expect(up.upgrade_at).toBe(at('2025-03-20'));
    expect(up.cost.amount).toBe(800);
  });

  it('lists the options cheapest first, the recommendation first', () => {
    const p = planProject({
      ...org,
      credits: 200,
      by: at('2025-04-20'),
      current: basic,
      next: basic,
      subscription_credits: 15,
    });
    const covering = p.options.filter((o) => o.option !== 'bank_rollover');
    expect(covering.map((o) => o.cost.amount)).toEqual(
      [...covering.map((o) => o.cost.amount)].sort((a, b) => a - b),
    );
  });

  it('refuses a plan without credits, in the past, or more than two years ahead, naming the field', () => {
    const base = { ...org, current: basic, next: basic, subscription_credits: 0 };
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as DomainError).extra.field;
      }
      return null;
    };
    expect(field(() => planProject({ ...base, credits: 0, by: at('2025-04-01') }))).toBe('credits');
    expect(field(() => planProject({ ...base, credits: 10, by: at('2025-03-01') }))).toBe('by');
    expect(field(() => planProject({ ...base, credits: 10, by: at('2027-04-01') }))).toBe('by');
    expect(() => planProject({ ...base, credits: 0, by: at('2025-04-01') })).toThrow(DomainError);
  });
});
