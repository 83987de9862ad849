/** The transaction log as CSV (RFC 4180), safe to open in a spreadsheet. */
import type { Transaction } from '../../core/index.ts';
import { iso } from '../present.ts';

const HEADER = [
  'id',
  'created_at',
  'type',
  'amount',
  'balance_after',
  'sources',
  'tool',
  'operation',
  'quantity',
  'member_id',
  'project_id',
  'job_id',
  'hold_id',
  'purchase_id',
  'description',
];

/** Quotes when needed, and defuses text a spreadsheet would run as a formula. */
function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n']/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(txns: Transaction[]): string {
  const lines = [HEADER.join(',')];
  for (const t of txns) {
    const u = t.usage;
    lines.push(
      [
        t.id,
        iso(t.created_at),
        t.type,
        t.amount,
        t.balance_after,
        t.sources.map((s) => `${s.source}:${s.grant_id}:${s.amount}`).join(' '),
        u?.tool,
        u?.operation,
        u?.quantity,
        u?.member_id,
        u?.project_id,
        u?.job_id,
        t.hold_id,
        t.purchase_id,
        t.description,
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
