/**
 * Which archived purchase a command names, so the caller can load it (and its grant) from
 * history and hand it back through `restore` (archive.ts). Apart from archive.ts because it
 * reads the ledger's commands, and the ledger imports the archive.
 */
import type { Command } from './ledger.ts';

/** What a command about one purchase may need back from history (see `restore`). */
export function purchaseLookups(cmd: Command): { purchase_id: string; payment_id: string | null } | null {
  if (cmd.type === 'purchase_complete') return { purchase_id: cmd.purchase_id, payment_id: cmd.payment_id };
  if (cmd.type === 'purchase_refund') return { purchase_id: cmd.purchase_id, payment_id: null };
  return null;
}
