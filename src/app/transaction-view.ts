/**
 * The transaction log as people and programs outside see it, shared by the API and the
 * CLI's export (so `amisi export` prints what `GET /transactions` answers): RFC 3339 UTC
 * times, snake_case fields, nothing internal (journal postings, the `visible` flag), and
 * the same log as CSV (RFC 4180), safe to open in a spreadsheet. Pure: no I/O.
 */
import type { Transaction, Usage } from '../core/index.ts';

export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export interface UsageView {
  tool: string;
  operation: string;
  quantity: number;
  params?: Record<string, string | number>;
  member_id: string | null;
  project_id: string | null;
  job_id?: string | null;
  metadata?: Usage['metadata'];
}

export interface TransactionView {
  id: string;
  type: string;
  amount: number;
  balance_after: number;
  sources: { grant_id: string; source: string; amount: number }[];
  usage?: UsageView;
  hold_id: string | null;
  purchase_id: string | null;
  description: string;
  created_at: string;
}

function presentUsage(u: Usage): UsageView {
  const out: UsageView = {
    tool: u.tool,
    operation: u.operation,
    quantity: u.quantity,
    member_id: u.member_id ?? null,
    project_id: u.project_id ?? null,
  };
  if (u.params !== undefined) out.params = u.params;
  if (u.job_id != null) out.job_id = u.job_id;
  if (u.metadata !== undefined) out.metadata = u.metadata;
  return out;
}

export function presentTxn(t: Transaction): TransactionView {
  const out: TransactionView = {
    id: t.id,
    type: t.type,
    amount: t.amount,
    balance_after: t.balance_after,
    sources: t.sources.map((s) => ({ grant_id: s.grant_id, source: s.source, amount: s.amount })),
    hold_id: t.hold_id,
    purchase_id: t.purchase_id,
    description: t.description,
    created_at: iso(t.created_at),
  };
  if (t.usage) out.usage = presentUsage(t.usage);
  return out;
}

const CSV_HEADER = [
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
  const lines = [CSV_HEADER.join(',')];
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
