/**
 * The rows one batch writes, as both databases' `writeBatch` receive them (built once, in
 * batch-save.ts). Apart from both so the dialect can name them without importing the save
 * path that uses the dialect.
 */
import type { HistoryRow } from './history-rows.ts';
import type { UsageCell } from './usage-rollup.ts';

export interface OrgRow {
  id: string;
  version: number;
  due: number | null;
  open: number;
  /** The state's JSON. */
  state: string;
}

export interface TxnRow {
  org_id: string;
  seq: number;
  id: string;
  type: string;
  visible: boolean;
  amount: number;
  created_at: number;
  member_id: string | null;
  project_id: string | null;
  /** The transaction's JSON. */
  body: string;
}

export interface IdempotencyRow {
  org_id: string;
  key: string;
  fingerprint: string;
  status: number;
  body: string;
  created_at: number;
}

export interface BatchRows {
  /** Orgs that existed before the batch, and orgs it created. */
  updated: OrgRow[];
  created: OrgRow[];
  txns: TxnRow[];
  usage: UsageCell[];
  events: { org_id: string; type: string; at: number; data: string }[];
  /** Closed grants and resolved holds that left their org's state (history-rows.ts). */
  history: HistoryRow[];
  /** One record per (org, key): the first of the batch, the one its later operations replayed. */
  idempotency: IdempotencyRow[];
  /** Orgs whose member list is rewritten, with the members they have now. */
  members: { org_id: string; members: { id: string; email: string; role: string }[] }[];
  /** Every org the batch changed (PostgreSQL announces them at commit). */
  changed: string[];
}
