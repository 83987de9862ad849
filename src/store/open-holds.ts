/**
 * The org row's columns derived from its state: how many holds are open (so /metrics sums
 * them without reading any state) and when the org is next due (so the scheduler finds
 * due orgs by index). `verify` checks that they agree with the state they come from.
 */
import { nextDueAt, type OrgState, type Verifier } from '../core/index.ts';

export function openHolds(state: OrgState): number {
  let n = 0;
  for (const h of state.holds) if (h.status === 'open') n++;
  return n;
}

export function checkRowColumns(
  v: Verifier,
  state: OrgState,
  row: { next_due_at: number | null; open_holds: number },
) {
  const due = nextDueAt(state);
  if (row.next_due_at !== due)
    v.fail(state.id, 'row_next_due_at', `the org row says next_due_at ${row.next_due_at}, its state ${due}`);
  const open = openHolds(state);
  if (row.open_holds !== open)
    v.fail(state.id, 'row_open_holds', `the org row says ${row.open_holds} open holds, its state ${open}`);
}
