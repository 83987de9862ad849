/** `amisi reconcile [--apply]`: payments the provider took whose credits were never granted. */
import { reconcile } from '../app/reconcile.ts';
import type { Config } from '../config/config.ts';
import { openStore } from '../store/open.ts';
import { flags, UsageError } from './args.ts';

export const RECONCILE_HELP = `usage: amisi reconcile [--apply] [--since-days N]

Lists payments that were paid but not credited: with Stripe, the pack Checkout sessions
paid in the last N days (default 30) are fetched from Stripe first, so a payment whose
webhook never arrived is found too. With --apply, each one whose purchase is still
pending is credited (exactly once). Exits 1 when something is left uncredited.`;

export async function reconcileCommand(config: Config, argv: string[]): Promise<number> {
  const f = flags(argv, { apply: { type: 'boolean' }, 'since-days': { type: 'string' } });
  if (f.help) {
    console.log(RECONCILE_HELP);
    return 0;
  }
  const days = f['since-days'] === undefined ? 30 : Number(f['since-days']);
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw new UsageError('--since-days must be an integer from 1 to 3650');
  const store = await openStore(config.database_url, { catalog: config.catalog, mustExist: true });
  const now = Date.now();
  // The composition root loads the whole server (a second from source): only once the
  // database is known to exist, so `--help` and a mistyped database answer at once.
  const { commandDeps } = await import('../main.ts');
  const deps = commandDeps(config, store, now);
  try {
    const r = await reconcile(deps, { apply: f.apply === true, sinceMs: now - days * 86_400_000 });
    for (const d of r.unpaid_credits)
      console.log(
        [
          d.payment.org_id,
          d.payment.purchase_id ?? '-',
          d.payment.payment_id,
          `${d.payment.amount} ${d.payment.currency}`,
          new Date(d.payment.paid_at).toISOString(),
          d.ledger,
          d.action ?? 'not credited',
          d.detail ?? '',
        ].join('\t'),
      );
    const left = r.unpaid_credits.filter((d) => d.action !== 'credited').length;
    console.log(
      `reconcile: ${r.checked} payment(s) checked, ${r.discovered} found only at the provider, ${r.unpaid_credits.length} paid but not credited${f.apply ? `, ${r.unpaid_credits.length - left} credited now` : ''}`,
    );
    return left > 0 ? 1 : 0;
  } finally {
    deps.notify?.mailer?.close();
    await store.close();
  }
}
