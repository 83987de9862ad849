/** `amisi renew`: one scheduler pass at the given time, the same code as `POST /v1/admin/renewals/run`. */
import { runScheduledWork } from '../app/scheduler.ts';
import type { Config } from '../config/config.ts';
import { openStore } from '../store/open.ts';
import { flags, timeFlag } from './args.ts';

export const RENEW_HELP = `usage: amisi renew [--at <RFC 3339 time>]

Runs every renewal, hold expiry and grant expiry due at the given time (default: now),
org by org, each persisted; then the rest of the scheduler's pass: alerts, the outbox,
due webhook deliveries, emails and auto top-ups. Idempotent: running it twice or late
changes nothing more.`;

export async function renewCommand(config: Config, argv: string[]): Promise<number> {
  const f = flags(argv, { at: { type: 'string' } });
  if (f.help) {
    console.log(RENEW_HELP);
    return 0;
  }
  const at = timeFlag('at', f.at) ?? Date.now();
  const store = await openStore(config.database_url, { catalog: config.catalog, mustExist: true });
  try {
    // The composition root loads the whole server (a second from source): only once the
    // database is known to exist, so `--help` and a mistyped database answer at once.
    const { commandDeps } = await import('../main.ts');
    const deps = commandDeps(config, store, at);
    const r = await runScheduledWork(deps);
    deps.notify?.mailer?.close();
    console.log(`renew: ${r.renewed} org(s) brought up to ${new Date(at).toISOString()}`);
    if (r.alerts + r.dispatched + r.deliveries + r.emails + r.auto_topups > 0)
      console.log(
        `renew: ${r.alerts} alert(s), ${r.dispatched} event(s) dispatched, ${r.deliveries} webhook attempt(s), ${r.emails} email(s), ${r.auto_topups} auto top-up(s), ${r.failures} failure(s)`,
      );
    return 0;
  } finally {
    await store.close();
  }
}
