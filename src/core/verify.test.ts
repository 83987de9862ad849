import { describe, expect, it } from 'vitest';
import type { Transaction } from './journal.ts';
import type { OrgState } from './state.ts';
import { busyLedger } from './test-helpers.ts';
import { Verifier, verify } from './verify.ts';

/** Verifies copies of the busy ledger's states and journal after `tamper` changed them. */
function checksAfter(tamper: (states: Map<string, OrgState>, journal: Transaction[]) => void): string[] {
  const l = busyLedger();
  const states = new Map([...l.orgs].map(([id, s]) => [id, structuredClone(s)]));
  const journal = structuredClone(l.journal);
  tamper(states, journal);
  return [...new Set(verify([...states.values()], journal).map((v) => v.check))];
}

const txnOf = (journal: Transaction[], type: Transaction['type'], org = 'org_a') =>
  journal.find((t) => t.type === type && t.org_id === org)!;

const l0 = busyLedger();

describe('verify', () => {
  it('passes on a valid ledger', () => {
    expect(busyLedger().verify()).toEqual([]);
  });

  it('detects a tampered grant remaining', () => {
    const checks = checksAfter((s) => {
      const g = s.get('org_a')!.grants.find((x) => x.closed_at === null && x.remaining > 0)!;
      g.remaining -= 1;
    });
    expect(checks).toContain('grant_matches_journal');
    expect(checks).toContain('balance_replays');
  });

  it('detects a grant holding more than it was given', () => {
    const checks = checksAfter((s) => {
      const g = s.get('org_a')!.grants.find((x) => x.closed_at === null && x.remaining > 0)!;
      g.remaining = g.amount + 1;
    });
    expect(checks).toContain('grant_remaining_in_range');
  });

  it('detects credits left in a closed grant', () => {
    const checks = checksAfter((s) => {
      // A closed grant put back into the state with a credit in it.
      const g = l0.all('org_a').grants.find((x) => x.closed_at !== null)!;
      s.get('org_a')!.grants.push({ ...structuredClone(g), remaining: 1 });
    });
    expect(checks).toContain('closed_grant_empty');
  });

  it('detects a tampered balance_after', () => {
    const checks = checksAfter((_, j) => {
      txnOf(j, 'usage').balance_after += 1;
    });
    expect(checks).toEqual(['balance_after_replays']);
  });

  it('detects an unbalanced transaction', () => {
    const checks = checksAfter((_, j) => {
      const t = txnOf(j, 'expiry');
      const p = t.postings.find((x) => x.account === 'expired')!;
      p.amount += 1;
    });
    expect(checks).toContain('transaction_sums_to_zero');
  });

  it('detects an amount that does not match its postings', () => {
    const checks = checksAfter((_, j) => {
      txnOf(j, 'purchase').amount += 5;
    });
    expect(checks).toContain('amount_matches_postings');
  });

  it('detects a transaction applied twice', () => {
    const checks = checksAfter((_, j) => {
      j.push(structuredClone(txnOf(j, 'adjustment', 'org_e')));
    });
    expect(checks).toContain('unique_transaction');
  });

  it('detects a lost transaction', () => {
    const checks = checksAfter((_, j) => {
      j.splice(j.indexOf(txnOf(j, 'usage')), 1);
    });
    expect(checks).toContain('balance_replays');
  });

  it('detects held credits that do not match the open holds', () => {
    const checks = checksAfter((s) => {
      // A captured hold put back into the state as open: the journal says it holds nothing.
      const h = l0.all('org_a').holds.find((x) => x.status === 'captured')!;
      s.get('org_a')!.holds.push({ ...structuredClone(h), status: 'open' });
    });
    expect(checks).toContain('held_matches_holds');
  });

  it('detects a credit line that does not match the journal', () => {
    const checks = checksAfter((s) => {
      s.get('org_e')!.overage_used += 3;
    });
    expect(checks).toContain('credit_line_matches');
  });

  it('streams: feeding transactions one at a time gives the same verdict', () => {
    const l = busyLedger();
    const v = new Verifier();
    for (const t of l.journal) v.addTransaction(t);
    for (const s of l.orgs.values()) v.checkOrg(s);
    expect(v.ok).toBe(true);
  });
});
