/**
 * Small helpers for the rule tests of this folder: a ledger on the seed's catalog, dates
 * written as text, and short ways to read an org's numbers and to catch a refusal.
 * Test-only: nothing outside the *.test.ts files imports this.
 */
import { type Catalog, defaultCatalog, parseCatalog, type TierId } from './catalog.ts';
import { DomainError } from './errors.ts';
import type { Transaction } from './journal.ts';
import { MemoryLedger } from './memory-ledger.ts';
import { availableOf, balanceOf, type GrantSource, heldOf, type Usage } from './state.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** An instant in UTC: `at('2025-01-31')` or `at('2025-01-31T12:00')`. */
export function at(iso: string): number {
  const s = iso.length === 10 ? `${iso}T00:00:00Z` : iso.endsWith('Z') ? iso : `${iso}Z`;
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`bad date ${iso}`);
  return t;
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** The seed's catalog with some fields replaced (validated like a config file). */
export function catalogWith(patch: Record<string, unknown>): Catalog {
  return parseCatalog({ ...structuredClone(defaultCatalog), ...patch });
}

export interface OrgTerms {
  allocation?: number;
  rollover_cap?: number;
  overage_limit?: number;
}

/** A ledger with one org `org_a` created on `tier` at `now`. */
export function ledgerWith(tier: TierId, now: number, terms: OrgTerms = {}, catalog = defaultCatalog) {
  const ledger = new MemoryLedger(catalog);
  ledger.createOrg({ id: 'org_a', name: 'Acme', tier, ...terms }, now);
  return ledger;
}

/** Usage of `image.generate` at a resolution: 720p/1080p/4k/8k cost 1/2/3/4 credits each. */
export function image(
  operation: '720p' | '1080p' | '4k' | '8k',
  quantity = 1,
  extra: Partial<Usage> = {},
): Usage {
  return { tool: 'image.generate', operation, quantity, ...extra };
}

/** The three numbers of the top navigation bar, as of `now` (the org's last command). */
export function numbers(ledger: MemoryLedger, now: number, orgId = 'org_a') {
  const s = ledger.org(orgId);
  return { balance: balanceOf(s), held: heldOf(s), available: availableOf(s, now) };
}

/** Credits left in the org's open grants, by source. */
export function bySource(ledger: MemoryLedger, orgId = 'org_a'): Record<GrantSource, number> {
  const out: Record<GrantSource, number> = {
    free: 0,
    subscription: 0,
    rollover: 0,
    purchase: 0,
    adjustment: 0,
  };
  for (const g of ledger.org(orgId).grants) if (g.closed_at === null) out[g.source] += g.remaining;
  return out;
}

export function openGrants(ledger: MemoryLedger, orgId = 'org_a', source?: GrantSource) {
  return ledger.all(orgId).grants.filter((g) => g.closed_at === null && (!source || g.source === source));
}

/** The user-facing log, oldest first (the API lists it newest first). */
export function log(ledger: MemoryLedger, orgId = 'org_a'): Transaction[] {
  return ledger.transactions(orgId, true);
}

export function lastTxn(ledger: MemoryLedger, orgId = 'org_a', type?: Transaction['type']): Transaction {
  const all = ledger.transactions(orgId, false).filter((t) => !type || t.type === type);
  const t = all[all.length - 1];
  if (!t) throw new Error(`no ${type ?? ''} transaction in ${orgId}`);
  return t;
}

/** Runs `fn`, which must be refused; returns the refusal so the test can read its fields. */
export function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a refusal, but the command succeeded');
}

/**
 * A ledger that has seen every kind of transaction: free grant, upgrade, rollover and
 * expiry at renewals, purchases and a refund, holds captured, released and expired
 * (one across a renewal), adjustments both ways, a downgrade and a cancel, and an
 * Enterprise org on its credit line.
 */
export function busyLedger(): MemoryLedger {
  const l = new MemoryLedger(defaultCatalog);
  let now = at('2025-01-31T10:00');
  const tick = (ms: number) => {
    now += ms;
    return now;
  };
  l.createOrg({ id: 'org_a', name: 'Acme', tier: 'free' }, now);
  l.createOrg(
    {
      id: 'org_e',
      name: 'Enterprise',
      tier: 'enterprise',
      allocation: 100,
      rollover_cap: 50,
      overage_limit: 40,
    },
    now,
  );
  l.run('org_a', { type: 'change_tier', tier: 'basic' }, tick(DAY));
  const p = l.run<{ id: string }>('org_a', { type: 'purchase_create', pack: 'pack_50' }, tick(HOUR));
  l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, tick(HOUR));
  l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, tick(HOUR));
  l.run('org_a', { type: 'consume', usage: image('4k', 3) }, tick(HOUR));
  const h1 = l.run<{ id: string }>('org_a', { type: 'hold', amount: 12, ttl_seconds: 3600 }, tick(HOUR));
  l.run('org_a', { type: 'capture', hold_id: h1.id, amount: 7, usage: image('720p', 7) }, tick(MINUTE));
  const h2 = l.run<{ id: string }>('org_a', { type: 'hold', amount: 5, ttl_seconds: 600 }, tick(HOUR));
  l.run('org_a', { type: 'release', hold_id: h2.id }, tick(MINUTE));
  l.run('org_a', { type: 'hold', amount: 4, ttl_seconds: 600 }, tick(HOUR)); // left to expire
  l.run('org_a', { type: 'adjust', amount: 10, reason: 'support credit' }, tick(DAY));
  l.run('org_a', { type: 'adjust', amount: -3, reason: 'correction' }, tick(HOUR));
  const h3 = l.run<{ id: string }>(
    'org_a',
    { type: 'hold', amount: 18, ttl_seconds: 5 * 24 * 3600 },
    at('2025-02-27'),
  );
  l.run('org_a', { type: 'tick' }, at('2025-03-02')); // renewal on Mar 1 with 18 credits held
  l.run(
    'org_a',
    { type: 'capture', hold_id: h3.id, amount: 9, usage: image('1080p', 4) },
    at('2025-03-02T01:00'),
  );
  l.run('org_a', { type: 'change_tier', tier: 'pro' }, at('2025-03-05'));
  l.run('org_a', { type: 'purchase_refund', purchase_id: p.id }, at('2025-03-06'));
  l.run('org_a', { type: 'change_tier', tier: 'basic' }, at('2025-03-07'));
  l.run('org_a', { type: 'cancel' }, at('2025-04-06'));
  l.run('org_a', { type: 'tick' }, at('2025-06-01'));

  l.run('org_e', { type: 'consume', amount: 130, usage: image('720p', 130) }, at('2025-02-10'));
  const h4 = l.run<{ id: string }>('org_e', { type: 'hold', amount: 5, ttl_seconds: 600 }, at('2025-02-11'));
  l.run('org_e', { type: 'adjust', amount: 20, reason: 'credit' }, at('2025-02-11'));
  l.run('org_e', { type: 'release', hold_id: h4.id }, at('2025-02-11T00:01'));
  l.run('org_e', { type: 'tick' }, at('2025-04-01'));
  return l;
}
