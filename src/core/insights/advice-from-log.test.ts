/**
 * Every figure of an advice answer is reproducible from the transaction log. For a usage
 * shape, each tier is lived through on the real ledger: the org is created on the tier,
 * each period's usage is charged, and when the credits would run out the cheapest packs for
 * the rest are bought and paid. The money is then re-computed from the log alone —
 * allocations × the tier price + the price of each purchased pack — and must equal the
 * advice's cost row for that tier; the advice itself must be the cheapest row. The periods
 * fed to the advice are read from the current tier's log too (usage and expiry lines).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCatalog, type TierId, tierOf } from '../catalog.ts';
import { MemoryLedger } from '../memory-ledger.ts';
import { addMonths } from '../periods.ts';
import { at, HOUR } from '../test-helpers.ts';
import { cheapestPacks } from './packs.ts';
import { forfeitedIn } from './past-periods.ts';
import { type PeriodUsage, tierFit } from './tier-fit.ts';

const T0 = at('2025-01-15');
const catalog = defaultCatalog;
const windowOf = (k: number) => ({ start: addMonths(T0, k), end: addMonths(T0, k + 1) });

/** Lives `usage` (credits per period) through on `tier`; returns the org's log, oldest first. */
function live(tier: TierId, usage: readonly number[]) {
  const ledger = new MemoryLedger(catalog);
  // A Free org's one-time 5 credits are spent before the first period: the advice does not count them.
  const created = tier === 'free' ? T0 - HOUR : T0;
  ledger.createOrg({ id: 'org_a', name: 'Shape', tier }, created);
  if (tier === 'free')
    ledger.run(
      'org_a',
      { type: 'consume', usage: { tool: 'image.generate', operation: '720p', quantity: 5 } },
      created,
    );
  let payment = 0;
  usage.forEach((u, k) => {
    const t = windowOf(k).start + HOUR;
    ledger.run('org_a', { type: 'tick' }, t);
    const s = ledger.org('org_a');
    const open = s.grants.filter((g) => g.closed_at === null).reduce((n, g) => n + g.remaining, 0);
    const short = u - open;
    if (short > 0)
      for (const line of cheapestPacks(catalog.packs, short, catalog.currency).packs)
        for (let i = 0; i < line.count; i++) {
          const p = ledger.run<{ id: string }>('org_a', { type: 'purchase_create', pack: line.id }, t);
          ledger.run(
            'org_a',
            { type: 'purchase_complete', purchase_id: p.id, payment_id: `pay_${payment++}` },
            t,
          );
        }
    if (u > 0)
      ledger.run(
        'org_a',
        { type: 'consume', usage: { tool: 'image.generate', operation: '720p', quantity: u } },
        t + 1,
      );
  });
  // The renewal closing the last period, so its forfeits are in the log.
  ledger.run('org_a', { type: 'tick' }, windowOf(usage.length).start + HOUR);
  return ledger.transactions('org_a', true);
}

type Log = ReturnType<typeof live>;

/** The money a tier cost over the periods, from the log alone. */
function moneyFromLog(tier: TierId, log: Log, periods: number): number {
  const end = windowOf(periods).start;
  const price = tierOf(catalog, tier).price?.amount ?? 0;
  let cents = 0;
  for (const t of log) {
    if (t.created_at >= end) continue;
    if (t.type === 'allocation') cents += price;
    if (t.type === 'purchase') cents += catalog.packs.find((p) => p.credits === t.amount)!.price.amount;
  }
  return cents;
}

/** The periods the advice looks at, from the log alone: usage and forfeits per window. */
function periodsFromLog(log: Log, n: number): PeriodUsage[] {
  const windows = Array.from({ length: n }, (_, k) => windowOf(k));
  const forfeits = log
    .filter((t) => t.type === 'expiry')
    .map((t) => ({
      at: t.created_at,
      credits: t.sources
        .filter((s) => s.source === 'subscription' || s.source === 'rollover')
        .reduce((a, s) => a + s.amount, 0),
    }));
  const forfeited = forfeitedIn(windows, forfeits);
  return windows.map((w, i) => ({
    ...w,
    used: log
      .filter((t) => t.type === 'usage' && t.created_at >= w.start && t.created_at < w.end)
      .reduce((a, t) => a - t.amount, 0),
    forfeited: forfeited[i]!,
  }));
}

/** Advice for an org on `tier` that used `usage`, checked figure by figure against the log. */
function checkAgainstLog(tier: TierId, usage: number[]) {
  const own = live(tier, usage);
  const periods = periodsFromLog(own, usage.length);
  expect(periods.map((p) => p.used)).toEqual(usage);
  const t = tierOf(catalog, tier);
  const advice = tierFit({
    catalog,
    tier,
    allocation: t.recurring ? t.allocation : 0,
    rollover_cap: t.rollover_cap,
    periods,
  });
  for (const row of advice.costs)
    expect(row.amount.amount, `${row.tier} for ${usage.join(',')}`).toBe(
      moneyFromLog(row.tier, row.tier === tier ? own : live(row.tier, usage), usage.length),
    );
  const cheapest = Math.min(...advice.costs.map((c) => c.amount.amount));
  const advised =
    advice.tier === undefined ? advice.costs[0]! : advice.costs.find((c) => c.tier === advice.tier)!;
  expect(advised.amount.amount, advice.reason).toBe(cheapest);
  return advice;
}

const SHAPES = {
  steady: (base: number, n: number) => Array.from({ length: n }, () => base),
  spiky: (base: number, n: number) => Array.from({ length: n }, (_, k) => (k === n >> 1 ? base * 4 : base)),
  seasonal: (base: number, n: number) =>
    Array.from({ length: n }, (_, k) => Math.round(base * (1 + 0.8 * Math.sin((2 * Math.PI * k) / 4)))),
  growing: (base: number, n: number) => Array.from({ length: n }, (_, k) => Math.round((base * (k + 1)) / n)),
  shrinking: (base: number, n: number) =>
    Array.from({ length: n }, (_, k) => Math.round((base * (n - k)) / n)),
  /** Quiet months banking rollover, then a busy one that draws on it (the cap binds). */
  banked: (base: number, n: number) =>
    Array.from({ length: n }, (_, k) => (k === n - 1 ? base * 3 : base >> 3)),
};

describe('advice reproduced from the transaction log', () => {
  // 40 logs of a year each, sized by count; the limit only stops a hung run.
  it('re-computes every option’s money from the log and recommends the cheapest, for any usage shape', {
    timeout: 300_000,
  }, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(SHAPES) as (keyof typeof SHAPES)[])),
        fc.integer({ min: 0, max: 260 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom<TierId>('free', 'basic', 'pro', 'business'),
        (shape, base, n, tier) => {
          checkAgainstLog(tier, SHAPES[shape](base, n));
        },
      ),
      { numRuns: 40 },
    );
  });

  it.each([
    ['steady', 'basic', [35, 35, 35, 35]],
    ['spiky', 'pro', [40, 45, 160, 42]],
    ['seasonal', 'business', [90, 200, 240, 120, 60, 150]],
    ['growing', 'basic', [10, 20, 30, 40, 50]],
    ['shrinking', 'business', [200, 150, 100, 50, 20]],
    ['banked', 'basic', [0, 0, 0, 80]],
  ] as const)(
    'recommends the cheapest option for %s usage on %s, every figure from the log',
    (_, tier, usage) => {
      checkAgainstLog(tier, [...usage]);
    },
  );

  it('advises Pro, not staying on Basic, at 35 credits a month for four periods: the log says Pro cost less', () => {
    const a = checkAgainstLog('basic', [35, 35, 35, 35]);
    expect(a).toMatchObject({ action: 'upgrade', tier: 'pro' });
  });
});
