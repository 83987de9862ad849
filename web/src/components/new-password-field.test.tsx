// @vitest-environment jsdom
/**
 * The password field shared by sign-up, the reset link and the password change: the API's
 * reasons for a weak password at the field, tied to the input for screen readers; other
 * refusals are left to the form. And the notices a page may show after a step elsewhere.
 */
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { isDeadLink } from '../pages/reset-password';
import { isWeakPassword, NewPasswordField } from './new-password-field';
import { NOTICES, noticeText } from './page-notice';

afterEach(cleanup);

const weak = new ApiError({
  title: 'The request is not valid',
  status: 400,
  code: 'validation_failed',
  detail:
    'body.password is too easy to guess (strength 1 of 4, at least 3 needed): This is a very common password.',
  password_score: 1,
  min_password_score: 3,
  warning: 'This is a very common password.',
  suggestions: ['Add more words that are less common.'],
});
const problem = (code: string, status: number) => new ApiError({ title: 't', status, code, detail: 'd' });

describe('<NewPasswordField>', () => {
  it('before any answer: the help, tied to the input, and nothing marked invalid', () => {
    render(<NewPasswordField label="New password" error={null} />);
    const input = screen.getByLabelText('New password');
    expect(input.getAttribute('autocomplete')).toBe('new-password');
    expect(input.getAttribute('aria-invalid')).toBeNull();
    const help = document.getElementById(input.getAttribute('aria-describedby') ?? '');
    expect(help?.textContent).toContain('At least 8 characters');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it("a password too easy to guess: the estimator's reasons at the field, read with the input", () => {
    render(<NewPasswordField label="New password" error={weak} />);
    const input = screen.getByLabelText('New password');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toBe(
      'Choose a password that is harder to guess: This is a very common password. Add more words that are less common. Strength 1 of 4; 3 needed.',
    );
    expect(input.getAttribute('aria-describedby')?.split(' ')).toContain(alert.id);
  });

  it('other refusals are not about the field: the form shows them', () => {
    render(<NewPasswordField error={problem('rate_limited', 429)} />);
    expect(screen.getByLabelText('Password').getAttribute('aria-invalid')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(isWeakPassword(weak)).toBe(true);
    expect(isWeakPassword(problem('validation_failed', 400))).toBe(false);
  });
});

describe('the reset page and its notices', () => {
  it('expired, used and unknown links are dead (a new link is offered); a weak password is not', () => {
    for (const [code, status] of [
      ['token_expired', 410],
      ['token_used', 409],
      ['token_invalid', 400],
    ] as const)
      expect(isDeadLink(problem(code, status))).toBe(true);
    expect(isDeadLink(weak)).toBe(false);
  });

  it('only known notices are shown, never text from the URL', () => {
    expect(noticeText('?notice=password_set')).toBe(NOTICES.password_set);
    expect(noticeText('notice=password_set_signed_in&x=1')).toBe(NOTICES.password_set_signed_in);
    expect(noticeText('?notice=You+have+won')).toBeNull();
    expect(noticeText('?notice=toString')).toBeNull();
    expect(noticeText('')).toBeNull();
  });
});
