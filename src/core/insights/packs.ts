/**
 * The cheapest combination of credit packs that covers a number of credits: an unbounded
 * knapsack over the configured packs ("at least `need` credits, fewest cents"). Exact up to
 * EXACT_LIMIT credits; beyond that the bulk is bought in the pack with the lowest price per
 * credit and only the last EXACT_LIMIT credits are optimised (a limit on everything: the
 * table is never larger than EXACT_LIMIT + 1 entries, whatever the request).
 */
import type { Money, Pack } from '../catalog.ts';
import { cheaperPerCredit, type PricePerCredit, pricePerCredit } from '../price-per-credit.ts';

export const EXACT_LIMIT = 10_000;

export interface PackLine {
  id: string;
  count: number;
  credits: number;
  /** The price of all `count` packs. */
  price: Money;
  /** What one credit of this pack costs. */
  price_per_credit: PricePerCredit;
}

export interface PackPlan {
  packs: PackLine[];
  credits: number;
  price: Money;
}

export function cheapestPacks(packs: readonly Pack[], need: number, currency: string): PackPlan {
  if (!Number.isInteger(need)) throw new Error(`invariant violated: need must be an integer, got ${need}`);
  if (need <= 0 || packs.length === 0) return { packs: [], credits: 0, price: { amount: 0, currency } };

  const counts = new Map<string, number>();
  let rest = need;
  if (rest > EXACT_LIMIT) {
    let best = packs[0]!;
    for (const p of packs) if (cheaperPerCredit(p, best)) best = p;
    const bulk = Math.ceil((rest - EXACT_LIMIT) / best.credits);
    counts.set(best.id, bulk);
    rest = Math.max(0, rest - bulk * best.credits);
  }

  // cost[c], bought[c], n[c]: the best way to cover at least c credits; ties go to fewer
  // credits bought (less left over), then to fewer packs.
  const cost = new Array<number>(rest + 1).fill(0);
  const bought = new Array<number>(rest + 1).fill(0);
  const n = new Array<number>(rest + 1).fill(0);
  const choice = new Array<number>(rest + 1).fill(-1);
  for (let c = 1; c <= rest; c++) {
    let bc = Number.POSITIVE_INFINITY;
    let bb = 0;
    let bn = 0;
    let bi = -1;
    for (let i = 0; i < packs.length; i++) {
      const p = packs[i]!;
      const prev = Math.max(0, c - p.credits);
      const pc = cost[prev]! + p.price.amount;
      const pb = bought[prev]! + p.credits;
      const pn = n[prev]! + 1;
      if (pc < bc || (pc === bc && (pb < bb || (pb === bb && pn < bn)))) {
        bc = pc;
        bb = pb;
        bn = pn;
        bi = i;
      }
    }
    cost[c] = bc;
    bought[c] = bb;
    n[c] = bn;
    choice[c] = bi;
  }
  for (let c = rest; c > 0; ) {
    const p = packs[choice[c]!]!;
    counts.set(p.id, (counts.get(p.id) ?? 0) + 1);
    c = Math.max(0, c - p.credits);
  }

  const lines: PackLine[] = [];
  let credits = 0;
  let cents = 0;
  for (const p of packs) {
    const count = counts.get(p.id);
    if (!count) continue;
    lines.push({
      id: p.id,
      count,
      credits: count * p.credits,
      price: { amount: count * p.price.amount, currency: p.price.currency },
      price_per_credit: pricePerCredit(p.price, p.credits),
    });
    credits += count * p.credits;
    cents += count * p.price.amount;
  }
  return { packs: lines, credits, price: { amount: cents, currency } };
}

/** "2 × pack_20" style, for reasons and details. */
export const describePacks = (lines: readonly PackLine[]) =>
  lines.map((l) => (l.count === 1 ? l.id : `${l.count} × ${l.id}`)).join(' + ');
