/**
 * What a tier would have cost over past periods, with packs bought whenever its credits ran
 * out. A replay of the ledger's rules on the usage that happened: each period the tier's
 * allocation arrives, unused subscription credits carry over up to its rollover cap, and
 * usage draws rollover and subscription credits before purchased ones (the draw order).
 * Purchased credits never expire, so what is left of a pack serves the next periods; when
 * they run out, the cheapest pack combination covering the rest of that period is bought.
 */
import type { Money, Pack, Tier, TierId } from '../catalog.ts';
import { cheapestPacks, type PackLine } from './packs.ts';

export interface TierTerms {
  id: TierId;
  name: string;
  /** Credits per period (0 for a tier that does not renew). */
  allocation: number;
  rollover_cap: number;
  /** Per period; null = no subscription price (Free). */
  price: Tier['price'];
}

export interface TierCost {
  tier: TierId;
  /** Subscription plus packs. */
  total: Money;
  subscription: Money;
  packs: PackLine[];
  packs_price: Money;
  pack_credits: number;
  /** The subscription price is a shipped example, not a real price. */
  example: boolean;
}

export function costOfTier(
  terms: TierTerms,
  usedPerPeriod: readonly number[],
  packs: readonly Pack[],
  currency: string,
): TierCost {
  const perPeriod = terms.price?.amount ?? 0;
  let carry = 0;
  let packLeft = 0;
  let packCents = 0;
  let packCredits = 0;
  const bought = new Map<string, PackLine>();
  for (const used of usedPerPeriod) {
    const subscription = terms.allocation + carry;
    const fromSubscription = Math.min(used, subscription);
    let rest = used - fromSubscription;
    const fromPacks = Math.min(rest, packLeft);
    packLeft -= fromPacks;
    rest -= fromPacks;
    if (rest > 0) {
      const plan = cheapestPacks(packs, rest, currency);
      packLeft += plan.credits - rest;
      packCents += plan.price.amount;
      packCredits += plan.credits;
      for (const l of plan.packs) {
        const b = bought.get(l.id);
        if (b) {
          b.count += l.count;
          b.credits += l.credits;
          b.price = { amount: b.price.amount + l.price.amount, currency: b.price.currency };
        } else bought.set(l.id, { ...l, price: { ...l.price } });
      }
    }
    carry = Math.min(subscription - fromSubscription, terms.rollover_cap);
  }
  const subscriptionCents = perPeriod * usedPerPeriod.length;
  return {
    tier: terms.id,
    total: { amount: subscriptionCents + packCents, currency },
    subscription: { amount: subscriptionCents, currency },
    packs: packs.flatMap((p) => {
      const b = bought.get(p.id);
      return b ? [b] : [];
    }),
    packs_price: { amount: packCents, currency },
    pack_credits: packCredits,
    example: terms.price?.example === true && usedPerPeriod.length > 0,
  };
}
