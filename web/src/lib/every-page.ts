/**
 * Gathers every page of a cursor list (`{data, has_more, next_cursor}`, the API's one list
 * shape) by following `next_cursor` to the end, reporting the count after each page. No
 * cap on the number of pages: an export or a list that stopped early would look complete.
 * What stops it instead: the end of the list, the caller's `signal`, an error, or a cursor
 * that does not move (a server fault that would otherwise loop forever).
 */
export interface CursorPage<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

export async function everyPage<T>(
  fetchPage: (startingAfter: string | undefined) => Promise<CursorPage<T>>,
  onProgress: (gathered: number) => void = () => {},
  signal?: AbortSignal,
): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const page = await fetchPage(after);
    out.push(...page.data);
    onProgress(out.length);
    if (!page.has_more) return out;
    if (!page.next_cursor || page.next_cursor === after)
      throw new Error(
        `The list said more followed but gave no new cursor after ${out.length} ${out.length === 1 ? 'item' : 'items'}; reading stopped there.`,
      );
    after = page.next_cursor;
  }
}
