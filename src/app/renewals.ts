/**
 * Runs every time-driven event due at the clock's now (renewals, expired holds and grants),
 * org by org, persisting each so the transaction log shows it. Safe to run twice or late:
 * the core's renewal is idempotent per period.
 */
import type { AppDeps } from './deps.ts';

const PAGE = 500;
/** Bounds one run; a later run picks up whatever is left. */
const MAX_ORGS_PER_RUN = 100_000;

export async function runDueRenewals(deps: AppDeps): Promise<number> {
  const now = deps.clock.now();
  const done = new Set<string>();
  while (done.size < MAX_ORGS_PER_RUN) {
    const due = (await deps.store.dueOrgs(now, PAGE)).filter((id) => !done.has(id));
    if (due.length === 0) break;
    for (const id of due) {
      await deps.store.catchUp(id, now);
      done.add(id);
    }
  }
  return done.size;
}
