/**
 * A refusal that asks the caller to come back later: too many failed sign-ins for an
 * account, or too much password hashing already waiting. The HTTP edge answers it with
 * 429 `rate_limited` and `Retry-After`, at once and without hashing anything.
 */
export class Throttled extends Error {
  constructor(
    /** Whole seconds, at least 1: what `Retry-After` says. */
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(message);
    this.name = 'Throttled';
  }
}
