/**
 * `amisi export`: an org's transaction log as CSV or JSON lines, streamed page by page, in
 * the API's shapes (RFC 3339 times, no journal internals). A reader that closes the pipe
 * early (`| head -1`) ends the export quietly (see main.ts).
 */
import { once } from 'node:events';
import { presentTxn, toCsv } from '../app/transaction-view.ts';
import type { Config } from '../config/config.ts';
import { type Transaction, TXN_TYPES, type TxnType } from '../core/index.ts';
import { openStore } from '../store/open.ts';
import { flags, timeFlag, UsageError } from './args.ts';

export const EXPORT_HELP = `usage: amisi export --org <org id> [--format csv|json] [--type <type>] [--from <time>] [--to <time>]

Writes the org's transaction log (newest first) to stdout: CSV (default) or one JSON
object per line, shaped as GET /v1/orgs/{org}/transactions answers (RFC 3339 times).
Types: ${TXN_TYPES.join(', ')}.`;

/** Writes a chunk, waiting for the reader when the pipe is full (memory stays bounded). */
async function write(chunk: string) {
  if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
}

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
  const store = await openStore(config.database_url, { catalog: config.catalog, mustExist: true });
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
        await write(cursor === undefined ? csv : csv.slice(csv.indexOf('\r\n') + 2));
      } else
        await write((page.data as Transaction[]).map((t) => `${JSON.stringify(presentTxn(t))}\n`).join(''));
      if (!page.has_more) break;
      cursor = page.next_cursor!;
    }
    return 0;
  } finally {
    await store.close();
  }
}
