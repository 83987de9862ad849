/**
 * The core's model-based property test, run against the durable stores: random command
 * sequences over several orgs, each step checked against the obviously-correct model and
 * `verify` run on the real database. Same rules, same answers, on both dialects.
 */
import { describe, it } from 'vitest';
import { availableOf, balanceOf, GRANT_SOURCES, type GrantSource, heldOf } from '../../src/core/index.ts';
import type { Store } from '../../src/store/types.ts';
import { type LedgerLike, propertyRuns, runModelTest } from '../core/reference-model.ts';
import { type Harness, openHarness } from './dialects.ts';

function storeLedger(store: Store, onClose?: () => Promise<void>): LedgerLike {
  const must = async (orgId: string, now: number) => {
    const s = await store.getOrg(orgId, now);
    if (!s) throw new Error(`org ${orgId} missing`);
    return s;
  };
  // The memory ledger reads an org as of its own last command; so do we.
  const lastNow = new Map<string, number>();
  return {
    async createOrg(c, now) {
      lastNow.set(c.id, now);
      const r = await store.createOrg(c, { now });
      if (!r.ok) throw r.error;
      return r.result;
    },
    async run(orgId, cmd, now, idempotencyKey) {
      lastNow.set(orgId, Math.max(now, lastNow.get(orgId) ?? now));
      const r = await store.execute(orgId, cmd, {
        now,
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      });
      if (!r.ok) throw r.error;
      return r.result;
    },
    async numbers(orgId, now) {
      const s = await must(orgId, now);
      return { balance: balanceOf(s), held: heldOf(s), available: availableOf(s, now) };
    },
    async bySource(orgId) {
      const s = await must(orgId, lastNow.get(orgId) ?? 0);
      const out = Object.fromEntries(GRANT_SOURCES.map((x) => [x, 0])) as Record<GrantSource, number>;
      for (const g of s.grants) if (g.closed_at === null) out[g.source] += g.remaining;
      return out;
    },
    verify: () => store.verify(),
    async events() {
      return (await store.events(0, 1_000_000)).map(({ seq: _seq, ...e }) => e);
    },
    ...(onClose ? { close: onClose } : {}),
  };
}

describe('the model-based property test against the durable stores', () => {
  it('agrees with the model on SQLite, step by step', async () => {
    await runModelTest(
      async () => {
        const h: Harness = await openHarness('sqlite');
        return storeLedger(h.store, () => h.cleanup());
      },
      { numRuns: propertyRuns(60), maxCommands: 80, verifyEvery: 5 },
    );
    // Sized by count (60 runs); took 111 s on a loaded 2-core machine, so the limit is wide.
  }, 900_000);

  it('agrees with the model on PostgreSQL, step by step', async () => {
    await runModelTest(
      async () => {
        const h: Harness = await openHarness('postgres');
        return storeLedger(h.store, () => h.cleanup());
      },
      { numRuns: propertyRuns(12), maxCommands: 80, verifyEvery: 5 },
    );
  }, 900_000);
});
