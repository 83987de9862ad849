import { describe, expect, it } from 'vitest';
import type { Transaction } from './journal.ts';
import { at, bySource, ledgerWith, numbers, openGrants, refusal } from './test-helpers.ts';

const t0 = at('2025-03-01');

describe('adjustments', () => {
  it('adds credits as a never-expiring adjustment grant', () => {
    const l = ledgerWith('basic', t0);
    const t = l.run<Transaction>('org_a', { type: 'adjust', amount: 7, reason: 'support credit' }, t0);
    expect(t).toMatchObject({
      type: 'adjustment',
      amount: 7,
      balance_after: 27,
      description: 'support credit',
    });
    expect(openGrants(l, 'org_a', 'adjustment')).toMatchObject([{ amount: 7, expires_at: null }]);
  });

  it('takes credits back in draw order, never more than is available', () => {
    const l = ledgerWith('free', t0);
    l.run('org_a', { type: 'adjust', amount: 10, reason: 'credit' }, t0);
    l.run('org_a', { type: 'hold', amount: 4, ttl_seconds: 60 }, t0); // 4 of the 5 free credits
    const e = refusal(() => l.run('org_a', { type: 'adjust', amount: -12, reason: 'too much' }, t0));
    expect(e).toMatchObject({ code: 'insufficient_credits', extra: { available: 11, required: 12 } });
    const t = l.run<Transaction>('org_a', { type: 'adjust', amount: -6, reason: 'correction' }, t0);
    expect(t.sources.map((s) => [s.source, s.amount])).toEqual([
      ['free', 1],
      ['adjustment', 5],
    ]);
    expect(numbers(l, t0)).toEqual({ balance: 9, held: 4, available: 5 });
  });

  it('never takes a negative adjustment from the Enterprise credit line', () => {
    const l = ledgerWith('enterprise', t0, { allocation: 10, rollover_cap: 0, overage_limit: 50 });
    expect(refusal(() => l.run('org_a', { type: 'adjust', amount: -11, reason: 'x' }, t0)).code).toBe(
      'insufficient_credits',
    );
    expect(bySource(l).subscription).toBe(10);
    expect(l.org('org_a').overage_used).toBe(0);
  });

  it('charges an explicit amount as given, without pricing it from the catalog', () => {
    const l = ledgerWith('basic', t0);
    const t = l.run<Transaction>(
      'org_a',
      { type: 'consume', amount: 6, usage: { tool: 'video.generate', operation: '5s', quantity: 1 } },
      t0,
    );
    expect(t).toMatchObject({ amount: -6, usage: { tool: 'video.generate' } });
    expect(
      refusal(() =>
        l.run(
          'org_a',
          { type: 'consume', usage: { tool: 'video.generate', operation: '5s', quantity: 1 } },
          t0,
        ),
      ).code,
    ).toBe('not_found');
    expect(numbers(l, t0).balance).toBe(14);
  });
});
