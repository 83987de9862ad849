import { describe, expect, it } from 'vitest';
import { drawOrder } from './draw-order.ts';
import type { Transaction } from './journal.ts';
import type { Grant } from './state.ts';
import { at, catalogWith, DAY, image, ledgerWith, numbers, openGrants, refusal } from './test-helpers.ts';

const sourcesOf = (t: Transaction) => t.sources.map((s) => [s.source, s.amount]);

describe('draw order', () => {
  it('draws rollover, then subscription, then free, then adjustment, then purchase', () => {
    const t0 = at('2025-01-10');
    const l = ledgerWith('free', t0); // 5 free credits
    l.run('org_a', { type: 'change_tier', tier: 'basic' }, t0 + DAY); // 20 subscription, anchor Jan 11
    const renewal = at('2025-02-11');
    l.run('org_a', { type: 'adjust', amount: 3, reason: 'goodwill' }, renewal + 1);
    const p = l.run<{ id: string }>('org_a', { type: 'purchase_create', pack: 'pack_20' }, renewal + 2);
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, renewal + 3);
    // After the renewal: rollover 20 + subscription 20 + free 5 + adjustment 3 + purchase 20 = 68.
    expect(numbers(l, renewal + 3).balance).toBe(68);
    const t = l.run<Transaction>(
      'org_a',
      { type: 'consume', amount: 50, usage: image('720p', 50) },
      renewal + 4,
    );
    expect(sourcesOf(t)).toEqual([
      ['rollover', 20],
      ['subscription', 20],
      ['free', 5],
      ['adjustment', 3],
      ['purchase', 2],
    ]);
    expect(numbers(l, renewal + 4).balance).toBe(18);
  });

  it('draws the grant expiring soonest first, whatever its source', () => {
    const t0 = at('2025-03-01');
    const l = ledgerWith('basic', t0, {}, catalogWith({ purchase_expiry_days: 7 }));
    const p = l.run<{ id: string }>('org_a', { type: 'purchase_create', pack: 'pack_20' }, t0);
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, t0);
    // The purchase expires Mar 8, the subscription at the period end (Apr 1).
    const t = l.run<Transaction>('org_a', { type: 'consume', amount: 25, usage: image('720p', 25) }, t0 + 1);
    expect(sourcesOf(t)).toEqual([
      ['purchase', 20],
      ['subscription', 5],
    ]);
  });

  it('draws never-expiring grants last', () => {
    const t0 = at('2025-03-01');
    const l = ledgerWith('basic', t0, {}, catalogWith({ purchase_expiry_days: 90 }));
    l.run('org_a', { type: 'adjust', amount: 10, reason: 'never expires' }, t0);
    const p = l.run<{ id: string }>('org_a', { type: 'purchase_create', pack: 'pack_20' }, t0);
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, t0);
    // subscription (Apr 1) → purchase (May 30) → adjustment (never).
    const t = l.run<Transaction>('org_a', { type: 'consume', amount: 45, usage: image('720p', 45) }, t0 + 1);
    expect(sourcesOf(t)).toEqual([
      ['subscription', 20],
      ['purchase', 20],
      ['adjustment', 5],
    ]);
  });

  it('draws the oldest grant first among grants of the same expiry and source', () => {
    const t0 = at('2025-03-01');
    const l = ledgerWith('basic', t0);
    const buy = (pay: string, t: number) => {
      const p = l.run<{ id: string }>('org_a', { type: 'purchase_create', pack: 'pack_20' }, t);
      l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: pay }, t);
    };
    buy('pay_old', t0 + 1000);
    buy('pay_new', t0 + 2000);
    const [older, newer] = openGrants(l, 'org_a', 'purchase');
    const t = l.run<Transaction>(
      'org_a',
      { type: 'consume', amount: 30, usage: image('720p', 30) },
      t0 + 3000,
    );
    expect(t.sources).toEqual([
      { grant_id: openGrants(l, 'org_a', 'subscription')[0]!.id, source: 'subscription', amount: 20 },
      { grant_id: older!.id, source: 'purchase', amount: 10 },
    ]);
    expect(newer!.remaining).toBe(20);
  });

  it('sorts by expiry, never-expiring last, then source, then age, then id', () => {
    const g = (
      id: string,
      source: Grant['source'],
      expires_at: number | null,
      granted_at: number,
    ): Grant => ({
      id,
      source,
      amount: 1,
      remaining: 1,
      granted_at,
      expires_at,
      closed_at: null,
      closed_reason: null,
    });
    const grants = [
      g('a', 'purchase', null, 1),
      g('b', 'free', null, 5),
      g('c', 'adjustment', null, 2),
      g('d', 'subscription', 100, 1),
      g('e', 'rollover', 100, 3),
      g('f', 'purchase', 50, 9),
      g('g', 'adjustment', null, 1),
      g('h', 'purchase', null, 1),
    ];
    expect(
      [...grants]
        .reverse()
        .sort(drawOrder)
        .map((x) => x.id),
    ).toEqual(['f', 'e', 'd', 'b', 'g', 'c', 'a', 'h']);
    expect([...grants].sort(drawOrder).map((x) => x.id)).toEqual(['f', 'e', 'd', 'b', 'g', 'c', 'a', 'h']);
  });

  it('records on every usage transaction which grants it drew from (lineage)', () => {
    const t0 = at('2025-03-01');
    const l = ledgerWith('free', t0);
    l.run('org_a', { type: 'adjust', amount: 4, reason: 'test' }, t0);
    const consumed = l.run<Transaction>('org_a', { type: 'consume', usage: image('1080p', 3) }, t0 + 1); // 6
    const h = l.run<{ id: string }>('org_a', { type: 'hold', amount: 3, ttl_seconds: 60 }, t0 + 2);
    const captured = l.run<Transaction>(
      'org_a',
      { type: 'capture', hold_id: h.id, amount: 2, usage: image('1080p') },
      t0 + 3,
    );
    const grants = new Map(l.all('org_a').grants.map((g) => [g.id, g]));
    for (const t of [consumed, captured]) {
      expect(t.sources.reduce((s, x) => s + x.amount, 0)).toBe(-t.amount);
      for (const s of t.sources) expect(grants.get(s.grant_id)?.source).toBe(s.source);
    }
    expect(sourcesOf(consumed)).toEqual([
      ['free', 5],
      ['adjustment', 1],
    ]);
    expect(sourcesOf(captured)).toEqual([['adjustment', 2]]);
  });

  it('refuses a charge the org cannot afford with insufficient_credits, changing nothing', () => {
    const t0 = at('2025-03-01');
    const l = ledgerWith('free', t0);
    const before = structuredClone(l.org('org_a'));
    const e = refusal(() => l.run('org_a', { type: 'consume', usage: image('8k', 2) }, t0 + 1));
    expect(e.code).toBe('insufficient_credits');
    expect(e.extra).toMatchObject({ available: 5, required: 8 });
    expect(l.org('org_a')).toEqual(before);
  });
});
