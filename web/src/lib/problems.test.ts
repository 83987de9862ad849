import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from '../api/client';
import { explain } from './problems';

const problem = (code: string, status: number, extra: Record<string, unknown> = {}, detail = 'x') =>
  new ApiError({ title: 't', status, code, detail, ...extra });

describe('problems in words a person understands', () => {
  it('insufficient_credits gives the exact shortfall and offers to buy', () => {
    const e = explain(problem('insufficient_credits', 402, { required: 8, available: 5 }));
    expect(e.title).toBe('Not enough credits');
    expect(e.detail).toContain('8 credits');
    expect(e.detail).toContain('3 short');
    expect(e.next).toBe('buy');
    expect(e.short).toBe(3);
  });
  it('tier_not_allowed says a higher plan is needed and offers to compare plans', () => {
    const e = explain(problem('tier_not_allowed', 409, {}, 'team access needs Pro or above'));
    expect(e.title).toBe('Needs a higher plan');
    expect(e.detail).toContain('Pro or above');
    expect(e.next).toBe('upgrade');
  });
  it('budget_exceeded names the budget and what is left', () => {
    const e = explain(
      problem(
        'budget_exceeded',
        402,
        { budget_id: 'bud_7', remaining: 0, required: 1 },
        'member budget bud_7 allows 0 more credits this period, 1 required',
      ),
    );
    expect(e.title).toBe('Budget reached');
    expect(e.detail).toContain('member budget bud_7');
    expect(e.detail).toContain('0 more credits');
    expect(e.detail).toContain('admin');
  });
  it('a lost network offers a retry and says nothing changed', () => {
    const e = explain(new NetworkError('Failed to fetch'));
    expect(e.next).toBe('retry');
    expect(e.detail).toContain('Nothing was changed');
  });
  it('rate limits say when to retry', () => {
    const e = explain(problem('rate_limited', 429, { retry_after: 5 }, 'slow down.'));
    expect(e.detail).toContain('5 seconds');
    expect(e.next).toBe('retry');
  });
  it('server errors offer a retry; refusals do not', () => {
    expect(explain(problem('internal_error', 500)).next).toBe('retry');
    expect(explain(problem('forbidden', 403)).next).toBeUndefined();
  });
  it("a password too easy to guess says why in the estimator's words, not the field path", () => {
    const e = explain(
      problem(
        'validation_failed',
        400,
        {
          password_score: 1,
          min_password_score: 3,
          warning: 'This is a very common password.',
          suggestions: ['Add more words that are less common.'],
        },
        'body.password is too easy to guess (strength 1 of 4, at least 3 needed): This is a very common password.',
      ),
    );
    expect(e.title).toBe('Choose a password that is harder to guess');
    expect(e.detail).toBe(
      'This is a very common password. Add more words that are less common. Strength 1 of 4; 3 needed.',
    );
    expect(e.detail).not.toContain('body.password');
  });
  it('account links say what happened to them', () => {
    const expired = explain(problem('token_expired', 410, { expired_at: '2026-12-04T10:30:00.000Z' }));
    expect(expired.title).toBe('This link has expired');
    expect(expired.detail).toBe('It stopped working on Dec 4, 2026, 10:30 AM UTC. Ask for a new link.');
    expect(explain(problem('token_used', 409, {}, 'this link was already used')).title).toBe(
      'This link was already used',
    );
    expect(explain(problem('token_invalid', 400, {}, 'unknown token')).detail).toContain('newer email');
    expect(explain(problem('password_incorrect', 403)).detail).toContain('not your current password');
  });
});
