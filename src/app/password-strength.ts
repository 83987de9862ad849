/**
 * Which passwords are refused: those zxcvbn-ts (a maintained estimator that knows tens of
 * thousands of common passwords, words, names, keyboard walks, repeats, dates and l33t
 * spellings) scores below `MIN_PASSWORD_SCORE`, counting the person's own email and org name
 * as words an attacker knows. The refusal says why, in zxcvbn's words.
 */
import type { ZxcvbnFactory, ZxcvbnResult } from '@zxcvbn-ts/core';
import { invalid } from '../core/index.ts';

/**
 * zxcvbn's score 3 means "safely unguessable" (about 10^8 guesses or more): enough against
 * online guessing, which the sign-in back-off slows to under a hundred tries a day, and
 * against an offline attack on a stolen scrypt hash for a good while. Score 4 would refuse
 * many passphrases people can remember (`correct horse` scores 3).
 */
export const MIN_PASSWORD_SCORE = 3;

/**
 * Characters the estimate reads; the rest of a longer password is ignored. The estimate's
 * cost grows faster than the length (a 200-character repeat took 0.5 s of the event loop, 64 characters at most ≈ 0.1 s, on
 * the reference machine under load),
 * and reading only the start is conservative: it can refuse a long password whose strength
 * lies past character 64, never accept a weak one.
 */
export const ESTIMATED_CHARACTERS = 64;

/**
 * Loaded and built on first use, then kept: the dictionaries take ≈ 1 s to import, which
 * every CLI command and every server start would otherwise pay. Levenshtein matching is off:
 * it costs 200–500 ms of the event loop per check, against 3–20 ms without.
 */
let estimator: Promise<ZxcvbnFactory> | undefined;
const zxcvbn = () => {
  estimator ??= Promise.all([
    import('@zxcvbn-ts/core'),
    import('@zxcvbn-ts/language-common'),
    import('@zxcvbn-ts/language-en'),
  ]).then(
    ([core, common, en]) =>
      new core.ZxcvbnFactory({
        dictionary: { ...common.dictionary, ...en.dictionary },
        graphs: common.adjacencyGraphs,
        translations: en.translations,
        useLevenshteinDistance: false,
        maxLength: ESTIMATED_CHARACTERS,
      }),
  );
  return estimator;
};

/** The words an attacker knows about this person: the email, its parts, the org name. */
export function personalWords(email: string, orgName?: string): string[] {
  const [local = '', domain = ''] = email.split('@');
  const words = [email, local, domain, ...local.split(/[._+-]+/), ...domain.split('.')];
  if (orgName) words.push(orgName, ...orgName.split(/\s+/));
  return [...new Set(words.filter((w) => w.length >= 3))];
}

/**
 * Throws `validation_failed` when the password is too weak, naming `field` as schema errors
 * name a field (`body.password`; `body.new_password` where the form also holds the old one).
 */
export async function checkPasswordStrength(
  password: string,
  words: string[],
  field = 'body.password',
): Promise<void> {
  const r: ZxcvbnResult = (await zxcvbn()).check(password, words);
  if (r.score >= MIN_PASSWORD_SCORE) return;
  const why = r.feedback.warning ?? 'It would be guessed quickly.';
  const how = r.feedback.suggestions.length > 0 ? ` ${r.feedback.suggestions.join(' ')}` : '';
  const message = `is too easy to guess (strength ${r.score} of 4, at least ${MIN_PASSWORD_SCORE} needed): ${why}${how}`;
  throw invalid(`${field} ${message}`, {
    errors: [{ field, message }],
    password_score: r.score,
    min_password_score: MIN_PASSWORD_SCORE,
    ...(r.feedback.warning ? { warning: r.feedback.warning } : {}),
    suggestions: r.feedback.suggestions,
  });
}
