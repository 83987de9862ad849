import { describe, expect, it } from 'vitest';
import type { MemoryLedger } from './memory-ledger.ts';
import type { Budget, Hold, Member, Project } from './state.ts';
import { at, image, ledgerWith, numbers, refusal } from './test-helpers.ts';

const anchor = at('2025-01-10');
const now = at('2025-01-15');

/** A Pro org with one project and a budget on it. */
function withProjectBudget(
  limit: number,
  enforcement: 'hard' | 'soft',
  tier: 'pro' | 'basic' | 'free' = 'pro',
) {
  const l = ledgerWith(tier, anchor);
  const prj = l.run<Project>('org_a', { type: 'add_project', name: 'Launch' }, anchor);
  const b = l.run<Budget>(
    'org_a',
    { type: 'set_budget', scope: 'project', scope_id: prj.id, limit, enforcement },
    anchor,
  );
  const spend = (n: number, t = now) =>
    l.run('org_a', { type: 'consume', amount: n, usage: image('720p', n, { project_id: prj.id }) }, t);
  return { l, prj, b, spend };
}

const thresholds = (l: MemoryLedger) =>
  l.events.filter((e) => e.type === 'budget.threshold').map((e) => e.data.threshold);

describe('budgets', () => {
  it('lets a hard budget reach its limit exactly, and refuses the next credit with budget_exceeded', () => {
    const { l, b, spend } = withProjectBudget(10, 'hard');
    spend(8);
    spend(2);
    const e = refusal(() => spend(1));
    expect(e.code).toBe('budget_exceeded');
    expect(e.extra).toMatchObject({ budget_id: b.id, remaining: 0, required: 1 });
    expect(numbers(l, now).balance).toBe(40);
  });

  it('counts open holds against a hard budget, atomically with the hold', () => {
    const { l, b, prj, spend } = withProjectBudget(10, 'hard');
    const h = l.run<Hold>('org_a', { type: 'hold', amount: 6, ttl_seconds: 600, project_id: prj.id }, now);
    const e = refusal(() =>
      l.run('org_a', { type: 'hold', amount: 5, ttl_seconds: 600, project_id: prj.id }, now),
    );
    expect(e.extra).toMatchObject({ budget_id: b.id, remaining: 4 });
    expect(numbers(l, now)).toEqual({ balance: 50, held: 6, available: 44 }); // the refused hold took nothing
    // Capturing 2 of the 6 spends 2: the other 4 are free again.
    l.run('org_a', { type: 'capture', hold_id: h.id, amount: 2, usage: image('720p', 2) }, now);
    spend(8);
    expect(l.org('org_a').budgets[0]).toMatchObject({ spent: 10 });
  });

  it('leaves charges outside the budget alone: other projects and no project', () => {
    const { l, spend } = withProjectBudget(3, 'hard');
    const other = l.run<Project>('org_a', { type: 'add_project', name: 'Other' }, now);
    spend(3);
    l.run('org_a', { type: 'consume', amount: 20, usage: image('720p', 20, { project_id: other.id }) }, now);
    l.run('org_a', { type: 'consume', amount: 20, usage: image('720p', 20) }, now);
    expect(numbers(l, now).balance).toBe(7);
  });

  it('allows charges over a soft budget and reports 80% and 100% once each per period', () => {
    const { l, b, spend } = withProjectBudget(10, 'soft');
    spend(7);
    expect(thresholds(l)).toEqual([]);
    spend(1); // 8 of 10
    expect(thresholds(l)).toEqual([80]);
    spend(1);
    spend(1); // 10 of 10
    spend(5); // 15 of 10: allowed, no third alert
    expect(thresholds(l)).toEqual([80, 100]);
    const e = l.events.filter((x) => x.type === 'budget.threshold')[1]!;
    expect(e.data).toMatchObject({ budget_id: b.id, spent: 10, limit: 10, enforcement: 'soft' });
  });

  it('reports both thresholds when one charge crosses them both', () => {
    const { l, spend } = withProjectBudget(10, 'soft');
    spend(12);
    expect(thresholds(l)).toEqual([80, 100]);
  });

  it('starts every budget from zero in a new billing period, alerts included', () => {
    const { l, spend } = withProjectBudget(10, 'hard');
    spend(10);
    expect(refusal(() => spend(1)).code).toBe('budget_exceeded');
    const next = at('2025-02-10'); // Pro renews on the anchor day
    spend(10, next);
    expect(l.org('org_a').budgets[0]).toMatchObject({ spent: 10, period_start: next });
    expect(thresholds(l)).toEqual([80, 100, 80, 100]);
  });

  it('counts a capture in the budget period it happens in', () => {
    const { l, prj, spend } = withProjectBudget(10, 'hard');
    spend(8, at('2025-02-09'));
    const h = l.run<Hold>(
      'org_a',
      { type: 'hold', amount: 2, ttl_seconds: 3 * 24 * 3600, project_id: prj.id },
      at('2025-02-09'),
    );
    l.run('org_a', { type: 'capture', hold_id: h.id, usage: image('1080p') }, at('2025-02-11'));
    expect(l.org('org_a').budgets[0]).toMatchObject({ spent: 2, period_start: at('2025-02-10') });
  });

  it('uses the calendar month as the budget period of an org without a subscription', () => {
    const { l, spend } = withProjectBudget(3, 'hard', 'free');
    spend(3, at('2025-01-31T23:59'));
    expect(refusal(() => spend(1, at('2025-01-31T23:59'))).code).toBe('budget_exceeded');
    spend(1, at('2025-02-01'));
    expect(numbers(l, at('2025-02-01')).balance).toBe(1);
  });

  it('keeps what was spent when a budget is set again with a new limit', () => {
    const { l, prj, b, spend } = withProjectBudget(10, 'hard');
    spend(6);
    const again = l.run<Budget>(
      'org_a',
      { type: 'set_budget', scope: 'project', scope_id: prj.id, limit: 8, enforcement: 'hard' },
      now,
    );
    expect(again).toMatchObject({ id: b.id, limit: 8, spent: 6 });
    expect(refusal(() => spend(3)).extra).toMatchObject({ remaining: 2 });
  });

  it('needs a tier with team access for member budgets (tier_not_allowed)', () => {
    const l = ledgerWith('basic', anchor);
    const owner = l.run<Member>('org_a', { type: 'add_member', email: 'o@acme.test', role: 'owner' }, anchor);
    const e = refusal(() =>
      l.run(
        'org_a',
        { type: 'set_budget', scope: 'member', scope_id: owner.id, limit: 5, enforcement: 'hard' },
        now,
      ),
    );
    expect(e.code).toBe('tier_not_allowed');
    expect(l.org('org_a').budgets).toEqual([]);
  });

  it("limits a member's charges on a team tier", () => {
    const l = ledgerWith('pro', anchor);
    l.run<Member>('org_a', { type: 'add_member', email: 'o@acme.test', role: 'owner' }, anchor);
    const m = l.run<Member>('org_a', { type: 'add_member', email: 'm@acme.test', role: 'member' }, anchor);
    l.run(
      'org_a',
      { type: 'set_budget', scope: 'member', scope_id: m.id, limit: 4, enforcement: 'hard' },
      now,
    );
    l.run('org_a', { type: 'consume', usage: image('8k', 1, { member_id: m.id }) }, now);
    const e = refusal(() =>
      l.run('org_a', { type: 'consume', usage: image('720p', 1, { member_id: m.id }) }, now),
    );
    expect(e.code).toBe('budget_exceeded');
  });

  it('refuses budgets and charges naming a member or project that does not exist', () => {
    const l = ledgerWith('pro', anchor);
    expect(
      refusal(() =>
        l.run(
          'org_a',
          { type: 'set_budget', scope: 'project', scope_id: 'prj_x', limit: 5, enforcement: 'hard' },
          now,
        ),
      ).code,
    ).toBe('not_found');
    expect(
      refusal(() =>
        l.run('org_a', { type: 'consume', usage: image('720p', 1, { project_id: 'prj_x' }) }, now),
      ).code,
    ).toBe('not_found');
  });

  it('refuses by budget before looking at the balance', () => {
    const { spend } = withProjectBudget(10, 'hard', 'free');
    expect(refusal(() => spend(11)).code).toBe('budget_exceeded');
    expect(refusal(() => spend(6)).code).toBe('insufficient_credits');
  });
});
