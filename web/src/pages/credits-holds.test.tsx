// @vitest-environment jsdom
/**
 * Credits, Pending: open holds a page of 100 at a time, newest first, with "Show more holds"
 * while more follow, so every open hold can be seen without reading them all on each change
 * of the balance; the count of holds is exact once the last page is in, the credits held
 * always are.
 */
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderInOrg } from '../test-support/render-in-org';
import { CreditsPage } from './credits';

const { server, answer, cursorList, page, problem } = await vi.hoisted(
  () => import('../test-support/fake-api'),
);

/** A shared machine can be slow: wait for what a person would see, generously. */
const slow = { timeout: 10_000 };

const ORG = 'org_test';

const hold = (n: number) => ({
  id: `hold_${n}`,
  amount: 2,
  status: 'open',
  captured: 0,
  member_id: null,
  project_id: null,
  created_at: '2026-11-02T00:00:00Z',
  expires_at: '2026-11-02T01:00:00Z',
  resolved_at: null,
});

/** An org with `count` open holds of 2 credits, newest first, as the API lists them. */
function serve(count: number) {
  const open = { holds: Array.from({ length: count }, (_, i) => hold(count - i)) };
  const asked: string[] = [];
  server.handle = async (r: Request) => {
    const url = new URL(r.url);
    const path = url.pathname;
    if (path.endsWith('/holds')) {
      expect(url.searchParams.get('status')).toBe('open');
      asked.push(url.searchParams.get('starting_after') ?? '-');
      return cursorList(open.holds, url);
    }
    if (path.endsWith('/balance')) {
      const held = open.holds.length * 2;
      return answer({
        balance: 1000,
        available: 1000 - held,
        held,
        by_source: {},
        tier: 'pro',
        allocation: 0,
        rollover_cap: 0,
        period_start: null,
        period_end: null,
        forfeit_at_renewal: 0,
        overage_limit: 0,
        overage_used: 0,
      });
    }
    if (path.endsWith('/transactions') || path.endsWith('/members') || path.endsWith('/projects'))
      return answer(page([]));
    if (path === '/v1/catalog') return answer({ tiers: [], packs: [], tools: [] });
    return problem(404, 'not_found', 'Not found', path);
  };
  return { asked, open };
}

function show() {
  return renderInOrg(<CreditsPage />, { org: ORG });
}

/** The rows of the Pending holds table (by selector: role queries over 100s of rows are slow in jsdom). */
const holdRows = () => document.querySelectorAll('section[aria-label="Pending holds"] tbody tr').length;
/** The Show more holds button, if any. */
const showMore = () =>
  [...document.querySelectorAll('button')].find((b) => b.textContent === 'Show more holds') ?? null;

afterEach(cleanup);

describe('Credits: pending holds', () => {
  it('shows the 100 newest of 130 open holds, then all 130 after Show more holds', async () => {
    const { asked } = serve(130);
    show();
    await waitFor(
      () =>
        expect(screen.getByTestId('holds-count').textContent).toBe(
          'The 100 newest of more than 100 open holds; 260 credits held in all.',
        ),
      slow,
    );
    expect(holdRows()).toBe(100);
    expect(asked).toEqual(['-']);

    fireEvent.click(showMore()!);
    await waitFor(
      () =>
        expect(screen.getByTestId('holds-count').textContent).toBe(
          '130 open holds; 260 credits held in all.',
        ),
      slow,
    );
    expect(holdRows()).toBe(130);
    expect(screen.getByText('hold_1')).toBeTruthy();
    expect(showMore()).toBeNull();
    expect(asked).toEqual(['-', 'hold_31']);
  });

  it('offers no Show more holds when every open hold fits on one page', async () => {
    serve(100);
    show();
    await waitFor(
      () =>
        expect(screen.getByTestId('holds-count').textContent).toBe(
          '100 open holds; 200 credits held in all.',
        ),
      slow,
    );
    expect(holdRows()).toBe(100);
    expect(showMore()).toBeNull();
  });

  it('refetches the pages shown when the balance changes, each hold once', async () => {
    const { asked, open } = serve(130);
    const qc = show();
    await waitFor(() => expect(showMore()).not.toBeNull(), slow);
    fireEvent.click(showMore()!);
    await waitFor(() => expect(holdRows()).toBe(130), slow);

    // The newest hold is captured: what was the first of page two moves up to page one.
    open.holds = open.holds.filter((h) => h.id !== 'hold_130');
    asked.length = 0;
    await qc.invalidateQueries({ predicate: (q) => q.queryKey.includes(ORG) });
    await waitFor(
      () =>
        expect(screen.getByTestId('holds-count').textContent).toBe(
          '129 open holds; 258 credits held in all.',
        ),
      slow,
    );
    expect(holdRows()).toBe(129);
    expect(screen.getAllByText('hold_30')).toHaveLength(1);
    expect(asked).toEqual(['-', 'hold_30']);
  });
});
