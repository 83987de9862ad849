/**
 * `amisi verify`: walks the whole database, re-derives every balance from the journal and
 * checks every invariant of the spec. Exit 0 only when nothing is wrong.
 */
import type { Config } from '../config/config.ts';
import { openStore } from '../store/open.ts';
import { flags } from './args.ts';
import { Progress } from './progress.ts';

export const VERIFY_HELP = `usage: amisi verify [--quiet]

Re-derives every org's balance, grants and holds from the journal and checks every
invariant (transactions sum to zero, balance equation, 0 ≤ remaining ≤ amount, held =
open holds, balance_after replays, no transaction twice). Exits 1 on any violation.`;

export async function verifyCommand(config: Config, argv: string[]): Promise<number> {
  const f = flags(argv, { quiet: { type: 'boolean', short: 'q' } });
  if (f.help) {
    console.log(VERIFY_HELP);
    return 0;
  }
  const store = await openStore(config.database_url, { catalog: config.catalog, mustExist: true });
  try {
    const progress = new Progress('verifying orgs');
    const started = Date.now();
    const violations = await store.verify(
      f.quiet ? undefined : (done, total) => progress.update(done, total),
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (violations.length === 0) {
      console.log(`verify: OK — every balance re-derived from the journal matches (${seconds}s)`);
      return 0;
    }
    for (const v of violations) console.log(`${v.org_id}\t${v.check}\t${v.detail}`);
    console.log(
      `verify: FAILED — ${violations.length} violation(s)${violations.length >= 1000 ? ' (first 1000 shown)' : ''}`,
    );
    return 1;
  } finally {
    await store.close();
  }
}
