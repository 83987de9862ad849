/**
 * How big an org's stored state grows with age (issue 14): a Pro org replayed through the
 * core for 36 months, 200 charges and 3 pack purchases a month (bought and paid at the
 * start of the month, spent over it), measured as the JSON the store writes into the org row on every
 * write of the org, at the month's end and at its largest during the month. Target ≤ 4 KB and
 * flat with age. What left the state (core/archive.ts) is counted in the note: the store
 * keeps it in the history table, one row each, written once.
 */
import {
  addMonths,
  createOrg,
  defaultCatalog,
  execute,
  type Hold,
  type OrgState,
  type Purchase,
} from '../src/core/index.ts';
import type { Row } from './store.ts';

const T0 = Date.UTC(2025, 0, 1, 12);
const CHARGES_PER_MONTH = 200;
const PACKS_PER_MONTH = 3;
const MEASURED_AT = [1, 12, 36];

export function stateSizeBench(): Row[] {
  const catalog = defaultCatalog;
  // 50 credits a pack: the allocation and three packs cover the month's 200 charges.
  const pack = 'pack_50';
  const org = createOrg({ id: 'org_pro', name: 'Pro', tier: 'pro' }, T0, catalog);
  if (!org.ok) throw new Error(org.error.message);
  const state: OrgState = org.state;
  // What left the state (core/archive.ts): the store writes it to the history table.
  const history = { grants: 0, holds: 0, purchases: 0 };
  // The largest the state got during the month: every write of the org rewrites it.
  let peak = 0;
  const run = (cmd: Parameters<typeof execute>[1], now: number) => {
    const out = execute(state, cmd, now, catalog);
    if (!out.ok) throw new Error(`${cmd.type}: ${out.error.message}`);
    history.grants += out.archived.grants.length;
    history.holds += out.archived.holds.length;
    history.purchases += out.archived.purchases.length;
    peak = Math.max(peak, Buffer.byteLength(JSON.stringify(state)));
    return out.result;
  };
  const rows: Row[] = [];
  let paid = 0;
  for (let month = 0; month < 36; month++) {
    const start = addMonths(T0, month);
    peak = 0;
    const span = addMonths(T0, month + 1) - start;
    for (let p = 0; p < PACKS_PER_MONTH; p++) {
      const at = start + 1 + p;
      const bought = run({ type: 'purchase_create', pack }, at) as Purchase;
      run({ type: 'purchase_complete', purchase_id: bought.id, payment_id: `pay_${paid++}` }, at);
    }
    for (let c = 0; c < CHARGES_PER_MONTH; c++) {
      const at = start + Math.floor(((c + 1) * span) / (CHARGES_PER_MONTH + 2));
      // A charge as a generation makes it: a hold, captured when the work is done.
      const hold = run({ type: 'hold', amount: 1, ttl_seconds: 600 }, at) as Hold;
      run(
        {
          type: 'capture',
          hold_id: hold.id,
          usage: { tool: 'image.generate', operation: '720p', quantity: 1 },
        },
        at + 1,
      );
    }
    if (MEASURED_AT.includes(month + 1)) {
      const months = `${month + 1} month${month === 0 ? '' : 's'}`;
      rows.push({
        name: `Pro org stored state after ${months} (target ≤ 4 KB, flat)`,
        value: Buffer.byteLength(JSON.stringify(state)) / 1024,
        unit: 'KB',
        note: `in state: ${state.grants.length} grants, ${state.holds.length} holds, ${state.purchases.length} purchases; in history: ${history.grants} grants, ${history.holds} holds, ${history.purchases} purchases`,
      });
      rows.push({
        name: `Pro org largest stored state during month ${month + 1} (target ≤ 4 KB, flat)`,
        value: peak / 1024,
        unit: 'KB',
        note: 'the largest state any write of that month wrote',
      });
    }
  }
  return rows;
}
