/**
 * Sign-in throttles, so guessing passwords is slow and a flood cannot crowd out real
 * people. Two layers, both answered with 429 and `Retry-After` before any hashing:
 *
 *  - Per account: after `FREE_FAILURES` consecutive failures, each further attempt must wait
 *    `FIRST_BACKOFF_SECONDS × 2^(failures − FREE_FAILURES)` from the last failure, at most
 *    `LONGEST_BACKOFF_SECONDS`. A back-off, not a lockout: the owner is never shut out for
 *    longer than that, and an attacker cannot lock anyone out for good. A success forgets
 *    the failures. Kept in the database, so every server sharing PostgreSQL counts together.
 *    Keyed by a digest of the email whether or not an account has it: an unknown email
 *    backs off exactly like a known one, so the throttle says nothing about who is signed up.
 *  - Per client IP (only with `AMISI_RATE_LIMIT`): failed sign-ins and sign-up attempts
 *    draw from token buckets in the server's memory (see ../http/rate-limit.ts).
 */
import { hash } from 'node:crypto';
import { SIGN_IN_FAILURES_KEPT_MS } from '../store/retention.ts';
import type { SignInFailures } from '../store/types.ts';

/** Failures allowed before any wait: typos and a forgotten caps lock, not an attack. */
export const FREE_FAILURES = 5;

/** The first wait, doubled with each further failure. */
export const FIRST_BACKOFF_SECONDS = 1;

/**
 * The longest wait (reached after 15 failures). 15 min keeps a guesser to ≈ 96 tries a day
 * per account, while the owner who mistyped is back within a quarter of an hour.
 */
export const LONGEST_BACKOFF_SECONDS = 15 * 60;

/**
 * A day without failures and the count starts again from zero. The store's retention pass
 * deletes the rows past it, so the figure is the store's (one number, never two that drift).
 */
export const FAILURES_FORGOTTEN_AFTER_MS = SIGN_IN_FAILURES_KEPT_MS;

/**
 * Per IP, failed sign-ins: a burst of 20, then one every 6 s (10 a minute). Enough for an
 * office behind one NAT address to mistype; a password sprayer from one address is slowed
 * to 14 400 guesses a day spread over all accounts, each account also backing off.
 */
export const SIGN_IN_FAILURES_PER_IP_BURST = 20;
export const SIGN_IN_FAILURES_PER_IP_PER_SECOND = 1 / 6;

/**
 * Per IP, sign-up attempts: a burst of 20, then one every 30 s. Every sign-up hashes a
 * password and sends an email to the address given, so it is throttled like a failure.
 */
export const SIGN_UPS_PER_IP_BURST = 20;
export const SIGN_UPS_PER_IP_PER_SECOND = 1 / 30;

/**
 * Password reset requests per client IP: each one may email a person who did not ask, so
 * the budget is that of sign-ups (20 at once, then one every 30 s); each account also gets
 * at most one reset mail a minute (./password-reset.ts).
 */
export const PASSWORD_RESETS_PER_IP_BURST = 20;
export const PASSWORD_RESETS_PER_IP_PER_SECOND = 1 / 30;

/** The key failures are counted under: an email's digest, never the email itself. */
export const signInSubject = (normalizedEmail: string) => hash('sha256', `sign-in:${normalizedEmail}`);

/** Seconds the account's back-off lasts after `failures` consecutive failures (0: none). */
export function backoffSeconds(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  const exponent = Math.min(failures - FREE_FAILURES, 30); // 2^30 s is far past the cap already
  return Math.min(FIRST_BACKOFF_SECONDS * 2 ** exponent, LONGEST_BACKOFF_SECONDS);
}

/** Whole seconds to wait before the next attempt may run at `now` (0: it may run now). */
export function secondsToWait(f: SignInFailures | null, now: number): number {
  if (!f || f.last_failed_at < now - FAILURES_FORGOTTEN_AFTER_MS) return 0;
  const until = f.last_failed_at + backoffSeconds(f.failures) * 1000;
  return until > now ? Math.ceil((until - now) / 1000) : 0;
}
