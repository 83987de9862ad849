/**
 * The store's one retry policy, on both databases: an operation whose rule code throws (a
 * bug, not a refusal) fails alone, and the rest of its batch commits without it, in a new
 * transaction, as if it had never been sent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { balanceOf, type Command } from '../../src/core/index.ts';
import { DIALECTS, type Harness, openHarness } from './dialects.ts';

const T0 = Date.UTC(2026, 0, 31, 12);
const consume: Command = {
  type: 'consume',
  usage: { tool: 'image.generate', operation: '720p', quantity: 1 },
};
// No usage at all: the rule code reads a field of null and throws a TypeError.
const broken = { type: 'consume', usage: null } as unknown as Command;

describe.each(DIALECTS)('a batch with a bug in it on %s', (dialect) => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness(dialect);
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('fails only the operation whose rule code threw, and commits the rest of its batch', async () => {
    for (const id of ['org_a', 'org_b'])
      expect((await h.store.createOrg({ id, name: id, tier: 'free' }, { now: T0 })).ok).toBe(true);
    const sent = [
      h.store.execute('org_a', consume, { now: T0, idempotencyKey: 'a1' }),
      h.store.execute('org_b', broken, { now: T0, idempotencyKey: 'b1' }),
      h.store.execute('org_b', consume, { now: T0, idempotencyKey: 'b2' }),
      h.store.execute('org_a', consume, { now: T0, idempotencyKey: 'a2' }),
    ];
    const settled = await Promise.allSettled(sent);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/null|undefined/);
    expect(balanceOf((await h.store.getOrg('org_a', T0))!)).toBe(3);
    expect(balanceOf((await h.store.getOrg('org_b', T0))!)).toBe(4);
    // Its key was never recorded: sent again (fixed), it runs.
    const again = await h.store.execute('org_b', consume, { now: T0, idempotencyKey: 'b1' });
    expect(again).toMatchObject({ ok: true, replayed: false });
    expect(await h.store.verify()).toEqual([]);
  });
});
