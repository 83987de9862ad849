/** The group commit queue on its own, with a commit function that records what it was given. */
import { describe, expect, it } from 'vitest';
import type { Op } from '../../src/store/batch.ts';
import { GroupCommit, StoreClosed, StoreOverloaded } from '../../src/store/group-commit.ts';
import type { WriteResult } from '../../src/store/types.ts';

const op = (orgId: string, n: number): Op => ({
  kind: 'exec',
  orgId,
  cmd: { type: 'adjust', amount: n, reason: `op ${n}` },
  opts: { now: n },
});
const okResult = (o: Op): WriteResult => ({
  ok: true,
  result: (o as { cmd: { amount: number } }).cmd.amount,
  txns: [],
  replayed: false,
  balance: null,
});
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('group commit', () => {
  it('commits everything that arrived while a commit was in flight as the next batch, answering each after its batch', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const gc = new GroupCommit(
      async (ops) => {
        batches.push(ops.map((o) => (o as { cmd: { amount: number } }).cmd.amount));
        if (batches.length === 1) await gate;
        return ops.map(okResult);
      },
      { maxBatch: 100, maxQueue: 1000 },
    );
    const first = gc.submit(op('org_a', 1));
    await tick();
    const later = [2, 3, 4].map((n) => gc.submit(op(`org_${n}`, n)));
    await tick();
    expect(batches).toEqual([[1]]); // the others wait for the commit in flight
    release();
    const results = await Promise.all([first, ...later]);
    expect(results.map((r) => (r.ok ? r.result : null))).toEqual([1, 2, 3, 4]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('starts the batch of an operation on a quiet store at the end of the task, and says so; under load batches as before', async () => {
    const seen: { amounts: number[]; quiet: boolean; beforeTurn: boolean }[] = [];
    let turned = false;
    const gc = new GroupCommit(
      async (ops, info) => {
        seen.push({
          amounts: ops.map((o) => (o as { cmd: { amount: number } }).cmd.amount),
          quiet: info.quiet,
          beforeTurn: !turned,
        });
        return ops.map(okResult);
      },
      { maxBatch: 100, maxQueue: 1000, quietMs: 5 },
    );
    setImmediate(() => {
      turned = true;
    });
    // Quiet: starts before the event loop's next turn; what the same task submits joins it.
    await Promise.all([gc.submit(op('org_a', 1)), gc.submit(op('org_b', 2))]);
    // Right after: not quiet, so it waits for the turn like any batch under load.
    turned = false;
    setImmediate(() => {
      turned = true;
    });
    await gc.submit(op('org_a', 3));
    await tick();
    await tick();
    turned = false;
    setImmediate(() => {
      turned = true;
    });
    await gc.submit(op('org_a', 4));
    expect(seen).toEqual([
      { amounts: [1, 2], quiet: true, beforeTurn: true },
      { amounts: [3], quiet: false, beforeTurn: false },
      { amounts: [4], quiet: true, beforeTurn: true },
    ]);
  });

  it('never starts early when quietMs is Infinity, not even the first operation', async () => {
    const quiet: boolean[] = [];
    const gc = new GroupCommit(
      async (ops, info) => {
        quiet.push(info.quiet);
        return ops.map(okResult);
      },
      { maxBatch: 100, maxQueue: 1000, quietMs: Number.POSITIVE_INFINITY },
    );
    await gc.submit(op('org_a', 1));
    await tick();
    await gc.submit(op('org_a', 2));
    expect(quiet).toEqual([false, false]);
  });

  it('never puts one org in two batches at once, and keeps each org in arrival order', async () => {
    const inFlight = new Set<string>();
    const order: Record<string, number[]> = {};
    let overlap = false;
    const gc = new GroupCommit(
      async (ops) => {
        const orgs = new Set(ops.map((o) => o.orgId));
        for (const o of orgs) if (inFlight.has(o)) overlap = true;
        for (const o of orgs) inFlight.add(o);
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        for (const o of ops) {
          order[o.orgId] ??= [];
          order[o.orgId]!.push((o as { cmd: { amount: number } }).cmd.amount);
        }
        for (const o of orgs) inFlight.delete(o);
        return ops.map(okResult);
      },
      { maxBatch: 7, maxQueue: 10_000, concurrency: 3 },
    );
    const submitted: Promise<WriteResult>[] = [];
    for (let n = 0; n < 600; n++) {
      submitted.push(gc.submit(op(`org_${n % 5}`, n)));
      if (n % 50 === 0) await tick();
    }
    await Promise.all(submitted);
    expect(overlap).toBe(false);
    for (const [org, amounts] of Object.entries(order)) {
      const k = Number(org.slice(4));
      expect(amounts).toEqual(Array.from({ length: 120 }, (_, i) => i * 5 + k));
    }
  });

  it('refuses writes beyond its queue limit and after close, and close waits for queued writes', async () => {
    const gc = new GroupCommit(
      async (ops) => {
        await tick();
        return ops.map(okResult);
      },
      { maxBatch: 10, maxQueue: 3 },
    );
    const queued = [1, 2, 3].map((n) => gc.submit(op('org_q', n)));
    await expect(gc.submit(op('org_q', 4))).rejects.toBeInstanceOf(StoreOverloaded);
    await gc.close();
    for (const r of await Promise.all(queued)) expect(r.ok).toBe(true);
    await expect(gc.submit(op('org_q', 5))).rejects.toBeInstanceOf(StoreClosed);
  });
});
