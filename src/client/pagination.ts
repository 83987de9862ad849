/**
 * Cursor lists: `for await (const t of client.transactions.list(org))` walks every page,
 * asking for the next only when the previous one is used up.
 */
import type { Page } from './types.ts';

export class Paginator<T> implements AsyncIterable<T> {
  constructor(private readonly fetchPage: (startingAfter: string | undefined) => Promise<Page<T>>) {}

  /** The pages themselves, one request each. */
  async *pages(): AsyncGenerator<Page<T>> {
    let cursor: string | undefined;
    for (;;) {
      const page = await this.fetchPage(cursor);
      yield page;
      if (!page.has_more || page.next_cursor === null) return;
      cursor = page.next_cursor;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for await (const page of this.pages()) yield* page.data;
  }

  /** Every item, up to `max` (default 10,000: a bound, so a huge list is not read by mistake). */
  async toArray(max = 10_000): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this) {
      if (out.length >= max) break;
      out.push(item);
    }
    return out;
  }
}
