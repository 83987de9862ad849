/**
 * Usage sums per (org, day, tool, operation, member, project), kept in step with the log
 * in the same commit, so usage reports read a few rows per day instead of every charge.
 */
import type { Transaction } from '../core/index.ts';

export const DAY_MS = 86_400_000;

export interface UsageCell {
  org_id: string;
  day: number;
  tool: string;
  operation: string;
  member_id: string;
  project_id: string;
  credits: number;
  count: number;
}

/** Folds a batch's usage transactions into cells (one upsert per distinct cell). */
export function rollUp(txns: Transaction[]): UsageCell[] {
  const cells = new Map<string, UsageCell>();
  for (const t of txns) {
    if (t.type !== 'usage' || !t.usage) continue;
    const day = Math.floor(t.created_at / DAY_MS) * DAY_MS;
    const member_id = t.usage.member_id ?? '';
    const project_id = t.usage.project_id ?? '';
    const k = `${t.org_id}\u0000${day}\u0000${t.usage.tool}\u0000${t.usage.operation}\u0000${member_id}\u0000${project_id}`;
    let c = cells.get(k);
    if (!c) {
      c = {
        org_id: t.org_id,
        day,
        tool: t.usage.tool,
        operation: t.usage.operation,
        member_id,
        project_id,
        credits: 0,
        count: 0,
      };
      cells.set(k, c);
    }
    c.credits += -t.amount;
    c.count += t.usage.quantity;
  }
  return [...cells.values()];
}

/** Splits [from, to) into whole days (read from the rollup) and the partial edges (read from the log). */
export function splitRange(from: number | null, to: number | null) {
  const lo = from ?? 0;
  const hi = to ?? 8.64e15;
  const firstWhole = Math.ceil(lo / DAY_MS) * DAY_MS;
  const lastWhole = Math.floor(hi / DAY_MS) * DAY_MS;
  if (firstWhole >= lastWhole) return { whole: null, edges: [[lo, hi]] as [number, number][] };
  const edges: [number, number][] = [];
  if (lo < firstWhole) edges.push([lo, firstWhole]);
  if (lastWhole < hi) edges.push([lastWhole, hi]);
  return { whole: [firstWhole, lastWhole] as [number, number], edges };
}
