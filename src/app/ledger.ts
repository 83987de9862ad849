/**
 * Running one ledger command through the store: the store applies the core's rules in a
 * group commit and replays a repeated idempotency key. A refusal is thrown as the core's
 * DomainError; one that was itself a replay says so on the error (`replayed`).
 */
import { type Command, notFound, type OrgState } from '../core/index.ts';
import type { HistoryItem, HistoryKind } from '../store/history-rows.ts';
import type { BalanceSnapshot, HistoryFilter, Page } from '../store/types.ts';
import type { AppDeps } from './deps.ts';

export interface Written<T> {
  value: T;
  replayed: boolean;
  /** The org's credits right after the write, when the write says (not on a replay). */
  balance?: BalanceSnapshot | null;
}

export async function runCommand<T>(
  deps: AppDeps,
  orgId: string,
  cmd: Command,
  idempotencyKey?: string,
  /** The write's time, when the caller must know it (to tell what the write started). */
  now: number = deps.clock.now(),
): Promise<Written<T>> {
  const opts = { now, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) };
  const r = await deps.store.execute(orgId, cmd, opts);
  deps.onWrite?.(cmd, r);
  if (!r.ok) throw r.error;
  return { value: r.result as T, replayed: r.replayed, balance: r.balance };
}

/** The org as of the clock's now (due renewals and expiries applied), or not_found. */
export async function loadOrg(deps: AppDeps, orgId: string): Promise<OrgState> {
  const state = await deps.store.getOrg(orgId, deps.clock.now());
  if (!state) throw notFound('org', orgId);
  return state;
}

/** Grants, holds or purchases of an org as of the clock's now, newest first: open and closed. */
export async function listHistory<K extends HistoryKind>(
  deps: AppDeps,
  orgId: string,
  kind: K,
  filter: HistoryFilter,
): Promise<Page<HistoryItem<K>>> {
  const page = await deps.store.listHistory(orgId, kind, deps.clock.now(), filter);
  if (!page) throw notFound('org', orgId);
  return page;
}

/** A purchase of the org, open (in its state) or archived (history table); null if none. */
export async function findPurchase(
  deps: AppDeps,
  orgId: string,
  purchaseId: string,
  state?: OrgState | null,
) {
  const s = state === undefined ? await deps.store.getOrg(orgId, deps.clock.now()) : state;
  if (!s) return null;
  return (
    s.purchases.find((x) => x.id === purchaseId) ??
    (await deps.store.findHistory(orgId, 'purchase', purchaseId))
  );
}
