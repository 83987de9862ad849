/**
 * One HTTP exchange with retries. Retried: network errors and timeouts, 429 (waiting what
 * Retry-After says), 5xx, and 409 `idempotency_key_in_use` (the first attempt is still
 * running on the server). A mutation carries one Idempotency-Key for all its attempts —
 * the caller's, or one generated per call — so a retry after a lost response is replayed
 * by the server instead of applied twice. Requests the server cannot replay (sign-in, the
 * test clock) are retried only when the server certainly did not act on them (429).
 */
import { AmisiConnectionError, AmisiError } from './errors.ts';
import type { Problem } from './types.ts';

export interface ClientOptions {
  /** The server, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** An org API key (`amisi_sk_…`) or the operator key, sent as a Bearer token. */
  apiKey?: string;
  /** Retries after the first attempt (default 3). 0 turns retries off. */
  maxRetries?: number;
  /** Per attempt (default 30 s). */
  timeoutMs?: number;
  /** The first backoff (default 250 ms); it doubles per retry, with jitter, up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A Retry-After longer than this (default 60 s) is not waited for: the 429 is thrown. */
  maxRetryAfterMs?: number;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Defaults to the global fetch of Node ≥ 20. */
  fetch?: typeof fetch;
  /** Observes every attempt's answer (logging, metrics, tests). Must not throw. */
  onResponse?: (info: ResponseInfo) => void;
}

export interface ResponseInfo {
  method: string;
  path: string;
  status: number;
  /** 1 for the first attempt. */
  attempt: number;
  idempotency_key: string | null;
  /** The server answered a replay of an earlier attempt with the same key. */
  replayed: boolean;
  request_id: string | null;
}

/** Per call: everything optional. */
export interface RequestOptions {
  /** Reuse this key (e.g. one stored with your own job) instead of a generated one. */
  idempotencyKey?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  maxRetries?: number;
}

export interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined> | undefined;
  body?: unknown;
  /** The server replays this request by its key (or it changes nothing): safe to resend. */
  replayable?: boolean;
  /** How to read a successful answer: JSON (default), text (CSV) or bytes (images). */
  as?: 'json' | 'text' | 'bytes';
}

export interface Session {
  cookie: string;
  csrf_token: string;
}

const RETRY_STATUSES = new Set([500, 502, 503, 504]);
/** 5xx codes that are settings, not outages: retrying cannot help. */
const PERMANENT_CODES = new Set(['payments_unavailable']);

export class Transport {
  readonly baseUrl: string;
  session: Session | null = null;
  private readonly fetch: typeof fetch;

  constructor(readonly options: ClientOptions) {
    if (!/^https?:\/\//.test(options.baseUrl))
      throw new TypeError('baseUrl must start with http:// or https://');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
    if (typeof this.fetch !== 'function')
      throw new TypeError('no fetch: Node ≥ 20 or a fetch option is needed');
  }

  async request<T>(call: Call, opts: RequestOptions = {}): Promise<T> {
    const o = this.options;
    const mutation = call.method !== 'GET';
    const key = mutation ? (opts.idempotencyKey ?? globalThis.crypto.randomUUID()) : null;
    const maxRetries = Math.max(0, opts.maxRetries ?? o.maxRetries ?? 3);
    const replayable = !mutation || call.replayable !== false;
    const url = this.baseUrl + call.path + queryString(call.query);

    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json, text/csv',
      ...o.headers,
      ...opts.headers,
    };
    if (o.apiKey !== undefined) headers.authorization = `Bearer ${o.apiKey}`;
    else if (this.session) {
      headers.cookie = this.session.cookie;
      if (mutation) headers['x-csrf-token'] = this.session.csrf_token;
    }
    if (key !== null) headers['idempotency-key'] = key;
    let body: string | undefined;
    if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers['content-type'] = 'application/json';
    }

    for (let attempt = 1; ; attempt++) {
      const retriesLeft = attempt <= maxRetries;
      const timeout = AbortSignal.timeout(o.timeoutMs ?? 30_000);
      const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
      let res: Response;
      let text = '';
      let bytes: Uint8Array | null = null;
      try {
        res = await this.fetch(url, {
          method: call.method,
          headers,
          ...(body !== undefined ? { body } : {}),
          signal,
        });
        if (res.ok && call.as === 'bytes') bytes = new Uint8Array(await res.arrayBuffer());
        else text = await res.text();
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        // No answer: the server may or may not have acted. Resending is safe only with a key it replays.
        if (replayable && retriesLeft) {
          await sleep(this.backoff(attempt), opts.signal);
          continue;
        }
        throw new AmisiConnectionError(
          `${call.method} ${call.path} got no answer after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${(err as Error)?.message ?? err}`,
          attempt,
          err,
        );
      }
      const requestId = res.headers.get('x-request-id');
      o.onResponse?.({
        method: call.method,
        path: call.path,
        status: res.status,
        attempt,
        idempotency_key: key,
        replayed: res.headers.get('idempotent-replayed') === 'true',
        request_id: requestId,
      });
      if (res.ok) {
        this.remember(call, res, text);
        if (bytes !== null) return bytes as T;
        if (call.as === 'text') return text as T;
        return (text.length === 0 ? undefined : JSON.parse(text)) as T;
      }
      const problem = toProblem(res, text);
      const retryable =
        res.status === 429 ||
        (res.status === 409 && problem.code === 'idempotency_key_in_use') ||
        (RETRY_STATUSES.has(res.status) && replayable && !PERMANENT_CODES.has(problem.code));
      if (retryable && retriesLeft) {
        const wait = retryAfterMs(res.headers.get('retry-after'));
        if (wait === null) await sleep(this.backoff(attempt), opts.signal);
        else if (wait <= (o.maxRetryAfterMs ?? 60_000)) await sleep(wait, opts.signal);
        else throw new AmisiError(problem, requestId);
        continue;
      }
      throw new AmisiError(problem, requestId);
    }
  }

  /**
   * Opens a long answer (Server-Sent Events) without retries or a timeout: the caller reads
   * the stream, and stops it with `signal`. A refusal is thrown as an AmisiError as usual.
   */
  async stream(path: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...this.options.headers };
    if (this.options.apiKey !== undefined) headers.authorization = `Bearer ${this.options.apiKey}`;
    else if (this.session) headers.cookie = this.session.cookie;
    const res = await this.fetch(this.baseUrl + path, { headers, ...(signal ? { signal } : {}) });
    if (!res.ok || res.body === null)
      throw new AmisiError(toProblem(res, await res.text()), res.headers.get('x-request-id'));
    return res.body;
  }

  /** Exponential backoff with jitter: base × 2^(n−1), between half and all of it. */
  private backoff(attempt: number): number {
    const cap = this.options.retryMaxMs ?? 10_000;
    const exp = Math.min(cap, (this.options.retryBaseMs ?? 250) * 2 ** (attempt - 1));
    return Math.round(exp / 2 + Math.random() * (exp / 2));
  }

  /** Sign-in sets the session cookie; without an API key the client then uses it. */
  private remember(call: Call, res: Response, text: string) {
    if (call.path === '/v1/auth/logout') {
      this.session = null;
      return;
    }
    if (call.path !== '/v1/auth/login') return;
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .find((c) => c.startsWith('amisi_session='));
    const csrf = (JSON.parse(text) as { csrf_token?: string }).csrf_token;
    if (cookie && csrf) this.session = { cookie, csrf_token: csrf };
  }
}

function queryString(q: Call['query']): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}

function toProblem(res: Response, text: string): Problem {
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json') && text.length > 0) {
    try {
      const p = JSON.parse(text) as Partial<Problem>;
      if (typeof p.code === 'string' && typeof p.status === 'number')
        return { type: '', title: '', detail: '', ...p } as Problem;
    } catch {
      // not JSON after all: described below
    }
  }
  // Not the server's problem+json (a proxy, a load balancer): keep what there is.
  return {
    type: 'about:blank',
    title: res.statusText || `HTTP ${res.status}`,
    status: res.status,
    detail: text.slice(0, 500) || `HTTP ${res.status}`,
    code: res.status === 429 ? 'rate_limited' : res.status >= 500 ? 'internal_error' : `http_${res.status}`,
  };
}

/** Retry-After in seconds or as an HTTP date → milliseconds; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
