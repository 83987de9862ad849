/** How many holds of an org are open: stored beside its state so totals need no state reads. */
import type { OrgState } from '../core/index.ts';

export function openHolds(state: OrgState): number {
  let n = 0;
  for (const h of state.holds) if (h.status === 'open') n++;
  return n;
}
