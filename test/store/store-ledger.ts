/**
 * A store seen as the reference model's `LedgerLike` (test/core/reference-model.ts), so the
 * model-based property test drives the durable stores: `model-sqlite.test.ts` and
 * `model-postgres.test.ts`, one file per database so the two run side by side.
 */
import { availableOf, balanceOf, GRANT_SOURCES, type GrantSource, heldOf } from '../../src/core/index.ts';
import type { Store } from '../../src/store/types.ts';
import type { LedgerLike } from '../core/reference-model.ts';
import { type Harness, openHarness } from './dialects.ts';

export function storeLedger(store: Store, onClose?: (passed: boolean) => Promise<void>): LedgerLike {
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

/** The most operations any store of these tests committed in one batch (group commit). */
export const largestBatch = { ops: 0 };

/**
 * Sequences that share one database before it is removed and a fresh one opened. Opening a
 * SQLite store boots its writer and checkpointer threads (≈ 0.75 s of CPU, measured), which
 * was most of a sequence's time. Each sequence works on orgs of its own (the model test
 * prefixes their ids per run) and verify() checks the whole database, its neighbours' orgs
 * included; a sequence that fails retires its database, so fast-check's shrinking replays
 * never inherit a broken one.
 */
export const SEQUENCES_PER_DATABASE = 5;

const shared = new Map<'sqlite' | 'postgres', { h: Harness; sequences: number }>();

/** A database of `dialect` for the next sequence: fresh, or shared with up to SEQUENCES_PER_DATABASE - 1 earlier ones that passed. */
export async function nextStoreLedger(dialect: 'sqlite' | 'postgres'): Promise<LedgerLike> {
  let db = shared.get(dialect);
  if (!db) {
    const h = await openHarness(dialect);
    h.store.batchSizes = (size) => {
      largestBatch.ops = Math.max(largestBatch.ops, size);
    };
    db = { h, sequences: 0 };
    shared.set(dialect, db);
  }
  db.sequences += 1;
  const mine = db;
  return storeLedger(mine.h.store, async (passed) => {
    if (passed && mine.sequences < SEQUENCES_PER_DATABASE) return;
    if (shared.get(dialect) === mine) shared.delete(dialect);
    await mine.h.cleanup();
  });
}

/** Removes the database the last sequences shared (call once the runs are done). */
export async function closeSharedStores() {
  const left = [...shared.values()];
  shared.clear();
  for (const db of left) await db.h.cleanup();
}
