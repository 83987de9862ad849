import { describe, expect, it } from 'vitest';
import {
  backoffSeconds,
  FAILURES_FORGOTTEN_AFTER_MS,
  FIRST_BACKOFF_SECONDS,
  FREE_FAILURES,
  LONGEST_BACKOFF_SECONDS,
  secondsToWait,
  signInSubject,
} from './sign-in-throttle.ts';

const T = Date.UTC(2026, 5, 1);

describe('the sign-in back-off', () => {
  it('lets FREE_FAILURES failures go without a wait, then doubles the wait with each failure', () => {
    expect(Array.from({ length: FREE_FAILURES }, (_, i) => backoffSeconds(i))).toEqual(
      Array(FREE_FAILURES).fill(0),
    );
    expect([0, 1, 2, 3].map((k) => backoffSeconds(FREE_FAILURES + k))).toEqual(
      [1, 2, 4, 8].map((x) => x * FIRST_BACKOFF_SECONDS),
    );
  });

  it('never waits longer than LONGEST_BACKOFF_SECONDS, however many failures', () => {
    for (const failures of [20, 60, 1_000_000])
      expect(backoffSeconds(failures)).toBe(LONGEST_BACKOFF_SECONDS);
  });

  it('counts the wait from the last failure and forgets failures after a quiet day', () => {
    const f = { failures: FREE_FAILURES + 2, last_failed_at: T };
    expect(secondsToWait(f, T)).toBe(4);
    expect(secondsToWait(f, T + 3_500)).toBe(1);
    expect(secondsToWait(f, T + 4_000)).toBe(0);
    const many = { failures: 100, last_failed_at: T };
    expect(secondsToWait(many, T + FAILURES_FORGOTTEN_AFTER_MS + 1)).toBe(0);
    expect(secondsToWait(null, T)).toBe(0);
  });

  it('keys failures by a digest of the email, never the email itself', () => {
    expect(signInSubject('a@example.com')).not.toContain('example');
    expect(signInSubject('a@example.com')).toBe(signInSubject('a@example.com'));
    expect(signInSubject('a@example.com')).not.toBe(signInSubject('b@example.com'));
  });
});
