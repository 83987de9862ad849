/**
 * Which archived purchase a command names, so the caller can load it (and its grant) from
 * history and hand it back through `restore` (archive.ts). Apart from archive.ts because it
 * reads the ledger's commands, and the ledger imports the archive.
 */
import type { Archived } from './archive.ts';
import type { Command } from './ledger.ts';
import type { Grant, Purchase } from './state.ts';

/** What a command about one purchase may need back from history (see `restore`). */
export function purchaseLookups(cmd: Command): { purchase_id: string; payment_id: string | null } | null {
  if (cmd.type === 'purchase_complete') return { purchase_id: cmd.purchase_id, payment_id: cmd.payment_id };
  if (cmd.type === 'purchase_refund') return { purchase_id: cmd.purchase_id, payment_id: null };
  return null;
}

/**
 * What `restore` puts back for a purchase command: the archived purchases it names (by id,
 * or by payment), each as it last left the state, with their grants, copied. `sources` are
 * searched in order and a later one wins (a purchase restored and archived again in one
 * batch left changed). Null when the command names none of them.
 */
export function toRestore(
  cmd: Command,
  sources: Archived[],
): { purchases: Purchase[]; grants: Grant[] } | null {
  const look = purchaseLookups(cmd);
  if (!look) return null;
  const purchases = new Map<string, Purchase>();
  const grants = new Map<string, Grant>();
  for (const a of sources) {
    for (const p of a.purchases)
      if (p.id === look.purchase_id || (look.payment_id !== null && p.payment_id === look.payment_id))
        purchases.set(p.id, p);
    for (const g of a.grants) grants.set(g.id, g);
  }
  if (purchases.size === 0) return null;
  const ps = [...purchases.values()].map((p) => structuredClone(p));
  const gs = ps.flatMap((p) =>
    p.grant_id !== null && grants.has(p.grant_id) ? [structuredClone(grants.get(p.grant_id)!)] : [],
  );
  return { purchases: ps, grants: gs };
}
