/**
 * A one-line notice a page shows after a step that happened elsewhere: "your new password is
 * set" on the dashboard a reset link leads to. It is named in the URL (`?notice=…`), so a
 * reload keeps it and nothing is stored; only the names below are shown, never text taken
 * from the URL.
 */
import { useSearch } from 'wouter';

export const NOTICES = {
  password_set_signed_in:
    'Your new password is set and you are signed in. Every other device was signed out: sign in there again with the new password.',
  password_set: 'Your new password is set. Sign in with it.',
} as const;

export type NoticeName = keyof typeof NOTICES;

export function noticeText(search: string): string | null {
  const name = new URLSearchParams(search).get('notice');
  return name && Object.hasOwn(NOTICES, name) ? NOTICES[name as NoticeName] : null;
}

export function PageNotice() {
  const text = noticeText(useSearch());
  if (!text) return null;
  return (
    <div className="notice ok" role="status">
      {text}
    </div>
  );
}
