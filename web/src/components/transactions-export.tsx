/**
 * The org's whole transaction log, to keep: CSV (the server streams the file) or JSON,
 * gathered here page by page to the last one with a running count, then saved as one file.
 * Offered before closing an org and after, since a closed org's log stays readable.
 */
import { useEffect, useRef, useState } from 'react';
import { api, call } from '../api/client';
import { everyPage } from '../lib/every-page';
import { ErrorView } from './error-view';

/** The API's largest page (src/http/schemas.ts, `limit` maximum): the fewest requests. */
const PAGE_SIZE = 100;

const count = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'transaction' : 'transactions'}`;

/** Every transaction of the org, newest first. */
export function everyTransaction(orgId: string, onProgress: (gathered: number) => void, signal: AbortSignal) {
  return everyPage(
    async (after) =>
      call(
        api.GET('/v1/orgs/{org}/transactions', {
          params: {
            path: { org: orgId },
            query: { limit: PAGE_SIZE, ...(after ? { starting_after: after } : {}) },
          },
          signal,
        }),
      ),
    onProgress,
    signal,
  );
}

type ExportState =
  | { kind: 'idle' }
  | { kind: 'gathering'; gathered: number }
  | { kind: 'done'; gathered: number }
  | { kind: 'cancelled'; gathered: number }
  | { kind: 'failed'; error: unknown };

export function TransactionsExport({ orgId }: { orgId: string }) {
  const [state, setState] = useState<ExportState>({ kind: 'idle' });
  const running = useRef<AbortController | null>(null);
  // Leaving the page ends a running export rather than letting it fetch for nobody.
  useEffect(() => () => running.current?.abort(), []);

  async function downloadJson() {
    const ctl = new AbortController();
    running.current = ctl;
    let gathered = 0;
    setState({ kind: 'gathering', gathered });
    try {
      const all = await everyTransaction(
        orgId,
        (n) => {
          gathered = n;
          setState({ kind: 'gathering', gathered: n });
        },
        ctl.signal,
      );
      const blob = new Blob([JSON.stringify(all, null, 2)], { type: 'application/json' });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `${orgId}-transactions.json`;
      a.click();
      URL.revokeObjectURL(a.href);
      setState({ kind: 'done', gathered: all.length });
    } catch (error) {
      setState(ctl.signal.aborted ? { kind: 'cancelled', gathered } : { kind: 'failed', error });
    } finally {
      if (running.current === ctl) running.current = null;
    }
  }

  const busy = state.kind === 'gathering';
  return (
    <>
      <div className="row">
        <a className="button" href={`/v1/orgs/${encodeURIComponent(orgId)}/transactions.csv`} download>
          Export transactions (CSV)
        </a>
        <button type="button" onClick={downloadJson} disabled={busy}>
          {busy ? 'Exporting…' : 'Export transactions (JSON)'}
        </button>
        {busy && (
          <button type="button" onClick={() => running.current?.abort()}>
            Stop the export
          </button>
        )}
      </div>
      <p className="help" role="status" data-testid="export-progress">
        {state.kind === 'gathering' && `Gathering every transaction: ${count(state.gathered)} so far…`}
        {state.kind === 'done' && `Saved all ${count(state.gathered)} as ${orgId}-transactions.json.`}
        {state.kind === 'cancelled' &&
          `Export stopped after ${count(state.gathered)}; nothing was saved. Export again for the whole log.`}
      </p>
      {state.kind === 'failed' && <ErrorView error={state.error} retry={downloadJson} />}
    </>
  );
}
