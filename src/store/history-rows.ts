/**
 * The history table: grants, holds and purchases that left their org's state
 * (core/archive.ts), one row each, keyed (org_id, kind, seq) where seq is the id's counter,
 * so newest first is `seq DESC`. `status` is the column the lists filter on: a hold's or
 * purchase's status, and `live` or `closed` for a grant (as GET …/grants names them).
 */
import type { Archived, Grant, Hold, Purchase } from '../core/index.ts';
import { seqOf } from './seq.ts';

export type HistoryKind = 'grant' | 'hold' | 'purchase';
export type HistoryItem<K extends HistoryKind> = K extends 'grant'
  ? Grant
  : K extends 'hold'
    ? Hold
    : Purchase;

export interface HistoryRow {
  org_id: string;
  kind: HistoryKind;
  seq: number;
  id: string;
  status: string;
  /** A purchase's payment (a payment fulfils one purchase: found by it when archived). */
  payment_id: string | null;
  /** The item's JSON. */
  body: string;
}

export const grantStatus = (g: Grant) => (g.closed_at === null ? 'live' : 'closed');

export function historyRows(orgId: string, a: Archived): HistoryRow[] {
  const row = (
    kind: HistoryKind,
    x: { id: string; payment_id?: string | null },
    status: string,
  ): HistoryRow => ({
    org_id: orgId,
    kind,
    seq: seqOf(x.id)!,
    id: x.id,
    status,
    payment_id: x.payment_id ?? null,
    body: JSON.stringify(x),
  });
  return [
    ...a.grants.map((g) => row('grant', g, grantStatus(g))),
    ...a.holds.map((h) => row('hold', h, h.status)),
    ...a.purchases.map((p) => row('purchase', p, p.status)),
  ];
}

/**
 * A batch's history rows, one per item: an item archived twice in one batch (a purchase
 * put back for a refund leaves again) is written as it last left.
 */
export function lastOfEach(rows: HistoryRow[]): HistoryRow[] {
  const byKey = new Map<string, HistoryRow>();
  for (const r of rows) byKey.set(`${r.org_id}\u0000${r.kind}\u0000${r.seq}`, r);
  return [...byKey.values()];
}
