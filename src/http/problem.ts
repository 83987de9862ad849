/**
 * Every refusal leaves as RFC 9457 `application/problem+json` with a stable `code`. The core
 * knows no HTTP: this file is where its error codes become statuses. Anything unexpected
 * becomes a bare 500 naming the request id; the cause goes to the log, never to the client.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { MailUnavailable } from '../app/account-mail.ts';
import { Unauthorized } from '../app/accounts.ts';
import { PaymentsUnavailable } from '../app/purchases.ts';
import { Throttled } from '../app/throttled.ts';
import { PaymentError } from '../app/vocabulary.ts';
import { isDomainError, plural } from '../core/index.ts';

export const PROBLEMS = {
  validation_failed: [400, 'The request is not valid'],
  token_invalid: [400, 'The link is not valid'],
  unauthorized: [401, 'Authentication required'],
  insufficient_credits: [402, 'Not enough credits'],
  budget_exceeded: [402, 'Budget exceeded'],
  forbidden: [403, 'Not allowed'],
  email_not_verified: [403, 'The email address is not verified yet'],
  invitation_email_mismatch: [403, 'The invitation was sent to another email address'],
  password_incorrect: [403, 'The password is not right'],
  not_found: [404, 'Not found'],
  method_not_allowed: [405, 'Method not allowed'],
  hold_not_open: [409, 'The hold is not open'],
  idempotency_key_in_use: [409, 'A request with this idempotency key is still running'],
  tier_not_allowed: [409, 'Not available on this tier'],
  purchase_not_refundable: [409, 'The purchase cannot be refunded'],
  conflict: [409, 'Conflict'],
  token_used: [409, 'The link was already used'],
  token_expired: [410, 'The link has expired'],
  org_closed: [410, 'The org is closed'],
  payload_too_large: [413, 'The request body is too large'],
  unsupported_media_type: [415, 'Unsupported content type'],
  idempotency_key_reuse: [422, 'The idempotency key was used for a different request'],
  rate_limited: [429, 'Too many requests'],
  internal_error: [500, 'Internal server error'],
  payments_unavailable: [503, 'Payments are not available'],
  email_unavailable: [503, 'The email could not be sent'],
  not_ready: [503, 'Not ready'],
} as const satisfies Record<string, readonly [number, string]>;

export type ProblemCode = keyof typeof PROBLEMS;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  [extra: string]: unknown;
}

/** A refusal raised by the HTTP layer itself (auth, headers, rate limits). */
export class HttpProblem extends Error {
  constructor(
    readonly code: ProblemCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

const RESERVED = new Set(['type', 'title', 'status', 'detail', 'code']);

/**
 * Every validation_failed problem that can name its field lists it the way schema errors
 * do, `errors: [{field, message}]`, whatever raised it: a rule naming one `field`, or the
 * generation limits' `issues` (kept as they are, with their codes).
 */
function withErrors(detail: string, extra: Record<string, unknown>): Record<string, unknown> {
  if (Array.isArray(extra.errors)) return extra;
  if (Array.isArray(extra.issues))
    return {
      ...extra,
      errors: (extra.issues as { path: string; message: string }[]).map((i) => ({
        field: i.path,
        message: i.message,
      })),
    };
  if (typeof extra.field === 'string') return { ...extra, errors: [{ field: extra.field, message: detail }] };
  return extra;
}

export function problem(code: ProblemCode, detail: string, extra: Record<string, unknown> = {}): Problem {
  const [status, title] = PROBLEMS[code];
  const p: Problem = { type: `/problems/${code}`, title, status, detail, code };
  const all = code === 'validation_failed' ? withErrors(detail, extra) : extra;
  for (const [k, v] of Object.entries(all)) if (!RESERVED.has(k) && v !== undefined) p[k] = v;
  return p;
}

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  object: 'an object',
  array: 'an array',
  boolean: 'true or false',
  null: 'null',
};

/** `/items/0/quantity` → `items[0].quantity`. */
function fieldPath(context: string, pointer: string, child?: string): string {
  let out = context;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : `.${part}`;
  }
  if (child !== undefined) out += `.${child}`;
  return out;
}

/** One ajv error → the field it names and a sentence a person can act on. */
export function describeValidation(context: string, e: AjvError): { field: string; message: string } {
  const p = e.params;
  switch (e.keyword) {
    case 'required':
      return { field: fieldPath(context, e.instancePath, String(p.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return {
        field: fieldPath(context, e.instancePath, String(p.additionalProperty)),
        message: 'is not a known field',
      };
    case 'type': {
      const t = String(p.type);
      return {
        field: fieldPath(context, e.instancePath),
        message: `must be ${t
          .split(',')
          .map((x) => TYPE_WORDS[x] ?? x)
          .join(' or ')}`,
      };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { field: fieldPath(context, e.instancePath), message: `must be ${p.comparison} ${p.limit}` };
    case 'minLength':
      return {
        field: fieldPath(context, e.instancePath),
        message: Number(p.limit) === 1 ? 'must not be empty' : `must have at least ${p.limit} characters`,
      };
    case 'maxLength':
      return {
        field: fieldPath(context, e.instancePath),
        message: `must have at most ${plural(Number(p.limit), 'character')}`,
      };
    case 'maxItems':
      return {
        field: fieldPath(context, e.instancePath),
        message: `must have at most ${plural(Number(p.limit), 'item')}`,
      };
    case 'minItems':
      return {
        field: fieldPath(context, e.instancePath),
        message:
          Number(p.limit) === 1
            ? 'must not be empty'
            : `must have at least ${plural(Number(p.limit), 'item')}`,
      };
    case 'maxProperties':
      return {
        field: fieldPath(context, e.instancePath),
        message: `must have at most ${plural(Number(p.limit), 'field')}`,
      };
    case 'pattern':
      return {
        field: fieldPath(context, e.instancePath),
        message: 'has characters or a form that is not allowed',
      };
    case 'format':
      return { field: fieldPath(context, e.instancePath), message: `must be a valid ${p.format}` };
    case 'const':
      return {
        field: fieldPath(context, e.instancePath),
        message: `must be ${JSON.stringify(p.allowedValue)}`,
      };
    case 'enum':
      return {
        field: fieldPath(context, e.instancePath),
        message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'propertyNames':
      return {
        field: fieldPath(context, e.instancePath, String(p.propertyName)),
        message: 'is not an allowed field name',
      };
    default:
      return { field: fieldPath(context, e.instancePath), message: e.message ?? 'is not valid' };
  }
}

/** ajv reports a failed union as one error per branch plus `anyOf`: keep the most telling one. */
function pickError(errors: AjvError[]): AjvError {
  const literals = errors.filter((e) => e.keyword === 'const');
  if (literals.length > 1 && literals.every((e) => e.instancePath === literals[0]!.instancePath))
    return {
      keyword: 'enum',
      instancePath: literals[0]!.instancePath,
      params: { allowedValues: literals.map((e) => e.params.allowedValue) },
    };
  return errors.find((e) => e.keyword !== 'anyOf' && e.keyword !== 'type') ?? errors[0]!;
}

const FASTIFY_CODES: Record<string, [ProblemCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'the request body is larger than this server accepts'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    'unsupported_media_type',
    'send the body as application/json (Content-Type: application/json)',
  ],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    'validation_failed',
    'the Content-Length header does not match the body',
  ],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['validation_failed', 'the body is empty but declared as JSON'],
  FST_ERR_CTP_INVALID_TYPE: ['unsupported_media_type', 'the Content-Type header is not valid'],
};

export interface Mapped {
  problem: Problem;
  headers: Record<string, string>;
  /** True when the cause is a bug or an outage, to be logged as an error. */
  unexpected: boolean;
}

export function toProblem(err: unknown, requestId: string): Mapped {
  if (isDomainError(err)) {
    const headers: Record<string, string> = err.replayed ? { 'idempotent-replayed': 'true' } : {};
    if (err.code === 'rate_limited' && typeof err.extra.retry_after === 'number')
      headers['retry-after'] = String(err.extra.retry_after);
    return { problem: problem(err.code, err.message, err.extra), headers, unexpected: false };
  }
  if (err instanceof HttpProblem)
    return { problem: problem(err.code, err.message, err.extra), headers: err.headers, unexpected: false };
  if (err instanceof Unauthorized)
    return { problem: problem('unauthorized', err.message), headers: {}, unexpected: false };
  if (err instanceof MailUnavailable)
    return { problem: problem('email_unavailable', err.message), headers: {}, unexpected: false };
  if (err instanceof Throttled)
    return {
      problem: problem('rate_limited', err.message, { retry_after: err.retryAfterSeconds }),
      headers: { 'retry-after': String(err.retryAfterSeconds) },
      unexpected: false,
    };
  if (err instanceof PaymentsUnavailable || err instanceof PaymentError)
    return { problem: problem('payments_unavailable', err.message), headers: {}, unexpected: false };
  const fe = err as Partial<FastifyError> & { validationContext?: string; validation?: AjvError[] };
  if (fe && Array.isArray(fe.validation) && fe.validation.length > 0) {
    const context = fe.validationContext ?? 'body';
    const e = pickError(fe.validation);
    const { field, message } = describeValidation(context, e);
    return {
      problem: problem('validation_failed', `${field} ${message}`, { errors: [{ field, message }] }),
      headers: {},
      unexpected: false,
    };
  }
  const known = fe?.code ? FASTIFY_CODES[fe.code] : undefined;
  if (known) return { problem: problem(known[0], known[1]), headers: {}, unexpected: false };
  if (fe && fe.statusCode === 400 && (err instanceof SyntaxError || fe.name === 'SyntaxError'))
    return {
      problem: problem('validation_failed', 'the body is not valid JSON'),
      headers: {},
      unexpected: false,
    };
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code: ProblemCode =
      fe.statusCode === 404
        ? 'not_found'
        : fe.statusCode === 405
          ? 'method_not_allowed'
          : fe.statusCode === 413
            ? 'payload_too_large'
            : fe.statusCode === 415
              ? 'unsupported_media_type'
              : fe.statusCode === 429
                ? 'rate_limited'
                : 'validation_failed';
    // Fastify's own 4xx messages describe the request, not the server; still, keep them short.
    const detail = typeof fe.message === 'string' && fe.message.length < 200 ? fe.message : PROBLEMS[code][1];
    return { problem: problem(code, detail), headers: {}, unexpected: false };
  }
  return {
    problem: problem('internal_error', `an unexpected error occurred; it was logged as request ${requestId}`),
    headers: {},
    unexpected: true,
  };
}

export function sendProblem(reply: FastifyReply, p: Problem, headers: Record<string, string> = {}) {
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  return reply.code(p.status).type('application/problem+json').send(JSON.stringify(p));
}

export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const mapped = toProblem(err, request.id);
  if (mapped.unexpected) request.log.error({ err }, 'request failed');
  else request.log.info({ code: mapped.problem.code, status: mapped.problem.status }, 'request refused');
  return sendProblem(reply, mapped.problem, mapped.headers);
}
