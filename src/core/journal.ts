/**
 * The journal: every change to an org's credits is one transaction of double-entry
 * postings that sum to zero. Accounts:
 *   grant:<id>  credits sitting in a grant        hold:<id>  credits reserved by a hold
 *   credit_line Enterprise overage (negative while used)
 *   issued:<source>  where granted credits come from     usage   credits charged for work
 *   expired  written off by time    revoked  taken back by a refund    adjustment  removed by an operator
 *   rollover  the clearing account that carries credits from one period into the next
 * The org's balance is the sum of its grant:, hold: and credit_line accounts, so a
 * transaction's user-facing `amount` is derived from its postings, never typed in twice.
 */
import type { GrantSource, OrgState, Usage } from './state.ts';
import { balanceOf, nextId } from './state.ts';

export const TXN_TYPES = [
  'free_grant',
  'allocation',
  'rollover',
  'expiry',
  'purchase',
  'usage',
  'refund',
  'adjustment',
] as const;
/** The user-facing types, plus `hold`/`release`: internal moves that leave the balance unchanged. */
export type TxnType = (typeof TXN_TYPES)[number] | 'hold' | 'release';

export interface Posting {
  account: string;
  amount: number;
}

export interface TxnSource {
  grant_id: string;
  source: GrantSource | 'credit_line';
  amount: number;
}

export interface Transaction {
  id: string;
  org_id: string;
  type: TxnType;
  /** Signed change of the org's balance. */
  amount: number;
  balance_after: number;
  sources: TxnSource[];
  usage: Usage | null;
  hold_id: string | null;
  purchase_id: string | null;
  description: string;
  created_at: number;
  postings: Posting[];
  /** False for internal hold/release moves, which the user-facing log leaves out. */
  visible: boolean;
}

export interface DomainEvent {
  type: string;
  org_id: string;
  at: number;
  data: Record<string, unknown>;
}

export const isBalanceAccount = (account: string) =>
  account.startsWith('grant:') || account.startsWith('hold:') || account === 'credit_line';

export interface TxnDraft {
  type: TxnType;
  postings: Posting[];
  sources?: TxnSource[];
  usage?: Usage | null;
  hold_id?: string | null;
  purchase_id?: string | null;
  description: string;
  /**
   * Credits already gone from the state that the next transaction of the same step writes
   * off (held credits returned to a grant that has expired or been revoked meanwhile), so
   * this transaction's balance_after still counts them, as a replay of the log would.
   */
  written_off_next?: number;
}

/** Seals a transaction: checks it balances, derives its amount, stamps balance_after. */
export function record(state: OrgState, draft: TxnDraft, now: number): Transaction {
  let sum = 0;
  let amount = 0;
  const postings = draft.postings.filter((p) => p.amount !== 0);
  for (const p of postings) {
    if (!Number.isSafeInteger(p.amount))
      throw new Error(`invariant violated: posting ${p.account} not an integer`);
    sum += p.amount;
    if (isBalanceAccount(p.account)) amount += p.amount;
  }
  if (sum !== 0) throw new Error(`invariant violated: ${draft.type} postings sum to ${sum}`);
  return {
    id: nextId(state, 'txn'),
    org_id: state.id,
    type: draft.type,
    amount,
    balance_after: balanceOf(state) + (draft.written_off_next ?? 0),
    sources: draft.sources ?? [],
    usage: draft.usage ?? null,
    hold_id: draft.hold_id ?? null,
    purchase_id: draft.purchase_id ?? null,
    description: draft.description,
    created_at: now,
    postings,
    visible: draft.type !== 'hold' && draft.type !== 'release',
  };
}
