import { describe, expect, it } from 'vitest';
import { decide, fingerprint, IDEMPOTENCY_RETENTION_MS, validKey } from './idempotency.ts';
import type { Transaction } from './journal.ts';
import { MemoryLedger } from './memory-ledger.ts';
import { at, HOUR, image, ledgerWith, numbers, refusal } from './test-helpers.ts';

const t0 = at('2025-03-01');

describe('idempotency', () => {
  it('applies the same command under the same key once, and returns the same result again', () => {
    const l = ledgerWith('basic', t0);
    const cmd = { type: 'consume' as const, usage: image('4k', 2) };
    const first = l.run<Transaction>('org_a', cmd, t0, 'key-1');
    const n = l.journal.length;
    const again = l.run<Transaction>('org_a', cmd, t0 + HOUR, 'key-1');
    expect(again).toEqual(first);
    expect(l.journal).toHaveLength(n);
    expect(numbers(l, t0 + HOUR).balance).toBe(14);
  });

  it('refuses the same key with a different command with idempotency_key_reuse, applying nothing', () => {
    const l = ledgerWith('basic', t0);
    l.run('org_a', { type: 'consume', usage: image('4k', 2) }, t0, 'key-1');
    const e = refusal(() => l.run('org_a', { type: 'consume', usage: image('4k', 3) }, t0, 'key-1'));
    expect(e.code).toBe('idempotency_key_reuse');
    expect(numbers(l, t0).balance).toBe(14);
  });

  it('replays a refusal too: the key names one attempt, not "until it works"', () => {
    const l = ledgerWith('free', t0);
    const cmd = { type: 'consume' as const, usage: image('8k', 2) };
    expect(refusal(() => l.run('org_a', cmd, t0, 'key-1')).code).toBe('insufficient_credits');
    l.run('org_a', { type: 'adjust', amount: 10, reason: 'top up' }, t0);
    const e = refusal(() => l.run('org_a', cmd, t0 + 1, 'key-1'));
    expect(e).toMatchObject({ code: 'insufficient_credits', extra: { available: 5, required: 8 } });
    expect(numbers(l, t0 + 1).balance).toBe(15);
    l.run('org_a', cmd, t0 + 2, 'key-2');
    expect(numbers(l, t0 + 2).balance).toBe(7);
  });

  it('scopes keys per org', () => {
    const l = new MemoryLedger(ledgerWith('basic', t0).catalog);
    l.createOrg({ id: 'org_a', name: 'A', tier: 'basic' }, t0);
    l.createOrg({ id: 'org_b', name: 'B', tier: 'basic' }, t0);
    l.run('org_a', { type: 'consume', usage: image('720p') }, t0, 'same-key');
    l.run('org_b', { type: 'consume', usage: image('8k') }, t0, 'same-key');
    expect([numbers(l, t0, 'org_a').balance, numbers(l, t0, 'org_b').balance]).toEqual([19, 16]);
  });

  it('ignores the order of fields when comparing requests', () => {
    expect(fingerprint({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(fingerprint({ b: { d: [1, 2], c: 2 }, a: 1 }));
    expect(fingerprint({ a: [1, 2] })).not.toBe(fingerprint({ a: [2, 1] }));
  });

  it('keeps keys at least 24 hours', () => {
    const rec = { key: 'k', fingerprint: 'fp', status: 200, body: 1, created_at: t0 };
    expect(decide(rec, 'fp', t0 + IDEMPOTENCY_RETENTION_MS)).toMatchObject({ run: false });
    expect(() => decide(rec, 'other', t0 + IDEMPOTENCY_RETENTION_MS)).toThrow(/different request/);
    expect(decide(undefined, 'fp', t0)).toEqual({ run: true });
  });

  it('accepts keys of 1 to 255 visible ASCII characters', () => {
    expect(validKey('a')).toBe(true);
    expect(validKey('x'.repeat(255))).toBe(true);
    expect(validKey('')).toBe(false);
    expect(validKey('x'.repeat(256))).toBe(false);
    expect(validKey('has space')).toBe(false);
    expect(validKey('é')).toBe(false);
  });
});
