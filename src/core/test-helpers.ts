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
  return ledger.org(orgId).grants.filter((g) => g.closed_at === null && (!source || g.source === source));
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
