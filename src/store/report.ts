/** Usage reports, the same for every dialect: rollup cells for whole days, log rows for the edges. */
import type { Transaction } from '../core/index.ts';
import { page } from './outbox-rows.ts';
import { type StoredTxn, unpackTxn } from './txn-rows.ts';
import type { Page, UsageGroup, UsageRow } from './types.ts';
import { rollUp, type UsageCell } from './usage-rollup.ts';

export function reportKey(
  group: UsageGroup,
  c: { day: number; tool: string; operation: string; member_id: string; project_id: string },
): string {
  switch (group) {
    case 'tool':
      return c.tool;
    case 'operation':
      return `${c.tool}/${c.operation}`;
    case 'member':
      return c.member_id || 'unassigned';
    case 'project':
      return c.project_id || 'unassigned';
    case 'day':
      return new Date(c.day).toISOString().slice(0, 10);
  }
}

/** Sums rollup cells and edge-day usage transactions into report rows, biggest first. */
export function assembleReport(
  group: UsageGroup,
  cells: Iterable<Omit<UsageCell, 'org_id'>>,
  edge: Iterable<Transaction>,
): UsageRow[] {
  const rows = new Map<string, UsageRow>();
  const add = (c: Omit<UsageCell, 'org_id'>) => {
    const key = reportKey(group, c);
    const r = rows.get(key) ?? { key, credits: 0, count: 0 };
    r.credits += c.credits;
    r.count += c.count;
    rows.set(key, r);
  };
  for (const c of cells) add(c);
  for (const c of rollUp([...edge])) add(c);
  return [...rows.values()].sort((a, b) => b.credits - a.credits || (a.key < b.key ? -1 : 1));
}

/** One page of the log from `limit + 1` rows read newest first. */
export function pageOf(rows: StoredTxn[], limit: number): Page<Transaction> {
  return page(rows.map(unpackTxn), limit);
}
