import { afterEach, describe, expect, it } from 'vitest';
import { defaultCatalog } from './catalog.ts';
import {
  assertBalanceMoved,
  assertOrgSound,
  assertRefusalChangedNothing,
  BatchBalances,
  InvariantViolation,
  invariantChecks,
  setInvariantChecks,
  untouched,
} from './invariants.ts';
import { createOrg, execute } from './ledger.ts';
import { balanceOf, type OrgState } from './state.ts';
import { at, image } from './test-helpers.ts';

const t0 = at('2025-03-01');

/** A Free org with its 5 free credits and one open hold of 2. */
function org(): OrgState {
  const { state } = createOrg({ id: 'org_a', name: 'Acme', tier: 'free' }, t0, defaultCatalog);
  const held = execute(state, { type: 'hold', amount: 2, ttl_seconds: 600 }, t0, defaultCatalog);
  expect(held.ok).toBe(true);
  return state;
}

const violation = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvariantViolation) return e;
    throw e;
  }
  throw new Error('no invariant violation thrown');
};

describe('the ledger assertions', () => {
  const level = invariantChecks();
  afterEach(() => setInvariantChecks(level));

  it('are at their strictest in tests', () => {
    expect(invariantChecks()).toBe('full');
  });

  for (const l of ['cheap', 'full'] as const) {
    describe(`at level ${l}`, () => {
      it('crash execute, not refuse, when an open grant holds more than it was granted', () => {
        setInvariantChecks(l);
        const s = org();
        s.grants[0]!.remaining = s.grants[0]!.amount + 1;
        const e = violation(() => execute(s, { type: 'tick' }, t0 + 1, defaultCatalog));
        expect(e.check).toBe('grant_remaining');
      });

      it('crash execute when an open hold’s allocations do not add up to its amount', () => {
        setInvariantChecks(l);
        const s = org();
        s.holds[0]!.allocations[0]!.amount += 1;
        const e = violation(() =>
          execute(s, { type: 'consume', usage: image('720p') }, t0 + 1, defaultCatalog),
        );
        expect(e.check).toBe('hold_allocations');
      });

      it('catch a refusal that changed the org', () => {
        setInvariantChecks(l);
        const s = org();
        const before = untouched(s);
        s.seq += 1; // a rule that minted an id, then refused
        expect(violation(() => assertRefusalChangedNothing(s, before, 'insufficient_credits')).check).toBe(
          'refusal_changed_state',
        );
      });

      it('let a refusal through that changed nothing', () => {
        setInvariantChecks(l);
        const s = org();
        const out = execute(s, { type: 'hold', amount: 1_000, ttl_seconds: 60 }, t0 + 1, defaultCatalog);
        expect(out.ok).toBe(false);
      });
    });
  }

  it('under full, catch a refusal that changed a field no tally counts', () => {
    setInvariantChecks('full');
    const s = org();
    const before = untouched(s);
    s.name = 'Renamed';
    expect(() => assertRefusalChangedNothing(s, before, 'validation_failed')).toThrow(InvariantViolation);
  });

  it('catch a balance that moved without a transaction saying so', () => {
    const s = org();
    const before = balanceOf(s);
    s.grants[0]!.remaining -= 1;
    expect(violation(() => assertBalanceMoved(s, before, [])).check).toBe('balance_journal');
  });

  it('accept a sound org', () => {
    const s = org();
    expect(() => assertOrgSound(s)).not.toThrow();
  });

  it('catch, over a whole batch, an org whose balance moved by more than its transactions', () => {
    const s = org();
    const batch = new BatchBalances();
    batch.touch(s);
    const out = execute(s, { type: 'consume', usage: image('720p') }, t0 + 1, defaultCatalog);
    expect(out.ok).toBe(true);
    expect(() => batch.close([s], out.txns)).not.toThrow();
    expect(violation(() => batch.close([s], [])).check).toBe('balance_journal');
  });
});
