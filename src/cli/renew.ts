/** `amisi renew`: runs every renewal (and hold or grant expiry) due now, the same code as the API's. */
import { runDueRenewals } from '../app/renewals.ts';
import type { Config } from '../config/config.ts';
import { openStore } from '../store/open.ts';
import { flags, timeFlag } from './args.ts';

export const RENEW_HELP = `usage: amisi renew [--at <RFC 3339 time>]

Runs every renewal, hold expiry and grant expiry due at the given time (default: now),
org by org, each persisted. Idempotent: running it twice or late changes nothing more.`;

export async function renewCommand(config: Config, argv: string[]): Promise<number> {
  const f = flags(argv, { at: { type: 'string' } });
  if (f.help) {
    console.log(RENEW_HELP);
    return 0;
  }
  const at = timeFlag('at', f.at) ?? Date.now();
  const store = await openStore(config.database_url, { catalog: config.catalog });
  try {
    const renewed = await runDueRenewals({
      store,
      catalog: config.catalog,
      clock: { manual: false, now: () => at },
      payments: config.payments,
      sessionTtlMs: config.session_ttl_seconds * 1000,
    });
    console.log(`renew: ${renewed} org(s) brought up to ${new Date(at).toISOString()}`);
    return 0;
  } finally {
    await store.close();
  }
}
