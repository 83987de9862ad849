/** `amisi export`: an org's transaction log as CSV or JSON lines, streamed page by page. */

import type { Config } from '../config/config.ts';
import { type Transaction, TXN_TYPES, type TxnType } from '../core/index.ts';
import { toCsv } from '../http/routes/csv.ts';
import { openStore } from '../store/open.ts';
import { flags, timeFlag, UsageError } from './args.ts';

export const EXPORT_HELP = `usage: amisi export --org <org id> [--format csv|json] [--type <type>] [--from <time>] [--to <time>]

Writes the org's transaction log (newest first) to stdout: CSV (default) or one JSON
object per line. Types: ${TXN_TYPES.join(', ')}.`;

export async function exportCommand(config: Config, argv: string[]): Promise<number> {
  const f = flags(argv, {
    org: { type: 'string' },
    format: { type: 'string' },
    type: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  });
  if (f.help) {
    console.log(EXPORT_HELP);
    return 0;
  }
  if (!f.org) throw new UsageError('--org is required');
  const format = f.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UsageError('--format must be csv or json');
  if (f.type !== undefined && !(TXN_TYPES as readonly string[]).includes(f.type))
    throw new UsageError(`--type must be one of ${TXN_TYPES.join(', ')}`);
  const from = timeFlag('from', f.from);
  const to = timeFlag('to', f.to);
  const store = await openStore(config.database_url, { catalog: config.catalog });
  try {
    if (!(await store.getOrg(f.org, Date.now()))) throw new UsageError(`org ${f.org} not found`);
    await store.catchUp(f.org, Date.now());
    let cursor: string | undefined;
    for (;;) {
      const page = await store.listTransactions(f.org, {
        limit: 100,
        ...(f.type ? { type: f.type as TxnType } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(cursor ? { starting_after: cursor } : {}),
      });
      if (format === 'csv') {
        // One CSV writer for the API and the CLI: the header comes with the first page only.
        const csv = toCsv(page.data as Transaction[]);
        process.stdout.write(cursor === undefined ? csv : csv.slice(csv.indexOf('\r\n') + 2));
      } else for (const t of page.data as Transaction[]) process.stdout.write(`${JSON.stringify(t)}\n`);
      if (!page.has_more) break;
      cursor = page.next_cursor!;
    }
    return 0;
  } finally {
    await store.close();
  }
}
