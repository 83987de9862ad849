/**
 * The org's read side the API lists: the transaction log (brought up to `now` first, so
 * expiries and renewals due are in it), usage reports, API keys, and whether the
 * database answers at all.
 */
import type { Transaction } from '../core/index.ts';
import type { ApiKey, Page, TransactionFilter, UsageGroup, UsageRow } from '../store/types.ts';
import type { AppDeps } from './deps.ts';

export async function transactionsOf(
  deps: AppDeps,
  orgId: string,
  filter: TransactionFilter,
): Promise<Page<Transaction>> {
  await deps.store.catchUp(orgId, deps.clock.now());
  return deps.store.listTransactions(orgId, filter);
}

/** Like `transactionsOf`, for a caller that pages through the log itself (one catch-up). */
export async function transactionPages(deps: AppDeps, orgId: string) {
  await deps.store.catchUp(orgId, deps.clock.now());
  return (filter: TransactionFilter) => deps.store.listTransactions(orgId, filter);
}

export const usageReport = (
  deps: AppDeps,
  orgId: string,
  group: UsageGroup,
  from: number | null,
  to: number | null,
): Promise<UsageRow[]> => deps.store.usageReport(orgId, group, from, to);

/** Oldest first, as stored. */
export const apiKeysOf = (deps: AppDeps, orgId: string): Promise<ApiKey[]> => deps.store.listApiKeys(orgId);

/** Throws when the database does not answer (readiness). */
export const databaseAnswers = (deps: AppDeps) => deps.store.ping();
