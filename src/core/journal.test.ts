import { describe, expect, it } from 'vitest';
import { isBalanceAccount, TXN_TYPES } from './journal.ts';
import { balanceOf } from './state.ts';
import { busyLedger } from './test-helpers.ts';

describe('journal', () => {
  const l = busyLedger();

  it('has seen every kind of transaction in the scenario these tests use', () => {
    const types = new Set(l.journal.map((t) => t.type));
    expect([...types].sort()).toEqual([...TXN_TYPES, 'hold', 'release'].sort());
  });

  it("sums every transaction's postings to zero", () => {
    for (const t of l.journal)
      expect(
        t.postings.reduce((s, p) => s + p.amount, 0),
        t.id,
      ).toBe(0);
  });

  it('derives each amount from the postings to balance accounts', () => {
    for (const t of l.journal) {
      const moved = t.postings.filter((p) => isBalanceAccount(p.account)).reduce((s, p) => s + p.amount, 0);
      expect(t.amount, t.id).toBe(moved);
    }
  });

  it('replays balance_after: each is the previous one plus the amount, ending at the balance', () => {
    for (const [id, org] of l.orgs) {
      let balance = 0;
      for (const t of l.journal.filter((x) => x.org_id === id)) {
        balance += t.amount;
        expect(t.balance_after, t.id).toBe(balance);
      }
      expect(balanceOf(org)).toBe(balance);
    }
  });

  it('keeps hold and release moves out of the user-facing log (the balance does not change)', () => {
    for (const t of l.journal) {
      expect(t.visible).toBe(t.type !== 'hold' && t.type !== 'release');
      if (!t.visible) expect(t.amount).toBe(0);
    }
    expect(l.transactions('org_a').every((t) => (TXN_TYPES as readonly string[]).includes(t.type))).toBe(
      true,
    );
  });

  it('never records a transaction twice, and ids sort in the order they were recorded', () => {
    for (const id of l.orgs.keys()) {
      const ids = l.journal.filter((t) => t.org_id === id).map((t) => t.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(ids);
    }
  });

  it('records the balance each usage left and what it was for', () => {
    const usage = l.transactions('org_a').filter((t) => t.type === 'usage');
    expect(usage.map((t) => [t.amount, t.usage?.operation, t.usage?.quantity])).toEqual([
      [-9, '4k', 3],
      [-7, '720p', 7],
      [-9, '1080p', 4],
    ]);
  });
});
