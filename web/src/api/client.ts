/**
 * The one way the app talks to the API: openapi-fetch typed by the server's own OpenAPI
 * document (schema.d.ts, generated), the session cookie sent by the browser (never a token
 * in storage), and the session's CSRF token on every mutation.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths };

type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';
type Responses<P extends keyof paths, M extends Method> = paths[P][M] extends { responses: infer R }
  ? R
  : never;
/** The JSON body of a route's success answer (200 or 201), as the server's schema says. */
export type Ok<P extends keyof paths, M extends Method> =
  Responses<P, M> extends infer R
    ? R extends { 200: { content: { 'application/json': infer B } } }
      ? B
      : R extends { 201: { content: { 'application/json': infer B } } }
        ? B
        : never
    : never;

/** An RFC 9457 problem as the API sends it: a stable `code` and a sentence. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  [extra: string]: unknown;
}

export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.problem = problem;
  }
  get code() {
    return this.problem.code;
  }
  get status() {
    return this.problem.status;
  }
}

/** The network itself failed (offline, server down): the UI offers a retry. */
export class NetworkError extends Error {}

let csrfToken: string | null = null;
/** Set from /v1/auth/me or sign-in; cleared on sign-out. */
export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const csrf: Middleware = {
  onRequest({ request }) {
    if (csrfToken && MUTATING.has(request.method)) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(csrf);

/**
 * Unwraps an openapi-fetch answer: the data, or an ApiError with the server's problem.
 * A fetch that never reached the server becomes a NetworkError.
 */
export async function call<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  let r: { data?: T; error?: unknown; response: Response };
  try {
    r = await pending;
  } catch (err) {
    throw new NetworkError(err instanceof Error ? err.message : String(err));
  }
  if (r.response.ok) return r.data as NonNullable<T>;
  const e = r.error as Partial<Problem> | undefined;
  throw new ApiError({
    title: e?.title ?? r.response.statusText,
    status: r.response.status,
    code: e?.code ?? 'http_error',
    ...(e ?? {}),
  } as Problem);
}

/** A fresh idempotency key: one per confirmation, so a double click is one operation. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
