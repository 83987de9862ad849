// @vitest-environment jsdom
/** The JSON export of the transaction log: every page, a running count, and a way to stop. */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TransactionsExport } from './transactions-export';

const { server } = await vi.hoisted(() => import('../test-support/fake-api'));

const ORG = 'org_test';

/** A log of `total` transactions served by cursor, `txn_<n>` newest first; `gate` may hold a page back. */
function serveLog(total: number, gate: (pageIndex: number) => Promise<void> = async () => {}) {
  const asked: (string | null)[] = [];
  server.handle = async (r: Request) => {
    const q = new URL(r.url).searchParams;
    const limit = Number(q.get('limit'));
    const after = q.get('starting_after');
    asked.push(after);
    await gate(asked.length - 1);
    r.signal.throwIfAborted(); // as a browser's fetch does once its request is aborted
    const from = after ? Number(after.slice(4)) + 1 : 0;
    const data = Array.from({ length: Math.max(0, Math.min(limit, total - from)) }, (_, i) => ({
      id: `txn_${from + i}`,
    }));
    const has_more = from + data.length < total;
    return new Response(
      JSON.stringify({ data, has_more, next_cursor: has_more ? `txn_${from + data.length - 1}` : null }),
      { headers: { 'content-type': 'application/json' } },
    );
  };
  return asked;
}

const saved: Blob[] = [];
const textOf = (b: Blob) =>
  new Promise<string>((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.readAsText(b);
  });
beforeEach(() => {
  saved.length = 0;
  URL.createObjectURL = (b: Blob | MediaSource) => {
    saved.push(b as Blob);
    return 'blob:export';
  };
  URL.revokeObjectURL = () => {};
  // jsdom does not download; the anchor's click is where the browser would save the file.
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe('exporting the transaction log as JSON', () => {
  it('saves every transaction, past 100 pages, and says how many', async () => {
    const asked = serveLog(10_250);
    render(<TransactionsExport orgId={ORG} />);
    fireEvent.click(screen.getByRole('button', { name: 'Export transactions (JSON)' }));
    await waitFor(
      () =>
        expect(screen.getByTestId('export-progress').textContent).toBe(
          `Saved all 10,250 transactions as ${ORG}-transactions.json.`,
        ),
      { timeout: 20_000 },
    );
    expect(asked).toHaveLength(103);
    const rows = JSON.parse(await textOf(saved[0]!)) as { id: string }[];
    expect(rows).toHaveLength(10_250);
    expect(rows.at(-1)).toEqual({ id: 'txn_10249' });
  });

  it('shows the count gathered so far while it runs, and stops when asked, saving nothing', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    serveLog(1_000, (i) => (i === 3 ? held : Promise.resolve()));
    render(<TransactionsExport orgId={ORG} />);
    fireEvent.click(screen.getByRole('button', { name: 'Export transactions (JSON)' }));
    await waitFor(() =>
      expect(screen.getByTestId('export-progress').textContent).toBe(
        'Gathering every transaction: 300 transactions so far…',
      ),
    );
    expect((screen.getByRole('button', { name: 'Exporting…' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Stop the export' }));
    release();
    await waitFor(() =>
      expect(screen.getByTestId('export-progress').textContent).toBe(
        'Export stopped after 300 transactions; nothing was saved. Export again for the whole log.',
      ),
    );
    expect(saved).toEqual([]);
  });

  it('shows a failed page as an error with a retry, and saves nothing', async () => {
    server.handle = async () =>
      new Response(
        JSON.stringify({ status: 503, code: 'unavailable', title: 'Unavailable', detail: 'Busy.' }),
        {
          status: 503,
          headers: { 'content-type': 'application/problem+json' },
        },
      );
    render(<TransactionsExport orgId={ORG} />);
    fireEvent.click(screen.getByRole('button', { name: 'Export transactions (JSON)' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Busy.');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
    expect(saved).toEqual([]);
  });
});
