/**
 * The field where a person chooses a password: sign-up, a reset link, a password change.
 * One rule for all three (the API's: 8 characters or more, zxcvbn strength 3 of 4, the
 * person's email counting as a known word), so one field: the same help beforehand and, when
 * the API refuses the password as too easy to guess, its reasons next to the field rather
 * than at the bottom of the form. The strength is judged by the server only: its word lists
 * are too heavy to ship to every browser.
 */
import { useId } from 'react';
import { ApiError } from '../api/client';
import { explain } from '../lib/problems';
import './forms.css';

/** The API refused a password as too easy to guess (a `validation_failed` with a score). */
export function isWeakPassword(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.code === 'validation_failed' &&
    error.problem.password_score !== undefined
  );
}

export function NewPasswordField({
  name = 'password',
  label = 'Password',
  error,
  onInput,
}: {
  name?: string;
  label?: string;
  /** The form's last refusal: shown here when it is about this password's strength. */
  error: unknown;
  onInput?: () => void;
}) {
  const id = useId();
  const weak = isWeakPassword(error);
  const e = weak ? explain(error) : null;
  return (
    <>
      <label>
        {label}
        <input
          name={name}
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          maxLength={200}
          aria-invalid={weak || undefined}
          aria-describedby={weak ? `${id}-help ${id}-error` : `${id}-help`}
          onInput={onInput}
        />
      </label>
      <p id={`${id}-help`} className="help">
        At least 8 characters; a few unusual words make a strong one.
      </p>
      {e && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {e.title}: {e.detail}
        </p>
      )}
    </>
  );
}
