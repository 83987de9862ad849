import { describe, expect, it } from 'vitest';
import { RECENT_HOLDS_KEPT } from './archive.ts';
import { MAX_OPEN_HOLDS } from './holds.ts';
import type { Transaction } from './journal.ts';
import type { Hold } from './state.ts';
import {
  at,
  bySource,
  catalogWith,
  DAY,
  image,
  lastTxn,
  ledgerWith,
  log,
  MINUTE,
  numbers,
  refusal,
} from './test-helpers.ts';

const t0 = at('2025-03-01T10:00');

/** A Basic org (20 subscription credits) with an open hold of `amount`. */
function withHold(amount: number, ttl_seconds = 900) {
  const l = ledgerWith('basic', t0);
  const h = l.run<Hold>('org_a', { type: 'hold', amount, ttl_seconds }, t0);
  return { l, h };
}

describe('holds', () => {
  it('says "1 credit", not "1 credits", in log lines and refusals', () => {
    const l = ledgerWith('free', t0);
    const t = l.run<Transaction>('org_a', { type: 'consume', usage: image('720p', 1) }, t0);
    expect(t.description).toBe('image.generate 720p: 1 credit');
    const h = l.run<Hold>('org_a', { type: 'hold', amount: 1, ttl_seconds: 60 }, t0);
    l.run('org_a', { type: 'release', hold_id: h.id }, t0);
    expect(lastTxn(l).description).toBe(`hold ${h.id} released: 1 credit returned`);
    l.run('org_a', { type: 'consume', usage: image('8k', 1) }, t0);
    expect(refusal(() => l.run('org_a', { type: 'consume', usage: image('720p', 1) }, t0)).message).toBe(
      '1 credit required, 0 available',
    );
  });

  it('reserves credits: the balance stays, held rises, available falls', () => {
    const { l, h } = withHold(8);
    expect(h).toMatchObject({ status: 'open', amount: 8, expires_at: t0 + 900_000 });
    expect(numbers(l, t0)).toEqual({ balance: 20, held: 8, available: 12 });
    expect(log(l).map((t) => t.type)).toEqual(['allocation']); // holds are listed as pending, not in the log
  });

  it('prices a hold from catalog items: 3 images at 4k hold 9 credits', () => {
    const l = ledgerWith('basic', t0);
    const h = l.run<Hold>(
      'org_a',
      { type: 'hold', items: [{ tool: 'image.generate', operation: '4k', quantity: 3 }], ttl_seconds: 60 },
      t0,
    );
    expect(h.amount).toBe(9);
  });

  it('refuses a hold larger than what is available', () => {
    const { l } = withHold(15);
    const e = refusal(() => l.run('org_a', { type: 'hold', amount: 6, ttl_seconds: 60 }, t0));
    expect(e.code).toBe('insufficient_credits');
    expect(e.extra).toMatchObject({ available: 5, required: 6 });
  });

  it('captures what the work used and returns the rest', () => {
    const { l, h } = withHold(8);
    const t = l.run<Transaction>(
      'org_a',
      { type: 'capture', hold_id: h.id, amount: 5, usage: image('720p', 5) },
      t0 + 1,
    );
    expect(t).toMatchObject({ type: 'usage', amount: -5, balance_after: 15, hold_id: h.id });
    expect(numbers(l, t0 + 1)).toEqual({ balance: 15, held: 0, available: 15 });
    expect(l.all('org_a').holds[0]).toMatchObject({ status: 'captured', captured: 5 });
  });

  it('captures the whole hold when no amount is given', () => {
    const { l, h } = withHold(8);
    l.run('org_a', { type: 'capture', hold_id: h.id, usage: image('1080p', 4) }, t0 + 1);
    expect(numbers(l, t0 + 1)).toEqual({ balance: 12, held: 0, available: 12 });
  });

  it('refuses a capture whose amount disagrees with quantity × price, naming both figures, and leaves the hold open', () => {
    const { l, h } = withHold(5);
    const e = refusal(() =>
      l.run(
        'org_a',
        { type: 'capture', hold_id: h.id, amount: 3, usage: image('720p', 2), quantity_stated: true },
        t0 + 1,
      ),
    );
    expect(e.code).toBe('validation_failed');
    expect(e.message).toContain('amount 3 disagrees with quantity 2 × 1 credit');
    expect(e.extra).toMatchObject({ field: 'amount', amount: 3, quantity: 2, priced: 2 });
    expect(l.org('org_a').holds[0]).toMatchObject({ status: 'open' });
    const ok = l.run<Transaction>(
      'org_a',
      { type: 'capture', hold_id: h.id, amount: 4, usage: image('1080p', 2), quantity_stated: true },
      t0 + 2,
    );
    expect(ok.amount).toBe(-4);
  });

  it('records a capture of 0 as a release: no 0-credit usage line, every credit back', () => {
    const { l, h } = withHold(5);
    const before = log(l).length;
    const t = l.run<Transaction>(
      'org_a',
      { type: 'capture', hold_id: h.id, amount: 0, usage: image('720p') },
      t0 + 1,
    );
    expect(t.type).toBe('release');
    expect(l.all('org_a').holds[0]).toMatchObject({ status: 'released', captured: 0 });
    expect(log(l).length).toBe(before); // the user-facing log has no new line
    expect(log(l).some((x) => x.type === 'usage' && x.amount === 0)).toBe(false);
    expect(numbers(l, t0 + 1)).toMatchObject({ available: 20, held: 0 });
  });

  it('refuses to capture more than was held, leaving the hold open', () => {
    const { l, h } = withHold(8);
    const e = refusal(() =>
      l.run('org_a', { type: 'capture', hold_id: h.id, amount: 9, usage: image('720p', 9) }, t0 + 1),
    );
    expect(e.code).toBe('validation_failed');
    expect(e.extra).toMatchObject({ held: 8 });
    expect(numbers(l, t0 + 1)).toEqual({ balance: 20, held: 8, available: 12 });
  });

  it('releases a hold: every credit returns and nothing is charged', () => {
    const { l, h } = withHold(8);
    const r = l.run<Hold>('org_a', { type: 'release', hold_id: h.id }, t0 + 1);
    expect(r.status).toBe('released');
    expect(numbers(l, t0 + 1)).toEqual({ balance: 20, held: 0, available: 20 });
    expect(log(l).filter((t) => t.type === 'usage')).toEqual([]);
  });

  it('releases a hold automatically at its expiry', () => {
    const { l, h } = withHold(8, 600);
    l.run('org_a', { type: 'tick' }, t0 + 600_000 - 1);
    expect(numbers(l, t0 + 600_000 - 1).held).toBe(8);
    l.run('org_a', { type: 'tick' }, t0 + 600_000);
    expect(l.all('org_a').holds.find((x) => x.id === h.id)).toMatchObject({
      status: 'expired',
      resolved_at: t0 + 600_000,
    });
    expect(numbers(l, t0 + 600_000)).toEqual({ balance: 20, held: 0, available: 20 });
  });

  it('releases any number of holds that expired while the org was idle (up to the open-holds limit)', () => {
    const l = ledgerWith('free', t0);
    l.run('org_a', { type: 'adjust', amount: 6000, reason: 'load' }, t0);
    for (let i = 0; i < MAX_OPEN_HOLDS; i++) l.run('org_a', { type: 'hold', amount: 1, ttl_seconds: 60 }, t0);
    expect(numbers(l, t0).held).toBe(MAX_OPEN_HOLDS);
    l.run('org_a', { type: 'tick' }, t0 + 60_000);
    expect(numbers(l, t0 + 60_000)).toEqual({ balance: 6005, held: 0, available: 6005 });
  });

  it('refuses a capture after the hold expired with hold_not_open', () => {
    const { l, h } = withHold(8, 600);
    const e = refusal(() =>
      l.run('org_a', { type: 'capture', hold_id: h.id, usage: image('720p', 8) }, t0 + 10 * MINUTE),
    );
    expect(e.code).toBe('hold_not_open');
    expect(e.extra).toMatchObject({ hold_id: h.id, status: 'expired' });
    expect(numbers(l, t0 + 10 * MINUTE)).toEqual({ balance: 20, held: 0, available: 20 });
    expect(l.verify()).toEqual([]);
  });

  it('refuses to resolve a hold twice with hold_not_open', () => {
    const { l, h } = withHold(8);
    l.run('org_a', { type: 'capture', hold_id: h.id, amount: 3, usage: image('720p', 3) }, t0 + 1);
    expect(
      refusal(() => l.run('org_a', { type: 'capture', hold_id: h.id, usage: image('720p') }, t0 + 2)).code,
    ).toBe('hold_not_open');
    expect(refusal(() => l.run('org_a', { type: 'release', hold_id: h.id }, t0 + 2)).code).toBe(
      'hold_not_open',
    );
    expect(numbers(l, t0 + 2).balance).toBe(17);
  });

  it('moves resolved holds out of the state, keeping the last 20 ids so a late capture answers hold_not_open', () => {
    const l = ledgerWith('basic', t0);
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const h = l.run<Hold>('org_a', { type: 'hold', amount: 1, ttl_seconds: 900 }, t0 + i);
      l.run('org_a', { type: 'release', hold_id: h.id }, t0 + i);
      ids.push(h.id);
    }
    const open = l.run<Hold>('org_a', { type: 'hold', amount: 2, ttl_seconds: 900 }, t0 + 100);
    expect(l.org('org_a').holds.map((h) => h.id)).toEqual([open.id]);
    expect(l.org('org_a').recent_holds).toHaveLength(RECENT_HOLDS_KEPT);
    expect(l.all('org_a').holds.map((h) => h.id)).toEqual([...ids, open.id]);
    const late = refusal(() => l.run('org_a', { type: 'release', hold_id: ids[40]! }, t0 + 101));
    expect(late).toMatchObject({ code: 'hold_not_open', extra: { status: 'released' } });
    expect(refusal(() => l.run('org_a', { type: 'release', hold_id: ids[39]! }, t0 + 101)).code).toBe(
      'not_found',
    );
    expect(l.transactions('org_a', false).filter((t) => t.hold_id === ids[0]).length).toBeGreaterThan(0);
    expect(l.verify()).toEqual([]);
  });

  it('refuses an unknown hold with not_found', () => {
    const l = ledgerWith('basic', t0);
    expect(refusal(() => l.run('org_a', { type: 'release', hold_id: 'hold_nope' }, t0)).code).toBe(
      'not_found',
    );
  });

  it('consumes in one step: hold and capture of the catalog price', () => {
    const l = ledgerWith('basic', t0);
    const t = l.run<Transaction>('org_a', { type: 'consume', usage: image('8k', 2) }, t0);
    expect(t).toMatchObject({ type: 'usage', amount: -8, balance_after: 12 });
    expect(t.usage).toMatchObject({ tool: 'image.generate', operation: '8k', quantity: 2 });
    expect(numbers(l, t0)).toEqual({ balance: 12, held: 0, available: 12 });
  });

  it('limits a hold to 1 second .. 7 days, in whole seconds', () => {
    const l = ledgerWith('basic', t0);
    for (const ttl_seconds of [0, 7 * 24 * 3600 + 1, 1.5, Number.NaN])
      expect(refusal(() => l.run('org_a', { type: 'hold', amount: 1, ttl_seconds }, t0)).code).toBe(
        'validation_failed',
      );
    expect(l.run<Hold>('org_a', { type: 'hold', amount: 1, ttl_seconds: 7 * 24 * 3600 }, t0).status).toBe(
      'open',
    );
  });

  it('expires credits returned to a grant that expired meanwhile, at that moment', () => {
    const l = ledgerWith('free', t0, {}, catalogWith({ purchase_expiry_days: 1 }));
    const p = l.run<{ id: string }>('org_a', { type: 'purchase_create', pack: 'pack_20' }, t0);
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, t0);
    // The hold takes the purchase first (it expires soonest), then 2 of the free credits.
    const h = l.run<Hold>('org_a', { type: 'hold', amount: 22, ttl_seconds: 3 * 24 * 3600 }, t0 + 1);
    const later = t0 + 2 * DAY; // the purchase expired at t0 + 1 day, while its credits were held
    l.run('org_a', { type: 'release', hold_id: h.id }, later);
    const expiry = lastTxn(l, 'org_a', 'expiry');
    expect(expiry).toMatchObject({ amount: -20, created_at: later, balance_after: 5 });
    expect(expiry.sources).toEqual([{ grant_id: expect.any(String), source: 'purchase', amount: 20 }]);
    expect(numbers(l, later)).toEqual({ balance: 5, held: 0, available: 5 });
    expect(bySource(l)).toMatchObject({ free: 5, purchase: 0 });
    expect(l.verify()).toEqual([]);
  });

  it('keeps a hold across a renewal: held credits do not roll over, and what capture returns expires', () => {
    const anchor = at('2025-01-10');
    const l = ledgerWith('basic', anchor);
    const h = l.run<Hold>(
      'org_a',
      { type: 'hold', amount: 10, ttl_seconds: 7 * 24 * 3600 },
      at('2025-02-08'),
    );
    // Renewal on Feb 10: 10 unused credits roll over (the 10 held do not), 20 arrive.
    l.run('org_a', { type: 'tick' }, at('2025-02-10'));
    expect(bySource(l)).toMatchObject({ rollover: 10, subscription: 20 });
    expect(numbers(l, at('2025-02-10'))).toEqual({ balance: 40, held: 10, available: 30 });
    // Capturing 4 after the renewal charges 4; the 6 returned belong to a closed period and expire.
    l.run('org_a', { type: 'capture', hold_id: h.id, amount: 4, usage: image('720p', 4) }, at('2025-02-12'));
    expect(numbers(l, at('2025-02-12'))).toEqual({ balance: 30, held: 0, available: 30 });
    const last = log(l).slice(-2);
    expect(last.map((t) => [t.type, t.amount, t.balance_after])).toEqual([
      ['usage', -4, 36],
      ['expiry', -6, 30],
    ]);
    expect(l.verify()).toEqual([]);
  });

  it('releases a hold across a renewal: its credits expire with the period they came from', () => {
    const anchor = at('2025-01-10');
    const l = ledgerWith('basic', anchor);
    const h = l.run<Hold>(
      'org_a',
      { type: 'hold', amount: 10, ttl_seconds: 7 * 24 * 3600 },
      at('2025-02-08'),
    );
    l.run('org_a', { type: 'release', hold_id: h.id }, at('2025-02-11'));
    expect(numbers(l, at('2025-02-11'))).toEqual({ balance: 30, held: 0, available: 30 });
    expect(lastTxn(l).type).toBe('expiry');
    expect(l.verify()).toEqual([]);
  });

  it('expires a hold that runs out exactly at a renewal before the renewal counts unused credits', () => {
    const anchor = at('2025-01-10');
    const l = ledgerWith('basic', anchor);
    l.run<Hold>('org_a', { type: 'hold', amount: 10, ttl_seconds: 2 * 24 * 3600 }, at('2025-02-08'));
    l.run('org_a', { type: 'tick' }, at('2025-02-10'));
    // The hold's credits came back at the very moment their grant expired: they expire too.
    expect(bySource(l)).toMatchObject({ rollover: 10, subscription: 20 });
    expect(numbers(l, at('2025-02-10'))).toEqual({ balance: 30, held: 0, available: 30 });
    expect(l.verify()).toEqual([]);
  });

  it('refuses a new hold at MAX_OPEN_HOLDS open holds with conflict, changing nothing, and takes one again once a hold is resolved', () => {
    const l = ledgerWith('free', t0);
    l.run('org_a', { type: 'adjust', amount: MAX_OPEN_HOLDS + 10, reason: 'many holds' }, t0);
    const holds: Hold[] = [];
    for (let i = 0; i < MAX_OPEN_HOLDS; i++)
      holds.push(l.run<Hold>('org_a', { type: 'hold', amount: 1, ttl_seconds: 3600 }, t0));
    const before = numbers(l, t0);
    const e = refusal(() => l.run('org_a', { type: 'hold', amount: 1, ttl_seconds: 3600 }, t0));
    expect(e.code).toBe('conflict');
    expect(e.extra).toEqual({ open_holds: MAX_OPEN_HOLDS, limit: MAX_OPEN_HOLDS });
    expect(numbers(l, t0)).toEqual(before);
    // A consume opens and resolves its hold in one step: never refused for the limit.
    l.run('org_a', { type: 'consume', usage: image('720p', 1) }, t0);
    l.run('org_a', { type: 'release', hold_id: holds[0]!.id }, t0);
    expect(l.run<Hold>('org_a', { type: 'hold', amount: 1, ttl_seconds: 3600 }, t0).status).toBe('open');
    expect(l.verify()).toEqual([]);
  });
});
