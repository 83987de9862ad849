/**
 * How a transaction is stored (decision 0013): its row's columns (org, type, amount, time,
 * visibility) are not repeated in its body, nor are empty fields, nor postings that follow
 * from its sources by the usual rule (checked when packing: postings that do not are
 * stored). A consume's body shrinks from ≈ 480 to ≈ 230 bytes, written once per operation
 * and parsed by PostgreSQL in every batch statement. Bodies stored whole before this format
 * (they hold `org_id`) are read as they are.
 */
import type { Posting, Transaction } from '../core/index.ts';
import { num } from './sql.ts';

/** The columns a stored transaction is read from. */
export const TXN_COLUMNS = 'org_id, type, amount, created_at, visible, body';

export interface StoredTxn {
  org_id: string;
  type: unknown;
  amount: unknown;
  created_at: unknown;
  visible: unknown;
  body: string;
}

interface PackedBody {
  id: string;
  balance_after: number;
  sources?: Transaction['sources'];
  usage?: Transaction['usage'];
  hold_id?: string;
  purchase_id?: string;
  description: string;
  postings?: Posting[];
}

/**
 * The usual postings: each source gives its credits from its grant, and the transaction's
 * own type (usage, expiry, …) takes the total. Zero amounts are left out, as `record` does.
 */
function derivedPostings(t: { type: string; amount: number; sources: Transaction['sources'] }): Posting[] {
  const out: Posting[] = [];
  for (const s of t.sources)
    if (s.amount !== 0) out.push({ account: `grant:${s.grant_id}`, amount: -s.amount });
  if (t.amount !== 0) out.push({ account: t.type, amount: -t.amount });
  return out;
}

function samePostings(a: Posting[], b: Posting[]) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (a[i]!.account !== b[i]!.account || a[i]!.amount !== b[i]!.amount) return false;
  return true;
}

/** The body to store beside the row's columns. */
export function packTxn(t: Transaction): string {
  const b: PackedBody = { id: t.id, balance_after: t.balance_after, description: t.description };
  if (t.sources.length > 0) b.sources = t.sources;
  if (t.usage !== null) b.usage = t.usage;
  if (t.hold_id !== null) b.hold_id = t.hold_id;
  if (t.purchase_id !== null) b.purchase_id = t.purchase_id;
  if (!samePostings(t.postings, derivedPostings(t))) b.postings = t.postings;
  return JSON.stringify(b);
}

/** The transaction a stored row holds, with its fields in their usual order. */
export function unpackTxn(r: StoredTxn): Transaction {
  const b = JSON.parse(r.body) as PackedBody & Partial<Transaction>;
  if (b.org_id !== undefined) return b as Transaction; // stored whole, before this format
  const type = r.type as Transaction['type'];
  const amount = num(r.amount);
  const sources = b.sources ?? [];
  return {
    id: b.id,
    org_id: r.org_id,
    type,
    amount,
    balance_after: b.balance_after,
    sources,
    usage: b.usage ?? null,
    hold_id: b.hold_id ?? null,
    purchase_id: b.purchase_id ?? null,
    description: b.description,
    created_at: num(r.created_at),
    postings: b.postings ?? derivedPostings({ type, amount, sources }),
    visible: r.visible === true || r.visible === 1,
  };
}
