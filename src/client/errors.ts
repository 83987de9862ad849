/**
 * What the client throws. A refusal from the server is an `AmisiError` carrying the
 * problem+json fields (`status`, `code`, `detail`) and the code's extra fields typed
 * (`available` and `required` for insufficient_credits, `budget_id` and `remaining` for
 * budget_exceeded, `retry_after` for rate_limited, `errors` for validation_failed).
 * A request that never got an answer, after every retry, is an `AmisiConnectionError`.
 */
import type { Problem } from './types.ts';

/** The API's stable error codes (more may come: treat unknown codes as their status). */
export type ErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'insufficient_credits'
  | 'budget_exceeded'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'hold_not_open'
  | 'idempotency_key_in_use'
  | 'tier_not_allowed'
  | 'purchase_not_refundable'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'idempotency_key_reuse'
  | 'rate_limited'
  | 'internal_error'
  | 'payments_unavailable'
  | 'not_ready'
  | 'email_not_verified'
  | 'invitation_email_mismatch'
  | 'password_incorrect'
  | 'token_invalid'
  | 'token_expired'
  | 'token_used'
  | 'org_closed'
  | 'email_unavailable'
  | (string & {});

export class AmisiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly title: string;
  readonly detail: string;
  readonly type: string;
  /** insufficient_credits: what could be spent, and what the request needed. */
  readonly available?: number;
  readonly required?: number;
  /** budget_exceeded: which budget, and what was left of it. */
  readonly budget_id?: string;
  readonly remaining?: number;
  /** rate_limited: seconds to wait. */
  readonly retry_after?: number;
  /** validation_failed: the fields at fault. */
  readonly errors?: { field: string; message: string }[];
  /** The request id the server logged this under (X-Request-Id). */
  readonly request_id: string | null;
  /** The whole problem body, extra fields included. */
  readonly problem: Problem;

  constructor(problem: Problem, requestId: string | null = null) {
    super(`${problem.code}: ${problem.detail}`);
    this.name = 'AmisiError';
    this.problem = problem;
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail;
    this.type = problem.type;
    this.request_id = requestId;
    const num = (k: string) => (typeof problem[k] === 'number' ? (problem[k] as number) : undefined);
    this.available = num('available');
    this.required = num('required');
    this.remaining = num('remaining');
    this.retry_after = num('retry_after');
    this.budget_id = typeof problem.budget_id === 'string' ? problem.budget_id : undefined;
    this.errors = Array.isArray(problem.errors)
      ? (problem.errors as { field: string; message: string }[])
      : undefined;
  }
}

export class AmisiConnectionError extends Error {
  /** How many attempts were made before giving up. */
  readonly attempts: number;
  constructor(message: string, attempts: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'AmisiConnectionError';
    this.attempts = attempts;
  }
}

export const isAmisiError = (e: unknown): e is AmisiError => e instanceof AmisiError;
