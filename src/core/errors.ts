/**
 * Domain refusals are values with a stable code (the codes of ../shared/API.md), never
 * strings to parse. The HTTP edge maps each code to a status; the core knows no HTTP.
 * Programmer errors (a broken invariant) are thrown as plain Error and crash loudly.
 */
import { creditCount } from './wording.ts';

export type DomainErrorCode =
  | 'validation_failed'
  | 'not_found'
  | 'insufficient_credits'
  | 'budget_exceeded'
  | 'hold_not_open'
  | 'idempotency_key_reuse'
  | 'idempotency_key_in_use'
  | 'tier_not_allowed'
  | 'purchase_not_refundable'
  | 'conflict'
  // Accounts (see docs/accounts.md): one-time tokens and the verified email they prove.
  | 'email_not_verified'
  | 'invitation_email_mismatch'
  | 'token_invalid'
  | 'token_expired'
  | 'token_used'
  // A signed-in person confirming a change with their password got it wrong.
  | 'password_incorrect'
  // Not allowed for this caller in a way no scope expresses (only an owner gives ownership away).
  | 'forbidden'
  // The org was closed by its owner: its history stays readable, nothing changes it any more.
  | 'org_closed'
  | 'rate_limited';

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly extra: Record<string, unknown>;
  constructor(code: DomainErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.extra = extra;
  }
  toJSON() {
    return { code: this.code, message: this.message, ...this.extra };
  }
}

export const invalid = (message: string, extra: Record<string, unknown> = {}) =>
  new DomainError('validation_failed', message, extra);

export const notFound = (what: string, id: string) => new DomainError('not_found', `${what} ${id} not found`);

export const insufficientCredits = (available: number, required: number) =>
  new DomainError('insufficient_credits', `${creditCount(required)} required, ${available} available`, {
    available,
    required,
  });

/** Invariant assertion: a failure is a bug in this code, not a refusal. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
