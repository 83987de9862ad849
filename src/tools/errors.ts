/**
 * Why a render failed, as values with a stable code rather than strings to parse. The
 * ledger wiring releases the hold of any failed image whatever the reason; the reason is
 * for people and for deciding whether trying again could help.
 */

export type ProviderFailure =
  /** The provider took longer than the adapter's timeout (after all retries). */
  | 'timeout'
  /** The provider answered with a non-2xx status (`status` holds it). */
  | 'http_status'
  /** The answer was not JSON, held no image, or the image did not decode. */
  | 'bad_response'
  /** No answer at all: connection refused, reset, DNS. */
  | 'network'
  /** The caller's own signal cancelled the work. */
  | 'aborted';

export class ProviderError extends Error {
  readonly code = 'provider_error';
  readonly reason: ProviderFailure;
  /** HTTP status, for `http_status`. */
  readonly status: number | undefined;
  /** Attempts made, retries included. */
  readonly attempts: number;
  /** Whether the same request could succeed later (5xx, 429, timeouts, network). */
  readonly retryable: boolean;

  constructor(
    reason: ProviderFailure,
    message: string,
    o: { status?: number; attempts?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'ProviderError';
    this.reason = reason;
    this.status = o.status;
    this.attempts = o.attempts ?? 1;
    this.retryable = o.retryable ?? false;
  }

  toJSON() {
    return { code: this.code, reason: this.reason, status: this.status, message: this.message };
  }
}

export const isProviderError = (e: unknown): e is ProviderError => e instanceof ProviderError;

/** What a batch reports for an image that failed. */
export interface RenderFailure {
  /** A ProviderFailure, or `render_failed` for anything else a backend threw. */
  code: ProviderFailure | 'render_failed';
  message: string;
  status?: number;
  retryable: boolean;
}

export function failureOf(e: unknown): RenderFailure {
  if (e instanceof ProviderError) {
    const f: RenderFailure = { code: e.reason, message: e.message, retryable: e.retryable };
    if (e.status !== undefined) f.status = e.status;
    return f;
  }
  // What `signal.throwIfAborted()` throws: a DOMException named for the kind of abort.
  if (e instanceof Error && e.name === 'AbortError')
    return { code: 'aborted', message: 'the render was cancelled', retryable: false };
  if (e instanceof Error && e.name === 'TimeoutError')
    return { code: 'timeout', message: 'the render ran out of time', retryable: true };
  return {
    code: 'render_failed',
    message: e instanceof Error ? e.message : String(e),
    retryable: false,
  };
}
