/**
 * The API as component tests see it: every request the app's client sends goes to
 * `server.handle`, which each test sets to answer as its story needs.
 *
 * The client (api/client.ts) binds `fetch` when its module loads, and Node's Request
 * refuses the app's relative URLs; so this module replaces both as it loads, and a test
 * file must load it before anything else:
 *
 *   const { server } = await vi.hoisted(() => import('../test-support/fake-api'));
 *
 * (vi.hoisted runs before the file's imports; its promise is awaited before they run.)
 */
const NodeRequest = globalThis.Request;
globalThis.Request = class extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === 'string' ? new URL(input, 'http://localhost:3000/') : input, init);
  }
} as typeof Request;

/** Answers 500 until a test says otherwise. */
export const server = {
  handle: async (_r: Request): Promise<Response> => new Response(null, { status: 500 }),
};
globalThis.fetch = ((input: Request) => server.handle(input)) as typeof fetch;

/** A JSON answer; a problem+json one from 400 on. */
export function answer(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' },
  });
}

/** An RFC 9457 refusal with its stable code, as the API sends it. */
export const problem = (status: number, code: string, title: string, detail: string): Response =>
  answer({ type: 'about:blank', status, code, title, detail }, status);

/** One page of a cursor list; the cursor is the last item's id when more follow. */
export function page<T extends { id: string }>(data: T[], has_more = false) {
  return { data, has_more, next_cursor: has_more ? (data.at(-1)?.id ?? null) : null };
}

/**
 * A cursor list as the API serves it (`?limit&starting_after`): the `limit` items after the
 * one named by the cursor, in the order given, with `has_more` and `next_cursor`.
 */
export function cursorList<T extends { id: string }>(items: T[], url: URL): Response {
  const limit = Number(url.searchParams.get('limit') ?? 20);
  const after = url.searchParams.get('starting_after');
  const from = after === null ? 0 : items.findIndex((i) => i.id === after) + 1;
  if (after !== null && from === 0) return problem(400, 'validation_failed', 'Validation failed', after);
  return answer(page(items.slice(from, from + limit), from + limit < items.length));
}
