/**
 * The API's refusals in words a person understands, with the next step. The server's
 * `detail` is exact but written for developers; this adds what to do about it.
 */
import { ApiError, NetworkError } from '../api/client';
import { credits, dateTime } from './format';

export interface Explained {
  title: string;
  detail: string;
  /** What to do next, when there is something to do. */
  next?: 'retry' | 'buy' | 'sign_in' | 'upgrade';
  /** Credits missing, for insufficient_credits: what a pack must at least cover. */
  short?: number;
}

export function explain(error: unknown): Explained {
  if (error instanceof NetworkError)
    return {
      title: 'Cannot reach Amisi',
      detail: 'The connection to the server was lost. Nothing was changed by the failed attempt.',
      next: 'retry',
    };
  if (!(error instanceof ApiError))
    return {
      title: 'Something went wrong',
      detail: String((error as Error)?.message ?? error),
      next: 'retry',
    };
  const p = error.problem;
  const detail = p.detail ?? p.title;
  switch (p.code) {
    case 'insufficient_credits': {
      const required = Number(p.required);
      const available = Number(p.available);
      if (!Number.isFinite(required) || !Number.isFinite(available))
        return {
          title: 'Not enough credits',
          detail: `${detail}. Buy a credit pack or upgrade your plan.`,
          next: 'buy',
        };
      const short = Math.max(0, required - available);
      return {
        title: 'Not enough credits',
        detail: `This needs ${credits(required)} and ${available} ${available === 1 ? 'is' : 'are'} available: ${short} short. Buy a credit pack or upgrade your plan, then try again.`,
        next: 'buy',
        short,
      };
    }
    case 'budget_exceeded': {
      const budget = typeof p.budget_id === 'string' ? p.budget_id : 'of this work';
      const scope = /^(member|project) budget/.exec(detail)?.[1];
      const remaining = p.remaining !== undefined ? Number(p.remaining) : null;
      const required = p.required !== undefined ? Number(p.required) : null;
      return {
        title: 'Budget reached',
        detail: `The ${scope ? `${scope} ` : ''}budget ${budget} allows ${remaining === null ? 'no' : remaining} more ${remaining === 1 ? 'credit' : 'credits'} this period${required === null ? '' : `; this needs ${required}`}. Ask an admin of the org to raise the budget, or spend less.`,
      };
    }
    case 'unauthorized':
      return { title: 'Please sign in', detail, next: 'sign_in' };
    case 'forbidden':
      return { title: 'Not allowed', detail };
    case 'rate_limited':
      return {
        title: p.reason === 'too_many_generations' ? 'Too many generations running' : 'Too many requests',
        detail: `${detail}${p.retry_after !== undefined ? ` Try again in ${p.retry_after} seconds.` : ''}`,
        next: 'retry',
      };
    case 'not_found':
      return { title: 'Not found', detail: `${detail}. It may have been removed, or belong to another org.` };
    case 'idempotency_key_in_use':
      return {
        title: 'Still working on it',
        detail: 'The same request is still running. Wait a moment.',
        next: 'retry',
      };
    case 'payments_unavailable':
      return {
        title: 'Payments are not available',
        detail: `${detail}. Nothing was charged; try again in a few minutes.`,
        next: 'retry',
      };
    case 'validation_failed':
      if (p.password_score !== undefined) return weakPassword(p);
      return { title: 'Please check the form', detail };
    case 'tier_not_allowed':
      return { title: 'Needs a higher plan', detail, next: 'upgrade' };
    case 'password_incorrect':
      return {
        title: 'Wrong password',
        detail: 'That is not your current password. Too many wrong tries make you wait before the next.',
      };
    case 'token_expired':
      return {
        title: 'This link has expired',
        detail: `${typeof p.expired_at === 'string' ? `It stopped working on ${dateTime(p.expired_at)}. ` : ''}Ask for a new link.`,
      };
    case 'token_used':
      return { title: 'This link was already used', detail: 'Each link works once.' };
    case 'token_invalid':
      return {
        title: 'This link does not work',
        detail:
          'A newer email may have replaced it, it may have been revoked, or it was copied incompletely. Use the link in the newest email.',
      };
    default:
      return {
        title: p.title || 'The request was refused',
        detail,
        ...(error.status >= 500 ? { next: 'retry' as const } : {}),
      };
  }
}

/**
 * A password the API judged too easy to guess (zxcvbn, the sign-up rule): its own warning and
 * suggestions, and how far off it is, instead of the field path the API names.
 */
function weakPassword(p: Record<string, unknown>): Explained {
  const score = Number(p.password_score);
  const needed = Number(p.min_password_score);
  const warning = typeof p.warning === 'string' && p.warning ? p.warning : 'It would be guessed quickly.';
  const suggestions = Array.isArray(p.suggestions) ? p.suggestions.filter((x) => typeof x === 'string') : [];
  const tail =
    Number.isFinite(score) && Number.isFinite(needed) ? ` Strength ${score} of 4; ${needed} needed.` : '';
  return {
    title: 'Choose a password that is harder to guess',
    detail: [warning, ...suggestions].join(' ') + tail,
  };
}
