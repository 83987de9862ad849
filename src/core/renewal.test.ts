import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from './catalog.ts';
import type { MemoryLedger } from './memory-ledger.ts';
import { forfeitAtRenewal } from './renewal.ts';
import { at, bySource, DAY, image, iso, ledgerWith, log, numbers } from './test-helpers.ts';

const anchor = at('2025-01-10T08:00');
const renewalsOf = (l: MemoryLedger) => log(l).filter((t) => t.type === 'allocation');

describe('renewal', () => {
  it('ends three idle months on Basic at 40 rollover + 20 subscription (balance 60)', () => {
    const l = ledgerWith('basic', anchor);
    const seen: number[][] = [];
    for (const d of ['2025-02-10T08:00', '2025-03-10T08:00', '2025-04-10T08:00']) {
      l.run('org_a', { type: 'tick' }, at(d));
      const s = bySource(l);
      seen.push([s.rollover, s.subscription, numbers(l, at(d)).balance]);
    }
    expect(seen).toEqual([
      [20, 20, 40],
      [40, 20, 60],
      [40, 20, 60],
    ]);
    // The third renewal had 60 unused: 40 carried, 20 expired, as one visible log line.
    const expiry = log(l).filter((t) => t.type === 'expiry');
    expect(expiry.map((t) => [t.amount, iso(t.created_at)])).toEqual([[-20, '2025-04-10T08:00:00.000Z']]);
    expect(l.verify()).toEqual([]);
  });

  it('lets rolled-over credits roll again', () => {
    const l = ledgerWith('basic', anchor);
    l.run('org_a', { type: 'tick' }, at('2025-03-10T08:00'));
    const rollovers = log(l).filter((t) => t.type === 'rollover');
    expect(rollovers).toHaveLength(2);
    // The second rollover carries the first rollover grant's credits, then the subscription's.
    expect(rollovers[1]!.sources.map((s) => [s.source, s.amount])).toEqual([
      ['rollover', 20],
      ['subscription', 20],
    ]);
    // Moving credits between grants does not change the balance: the log line's amount is 0.
    expect(rollovers.map((t) => t.amount)).toEqual([0, 0]);
  });

  it('gives new rollover and subscription grants the new period end as expiry', () => {
    const l = ledgerWith('basic', anchor);
    l.run('org_a', { type: 'tick' }, at('2025-02-10T08:00'));
    const open = l.org('org_a').grants.filter((g) => g.closed_at === null);
    expect(open.map((g) => [g.source, iso(g.expires_at!)])).toEqual([
      ['rollover', '2025-03-10T08:00:00.000Z'],
      ['subscription', '2025-03-10T08:00:00.000Z'],
    ]);
    expect(l.org('org_a').subscription).toMatchObject({
      period_index: 1,
      period_start: at('2025-02-10T08:00'),
      period_end: at('2025-03-10T08:00'),
    });
  });

  it('renews on the clamped month end and returns to the anchor day (Jan 31 → Feb 28 → Mar 31)', () => {
    const l = ledgerWith('basic', at('2025-01-31'));
    l.run('org_a', { type: 'tick' }, at('2025-04-01'));
    expect(renewalsOf(l).map((t) => iso(t.created_at).slice(0, 10))).toEqual([
      '2025-01-31',
      '2025-02-28',
      '2025-03-31',
    ]);
  });

  it('never leaves more than allocation + cap in subscription and rollover credits after a renewal', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('basic', 'pro', 'business' as const),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 40 * DAY }), fc.integer({ min: 0, max: 60 })), {
          maxLength: 20,
        }),
        (tier, steps) => {
          const l = ledgerWith(tier, anchor);
          const { allocation, rollover_cap } = defaultCatalog.tiers.find((t) => t.id === tier)!;
          let now = anchor;
          for (const [dt, spend] of steps) {
            now += dt;
            l.run('org_a', { type: 'tick' }, now);
            const s = bySource(l);
            expect(s.subscription).toBeLessThanOrEqual(allocation);
            expect(s.rollover).toBeLessThanOrEqual(rollover_cap);
            const n = Math.min(spend, numbers(l, now).available);
            if (n > 0) l.run('org_a', { type: 'consume', amount: n, usage: image('720p', n) }, now);
          }
          expect(l.verify()).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('catches up several missed periods one by one, in order, with the cap of each', () => {
    const l = ledgerWith('basic', anchor);
    l.run('org_a', { type: 'tick' }, at('2025-05-01')); // down since before Feb 10: 3 renewals due
    expect(log(l).map((t) => [t.type, t.amount, t.balance_after, iso(t.created_at).slice(0, 10)])).toEqual([
      ['allocation', 20, 20, '2025-01-10'],
      ['rollover', 0, 20, '2025-02-10'],
      ['allocation', 20, 40, '2025-02-10'],
      ['rollover', 0, 40, '2025-03-10'],
      ['allocation', 20, 60, '2025-03-10'],
      ['expiry', -20, 40, '2025-04-10'],
      ['rollover', 0, 40, '2025-04-10'],
      ['allocation', 20, 60, '2025-04-10'],
    ]);
    expect(l.org('org_a').subscription.period_index).toBe(3);
  });

  it('catches up a downgrade scheduled before the outage at the first missed period end', () => {
    const l = ledgerWith('business', anchor);
    l.run('org_a', { type: 'change_tier', tier: 'basic' }, at('2025-01-20'));
    l.run('org_a', { type: 'tick' }, at('2025-04-01')); // Feb 10 (→ Basic) and Mar 10 are due
    const renewals = l.events.filter((e) => e.type.startsWith('subscription.') && e.at > anchor);
    expect(renewals.map((e) => [e.type, e.data.tier, e.data.carried, e.data.forfeited])).toEqual([
      ['subscription.changed', 'basic', 40, 110],
      ['subscription.renewed', 'basic', 40, 20],
    ]);
    expect(bySource(l)).toMatchObject({ rollover: 40, subscription: 20 });
  });

  it('is idempotent: running the renewal twice, or at the same moment again, changes nothing', () => {
    const l = ledgerWith('basic', anchor);
    l.run('org_a', { type: 'tick' }, at('2025-02-10T08:00'));
    const state = structuredClone(l.org('org_a'));
    const n = l.journal.length;
    l.run('org_a', { type: 'tick' }, at('2025-02-10T08:00'));
    l.run('org_a', { type: 'tick' }, at('2025-02-10T09:00'));
    expect(l.org('org_a')).toEqual(state);
    expect(l.journal).toHaveLength(n);
  });

  it('gives the same state and log whether time advances in many small steps or one big one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20 * DAY }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 19 }),
        (steps, spend) => {
          const run = (ticks: number[]) => {
            const l = ledgerWith('basic', anchor);
            // An open hold that expires somewhere in the middle makes the order of events matter.
            if (spend > 0)
              l.run('org_a', { type: 'hold', amount: spend, ttl_seconds: 5 * 24 * 3600 }, anchor + DAY);
            for (const t of ticks) l.run('org_a', { type: 'tick' }, t);
            return { state: l.org('org_a'), journal: l.journal, events: l.events };
          };
          const times: number[] = [];
          let now = anchor + DAY;
          for (const s of steps) {
            now += s;
            times.push(now);
          }
          expect(run(times)).toEqual(run([now]));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('tells how many credits the next renewal would forfeit over the cap', () => {
    const l = ledgerWith('basic', anchor);
    l.run('org_a', { type: 'tick' }, at('2025-03-10T08:00')); // 40 rollover + 20 subscription
    expect(forfeitAtRenewal({ state: l.org('org_a'), catalog: defaultCatalog })).toBe(20);
    l.run('org_a', { type: 'consume', amount: 15, usage: image('720p', 15) }, at('2025-03-11'));
    expect(forfeitAtRenewal({ state: l.org('org_a'), catalog: defaultCatalog })).toBe(5);
    l.run('org_a', { type: 'cancel' }, at('2025-03-12'));
    expect(forfeitAtRenewal({ state: l.org('org_a'), catalog: defaultCatalog })).toBe(45);
  });

  it('does not renew a Free org: its free credits never expire', () => {
    const l = ledgerWith('free', anchor);
    l.run('org_a', { type: 'tick' }, at('2027-01-01'));
    expect(numbers(l, at('2027-01-01')).balance).toBe(5);
    expect(log(l).map((t) => t.type)).toEqual(['free_grant']);
  });
});
