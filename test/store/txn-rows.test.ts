/**
 * The stored form of a transaction (txn-rows.ts): what the row's columns hold is not
 * repeated in the body, postings that follow from the sources are left out, and every
 * transaction reads back exactly as it was written, old whole bodies included.
 */
import { describe, expect, it } from 'vitest';
import { createOrg, defaultCatalog, execute, type Transaction } from '../../src/core/index.ts';
import { packTxn, type StoredTxn, unpackTxn } from '../../src/store/txn-rows.ts';

const NOW = Date.UTC(2026, 5, 1);

const stored = (t: Transaction, body = packTxn(t)): StoredTxn => ({
  org_id: t.org_id,
  type: t.type,
  amount: t.amount,
  created_at: t.created_at,
  visible: t.visible ? 1 : 0,
  body,
});

/** Transactions of every common kind, from the rules themselves. */
function journal(): Transaction[] {
  const made = createOrg({ id: 'org_rows', name: 'Rows', tier: 'free' }, NOW, defaultCatalog);
  if (!made.ok) throw new Error('create failed');
  const s = made.state;
  const txns = [...made.txns];
  const run = (cmd: Parameters<typeof execute>[1], at: number) => {
    const out = execute(s, cmd, at, defaultCatalog);
    if (!out.ok) throw new Error(`${cmd.type} refused: ${out.error.message}`);
    txns.push(...out.txns);
    return out;
  };
  run({ type: 'adjust', amount: 50, reason: 'support' }, NOW + 1);
  run({ type: 'consume', usage: { tool: 'image.generate', operation: '720p', quantity: 2 } }, NOW + 2);
  const usage = { tool: 'image.generate', operation: '4k', quantity: 1 };
  const hold = run({ type: 'hold', amount: 4, ttl_seconds: 600 }, NOW + 3);
  run({ type: 'capture', hold_id: (hold.result as { id: string }).id, amount: 3, usage }, NOW + 4);
  run({ type: 'adjust', amount: -5, reason: 'correction' }, NOW + 5);
  return txns;
}

describe('stored transactions', () => {
  it('read back exactly as written, for every kind the rules make', () => {
    const txns = journal();
    expect(new Set(txns.map((t) => t.type)).size).toBeGreaterThanOrEqual(4);
    for (const t of txns) {
      const back = unpackTxn(stored(t));
      expect(back).toEqual(t);
      // Same key order as the rules write: API answers and exports do not change shape.
      expect(Object.keys(back)).toEqual(Object.keys(t));
    }
  });

  it('leave the row columns and derivable postings out of a charge body, halving it', () => {
    const charge = journal().find((t) => t.type === 'usage')!;
    const body = JSON.parse(packTxn(charge));
    for (const k of [
      'org_id',
      'type',
      'amount',
      'created_at',
      'visible',
      'postings',
      'hold_id',
      'purchase_id',
    ])
      expect(body).not.toHaveProperty(k);
    expect(packTxn(charge).length).toBeLessThan(JSON.stringify(charge).length / 2 + 40);
  });

  it('keep postings that do not follow from the sources', () => {
    const t = journal().find((x) => x.type === 'usage')!;
    const odd: Transaction = { ...t, postings: [...t.postings].reverse() };
    expect(JSON.parse(packTxn(odd)).postings).toEqual(odd.postings);
    expect(unpackTxn(stored(odd))).toEqual(odd);
  });

  it('read a body stored whole before this format as it is', () => {
    const t = journal().find((x) => x.type === 'usage')!;
    expect(unpackTxn(stored(t, JSON.stringify(t)))).toEqual(t);
  });
});
