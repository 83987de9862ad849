import { describe, expect, it } from 'vitest';
import { nextDueAt } from './advance.ts';
import { defaultCatalog } from './catalog.ts';
import { apply, createOrg, execute } from './ledger.ts';
import { at, DAY, image } from './test-helpers.ts';

const t0 = at('2025-01-10');
const basicOrg = () => createOrg({ id: 'org_a', name: 'Acme', tier: 'basic' }, t0, defaultCatalog).state;

describe('the ledger state machine', () => {
  it('creates an org with its first credits in the same step', () => {
    const out = createOrg({ id: 'org_a', name: 'Acme', tier: 'free' }, t0, defaultCatalog);
    expect(out.ok).toBe(true);
    expect(out.txns.map((t) => [t.type, t.amount, t.balance_after])).toEqual([['free_grant', 5, 5]]);
    expect(out.events.map((e) => e.type)).toEqual(['credits.granted']);
  });

  it('refuses contract terms that are not whole, non-negative credits when an org is created', () => {
    for (const terms of [
      { allocation: 1.5 },
      { rollover_cap: -5 },
      { overage_limit: -3 },
      { allocation: Number.NaN },
    ]) {
      const out = createOrg({ id: 'org_a', name: 'Acme', tier: 'enterprise', ...terms }, t0, defaultCatalog);
      expect(out.ok ? 'ok' : out.error.code).toBe('validation_failed');
    }
    const basic = createOrg({ id: 'org_a', name: 'Acme', tier: 'basic', allocation: 5 }, t0, defaultCatalog);
    expect(basic.ok ? 'ok' : basic.error.code).toBe('validation_failed');
  });

  it('applies a command to a copy: the state given is left as it was', () => {
    const s = basicOrg();
    const before = structuredClone(s);
    const out = apply(s, { type: 'consume', usage: image('4k') }, t0 + 1, defaultCatalog);
    expect(out.ok).toBe(true);
    expect(s).toEqual(before);
    expect(out.state.grants[0]!.remaining).toBe(17);
  });

  it('is deterministic: the same commands at the same times give the same state and journal', () => {
    const run = () => {
      const s = basicOrg();
      const txns = [
        ...execute(s, { type: 'consume', usage: image('8k', 2) }, t0 + DAY, defaultCatalog).txns,
        ...execute(s, { type: 'hold', amount: 5, ttl_seconds: 60 }, t0 + 2 * DAY, defaultCatalog).txns,
        ...execute(s, { type: 'tick' }, t0 + 90 * DAY, defaultCatalog).txns,
      ];
      return { s, txns };
    };
    expect(run()).toEqual(run());
  });

  it('returns what time alone changed with a refusal, so the caller can persist it', () => {
    const s = basicOrg();
    // 60 days on, two renewals are due; the charge itself is refused (only 60 credits by then).
    const out = execute(
      s,
      { type: 'consume', amount: 61, usage: image('720p', 61) },
      t0 + 60 * DAY,
      defaultCatalog,
    );
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error.code).toBe('insufficient_credits');
    expect(out.txns.map((t) => t.type)).toEqual(['rollover', 'allocation', 'rollover', 'allocation']);
    expect(s.subscription.period_index).toBe(2);
  });

  it('refuses malformed amounts with validation_failed before touching anything', () => {
    const s = basicOrg();
    for (const amount of [0, -1, 1.5, Number.NaN, 2_000_000_000]) {
      const out = execute(s, { type: 'hold', amount, ttl_seconds: 60 }, t0, defaultCatalog);
      expect(out.ok ? 'ok' : out.error.code).toBe('validation_failed');
    }
    const adj = execute(s, { type: 'adjust', amount: 0, reason: 'nothing' }, t0, defaultCatalog);
    expect(adj.ok ? 'ok' : adj.error.code).toBe('validation_failed');
    expect(s.grants[0]!.remaining).toBe(20);
  });

  it('tells when the next time-driven event of an org falls due', () => {
    const s = basicOrg();
    expect(nextDueAt(s)).toBe(at('2025-02-10'));
    execute(s, { type: 'hold', amount: 1, ttl_seconds: 3600 }, t0 + DAY, defaultCatalog);
    expect(nextDueAt(s)).toBe(t0 + DAY + 3600_000);
    const free = createOrg({ id: 'org_f', name: 'F', tier: 'free' }, t0, defaultCatalog).state;
    expect(nextDueAt(free)).toBeNull();
  });
});
