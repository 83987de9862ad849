/** Reading a cursor list: every page to the end, or to the item sought, never a silent stop. */
import { describe, expect, it } from 'vitest';
import { type CursorPage, everyPage } from './every-page';

/** A list of `total` numbers served `size` at a time, cursor = the last item's index. */
function list(total: number, size: number) {
  const asked: (string | undefined)[] = [];
  const fetchPage = async (after: string | undefined): Promise<CursorPage<number>> => {
    asked.push(after);
    const from = after === undefined ? 0 : Number(after) + 1;
    const data = Array.from({ length: Math.max(0, Math.min(size, total - from)) }, (_, i) => from + i);
    const has_more = from + data.length < total;
    return { data, has_more, next_cursor: has_more ? String(from + data.length - 1) : null };
  };
  return { fetchPage, asked };
}

describe('everyPage', () => {
  it('follows the cursor past 100 pages to the last item', async () => {
    const { fetchPage, asked } = list(25_050, 100);
    const all = await everyPage(fetchPage);
    expect(asked).toHaveLength(251);
    expect(all).toHaveLength(25_050);
    expect(all.every((n, i) => n === i)).toBe(true);
  });

  it('reports how many items it has after each page', async () => {
    const seen: number[] = [];
    await everyPage(list(250, 100).fetchPage, (n) => seen.push(n));
    expect(seen).toEqual([100, 200, 250]);
  });

  it('returns an empty list from one empty page', async () => {
    expect(await everyPage(list(0, 100).fetchPage)).toEqual([]);
  });

  it('fails, rather than loop or stop silently, when more is said to follow without a new cursor', async () => {
    const stuck = async (): Promise<CursorPage<number>> => ({ data: [1], has_more: true, next_cursor: 'c1' });
    await expect(everyPage(stuck)).rejects.toThrow(/gave no new cursor after 2 items/);
    const none = async (): Promise<CursorPage<number>> => ({ data: [1], has_more: true, next_cursor: null });
    await expect(everyPage(none)).rejects.toThrow(/after 1 item;/);
  });

  it('stops when its signal is aborted', async () => {
    const ctl = new AbortController();
    const { fetchPage, asked } = list(1_000, 100);
    await expect(everyPage(fetchPage, (n) => n >= 300 && ctl.abort(), ctl.signal)).rejects.toThrow();
    expect(asked).toHaveLength(3);
  });
});
