/**
 * Assertions (TigerBeetle's rule: a programmer error crashes loudly, a refusal is a typed
 * value). `execute` and the store's `applyBatch` check, before and after every operation:
 *
 *  - a refusal leaves the org as time alone left it (nothing a refused rule touched stays);
 *  - the balance moves by exactly what the journal says: balance after − balance before =
 *    the sum of the operation's transaction amounts (the balance being the credits left in
 *    open grants + held − credit line used, the journal's grant:/hold:/credit_line accounts);
 *  - every open grant holds 0 ≤ remaining ≤ amount whole credits, every open hold's
 *    allocations add up to its amount, the credit line used is a whole number ≥ 0.
 *
 * A failed check throws `InvariantViolation`, never a `DomainError`: callers treat it as the
 * bug it is (the store aborts the batch and retries without the operation).
 *
 * Two levels. `cheap` (the default, production): the checks above over the org's open grants
 * and holds (bounded, so O(1) in the org's age), and for a refusal a tally of the state
 * (ids minted, balance, held, list lengths) instead of a copy. `full` (tests: set by the
 * vitest setup, and in worker threads by `AMISI_INVARIANTS=full`): a refusal is compared
 * with a deep copy of the state taken before the command ran.
 */
import type { Transaction } from './journal.ts';
import { balanceOf, heldOf, type OrgState } from './state.ts';

export type InvariantChecks = 'cheap' | 'full';

let level: InvariantChecks = 'cheap';

/** Set once at start (tests, worker threads); every execute after it checks at this level. */
export function setInvariantChecks(l: InvariantChecks) {
  if (l !== 'cheap' && l !== 'full') throw new Error(`invariant checks: 'cheap' or 'full', not ${String(l)}`);
  level = l;
}

export const invariantChecks = (): InvariantChecks => level;

export class InvariantViolation extends Error {
  constructor(
    readonly check: string,
    detail: string,
  ) {
    super(`invariant violated (${check}): ${detail}`);
    this.name = 'InvariantViolation';
  }
}

const wholeAtLeast = (n: number, min: number) => Number.isSafeInteger(n) && n >= min;

/** The open grants and holds are sound, whatever the operation was. */
export function assertOrgSound(state: OrgState) {
  if (!wholeAtLeast(state.overage_used, 0))
    throw new InvariantViolation(
      'credit_line',
      `org ${state.id} has used ${state.overage_used} credits of its line`,
    );
  for (const g of state.grants) {
    if (g.closed_at !== null) continue;
    if (!wholeAtLeast(g.remaining, 0) || !wholeAtLeast(g.amount, 0) || g.remaining > g.amount)
      throw new InvariantViolation('grant_remaining', `grant ${g.id} has ${g.remaining} of ${g.amount} left`);
  }
  for (const h of state.holds) {
    if (h.status !== 'open') continue;
    let allocated = 0;
    for (const a of h.allocations) allocated += a.amount;
    if (!wholeAtLeast(h.amount, 0) || allocated !== h.amount)
      throw new InvariantViolation(
        'hold_allocations',
        `hold ${h.id} holds ${h.amount} credits but its allocations add up to ${allocated}`,
      );
  }
}

/** balance after − balance before must be what the operation's transactions say. */
export function assertBalanceMoved(state: OrgState, before: number, txns: readonly Transaction[]) {
  let moved = 0;
  for (const t of txns) moved += t.amount;
  const after = balanceOf(state);
  if (after - before !== moved)
    throw new InvariantViolation(
      'balance_journal',
      `org ${state.id}: balance went from ${before} to ${after}, but its transactions move ${moved}`,
    );
}

/** What a refusal must leave as it found: a copy under `full`, a tally under `cheap`. */
export type Untouched = { kind: 'copy'; json: string } | { kind: 'tally'; tally: string };

function tally(s: OrgState): string {
  return [
    s.seq,
    balanceOf(s),
    heldOf(s),
    s.overage_used,
    s.grants.length,
    s.holds.length,
    s.purchases.length,
    s.budgets.length,
    s.members.length,
    s.projects.length,
    s.subscription.tier,
    s.subscription.pending_tier,
  ].join('|');
}

/**
 * Under `full`, orgs up to this many grants + holds are copied whole before each command;
 * larger ones (a test holding 5,000 credits one by one) get the tally, so a test's cost
 * stays linear in its operations rather than quadratic.
 */
export const FULL_COPY_MAX_ITEMS = 500;

/** Taken after time has moved the org and before the command runs. */
export function untouched(state: OrgState): Untouched {
  return level === 'full' && state.grants.length + state.holds.length <= FULL_COPY_MAX_ITEMS
    ? { kind: 'copy', json: JSON.stringify(state) }
    : { kind: 'tally', tally: tally(state) };
}

export function assertRefusalChangedNothing(state: OrgState, before: Untouched, code: string) {
  const same = before.kind === 'copy' ? JSON.stringify(state) === before.json : tally(state) === before.tally;
  if (!same)
    throw new InvariantViolation(
      'refusal_changed_state',
      `a refused command (${code}) changed org ${state.id}`,
    );
}

/**
 * The same balance check over a whole batch of the store: an org's balance at the end of
 * the batch is its balance when the batch first touched it plus every transaction of the
 * batch for it (an org the batch created started at 0).
 */
export class BatchBalances {
  private readonly opening = new Map<string, number>();

  /** Before an org's first operation in the batch; an org the batch creates opens at 0. */
  touch(state: OrgState, opening?: number) {
    // Checked first: the balance is a pass over the org's grants and holds, paid once per
    // org per batch, not once per operation.
    if (!this.opening.has(state.id)) this.opening.set(state.id, opening ?? balanceOf(state));
  }

  /** After the batch, with every org it changed and every transaction it recorded. */
  close(states: Iterable<OrgState>, txns: readonly Transaction[]) {
    const byOrg = new Map<string, Transaction[]>();
    for (const t of txns) {
      const list = byOrg.get(t.org_id);
      if (list) list.push(t);
      else byOrg.set(t.org_id, [t]);
    }
    for (const s of states) {
      assertOrgSound(s);
      assertBalanceMoved(s, this.opening.get(s.id) ?? 0, byOrg.get(s.id) ?? []);
    }
  }
}
