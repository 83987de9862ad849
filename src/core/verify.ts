/**
 * The invariant checker. It re-derives every balance from the journal alone and compares
 * with the state, checking everything in the spec's Invariants paragraph:
 *  - every transaction sums to zero, and its amount is its change to the balance accounts;
 *  - per org, balance = grants issued − usage − expiries − revocations ± adjustments;
 *  - 0 ≤ remaining ≤ amount on every grant, and each grant's remaining is its account's sum;
 *  - held = the sum of open holds, each hold's account holds exactly its open amount;
 *  - balance_after matches a replay of the log, in order;
 *  - no transaction id appears twice (nothing applied twice).
 * It is streaming-friendly: feed transactions one at a time, then check the states.
 */
import type { Archived } from './archive.ts';
import { isBalanceAccount, type Transaction } from './journal.ts';
import { balanceOf, CREDIT_LINE, heldOf, type OrgState } from './state.ts';

export interface Violation {
  org_id: string;
  check: string;
  detail: string;
}

interface OrgTally {
  accounts: Map<string, number>;
  balance: number;
  txns: number;
}

export class Verifier {
  readonly violations: Violation[] = [];
  private readonly orgs = new Map<string, OrgTally>();
  private readonly seen = new Set<string>();
  /** Stop collecting after this many, so a badly broken store still gets a readable verdict. */
  constructor(private readonly maxViolations = 1000) {}

  /** Records a violation; stores also report what they find beside the journal (row columns). */
  fail(org_id: string, check: string, detail: string) {
    if (this.violations.length < this.maxViolations) this.violations.push({ org_id, check, detail });
  }

  private tally(org_id: string): OrgTally {
    let t = this.orgs.get(org_id);
    if (!t) {
      t = { accounts: new Map(), balance: 0, txns: 0 };
      this.orgs.set(org_id, t);
    }
    return t;
  }

  /** Transactions of one org must come in the order they were recorded. */
  addTransaction(txn: Transaction) {
    const key = `${txn.org_id}/${txn.id}`;
    if (this.seen.has(key)) this.fail(txn.org_id, 'unique_transaction', `${txn.id} recorded twice`);
    this.seen.add(key);
    const t = this.tally(txn.org_id);
    t.txns++;
    let sum = 0;
    let amount = 0;
    for (const p of txn.postings) {
      sum += p.amount;
      if (isBalanceAccount(p.account)) amount += p.amount;
      t.accounts.set(p.account, (t.accounts.get(p.account) ?? 0) + p.amount);
    }
    if (sum !== 0) this.fail(txn.org_id, 'transaction_sums_to_zero', `${txn.id} sums to ${sum}`);
    if (amount !== txn.amount)
      this.fail(
        txn.org_id,
        'amount_matches_postings',
        `${txn.id} says ${txn.amount}, postings move ${amount}`,
      );
    t.balance += amount;
    if (t.balance !== txn.balance_after)
      this.fail(
        txn.org_id,
        'balance_after_replays',
        `${txn.id} says ${txn.balance_after}, replay gives ${t.balance}`,
      );
  }

  checkOrg(state: OrgState) {
    const t = this.tally(state.id);
    const acct = (name: string) => t.accounts.get(name) ?? 0;
    const org = state.id;

    const balance = balanceOf(state);
    if (balance !== t.balance) this.fail(org, 'balance_replays', `state ${balance}, journal ${t.balance}`);

    let issued = 0;
    let spent = 0;
    for (const [name, v] of t.accounts) {
      if (name.startsWith('issued:')) issued -= v;
      else if (name === 'usage' || name === 'expired' || name === 'revoked' || name === 'adjustment')
        spent += v;
    }
    const clearing = acct('rollover');
    if (clearing !== 0) this.fail(org, 'rollover_cleared', `rollover clearing account holds ${clearing}`);
    if (issued - spent !== balance)
      this.fail(
        org,
        'balance_equation',
        `issued ${issued} − used/expired/revoked/adjusted ${spent} ≠ balance ${balance}`,
      );

    const grantIds = new Set<string>();
    for (const g of state.grants) {
      grantIds.add(g.id);
      if (!(g.remaining >= 0 && g.remaining <= g.amount && Number.isInteger(g.remaining)))
        this.fail(org, 'grant_remaining_in_range', `${g.id} remaining ${g.remaining} of ${g.amount}`);
      if (acct(`grant:${g.id}`) !== g.remaining)
        this.fail(
          org,
          'grant_matches_journal',
          `${g.id} remaining ${g.remaining}, journal ${acct(`grant:${g.id}`)}`,
        );
      if (g.closed_at !== null && g.remaining !== 0)
        this.fail(org, 'closed_grant_empty', `${g.id} is ${g.closed_reason} but holds ${g.remaining}`);
    }
    const holdIds = new Set(state.holds.map((h) => h.id));
    for (const [name, v] of t.accounts) {
      if (name.startsWith('grant:') && !grantIds.has(name.slice(6)) && v !== 0)
        this.fail(org, 'grant_matches_journal', `${name} has ${v} in the journal but no grant`);
      if (name.startsWith('hold:') && !holdIds.has(name.slice(5)) && v !== 0)
        this.fail(org, 'held_matches_holds', `${name} has ${v} in the journal but is not an open hold`);
    }
    let held = 0;
    for (const h of state.holds) {
      const expected = h.status === 'open' ? h.amount : 0;
      if (h.status === 'open') held += h.amount;
      if (acct(`hold:${h.id}`) !== expected)
        this.fail(
          org,
          'held_matches_holds',
          `${h.id} (${h.status}) journal ${acct(`hold:${h.id}`)}, expected ${expected}`,
        );
      const allocated = h.allocations.reduce((s, a) => s + a.amount, 0);
      if (allocated !== h.amount)
        this.fail(org, 'hold_allocations', `${h.id} allocations ${allocated} ≠ ${h.amount}`);
    }
    if (held !== heldOf(state)) this.fail(org, 'held_matches_holds', `held ${heldOf(state)} vs ${held}`);
    if (-acct(CREDIT_LINE) !== state.overage_used)
      this.fail(
        org,
        'credit_line_matches',
        `overage_used ${state.overage_used}, journal ${-acct(CREDIT_LINE)}`,
      );
    if (state.overage_used < 0) this.fail(org, 'credit_line_in_range', `overage_used ${state.overage_used}`);
    // Only an Enterprise credit line may take the balance below zero.
    if (state.overage_used === 0 && balance < 0) this.fail(org, 'balance_not_negative', `balance ${balance}`);
  }

  /**
   * Checks what left the org's state (archive.ts) against the journal: a hold there is
   * resolved and its account empty, a grant there holds nothing, a purchase there is
   * settled, and nothing is both in the state and in history.
   */
  checkHistory(state: OrgState, a: Archived) {
    const t = this.tally(state.id);
    const acct = (name: string) => t.accounts.get(name) ?? 0;
    const org = state.id;
    const open = new Set([...state.grants, ...state.holds, ...state.purchases].map((x) => x.id));
    for (const x of [...a.grants, ...a.holds, ...a.purchases])
      if (open.has(x.id)) this.fail(org, 'history_apart', `${x.id} is both in the state and in history`);
    for (const h of a.holds) {
      if (h.status === 'open') this.fail(org, 'history_hold_resolved', `${h.id} is in history but open`);
      if (acct(`hold:${h.id}`) !== 0)
        this.fail(
          org,
          'history_hold_resolved',
          `${h.id} is in history, journal holds ${acct(`hold:${h.id}`)}`,
        );
    }
    for (const g of a.grants)
      if (g.remaining !== 0 || acct(`grant:${g.id}`) !== 0)
        this.fail(
          org,
          'history_grant_empty',
          `${g.id} is in history with ${g.remaining} remaining, journal ${acct(`grant:${g.id}`)}`,
        );
    for (const p of a.purchases)
      if (p.status === 'pending')
        this.fail(org, 'history_purchase_settled', `${p.id} is in history but pending`);
  }

  get ok() {
    return this.violations.length === 0;
  }
}

/** Convenience for in-memory callers: checks every org against its transactions. */
export function verify(
  states: OrgState[],
  txns: Iterable<Transaction>,
  history?: Map<string, Archived>,
): Violation[] {
  const v = new Verifier();
  for (const t of txns) v.addTransaction(t);
  for (const s of states) {
    v.checkOrg(s);
    const h = history?.get(s.id);
    if (h) v.checkHistory(s, h);
  }
  return v.violations;
}
