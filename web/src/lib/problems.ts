/**
 * The API's refusals in words a person understands, with the next step. The server's
 * `detail` is exact but written for developers; this adds what to do about it.
 */
import { ApiError, NetworkError } from '../api/client';

export interface Explained {
  title: string;
  detail: string;
  /** What to do next, when there is something to do. */
  next?: 'retry' | 'buy' | 'sign_in' | 'upgrade';
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
      return {
        title: 'Not enough credits',
        detail: `This needs ${required} credits and ${available} are available: ${required - available} short.`,
        next: 'buy',
      };
    }
    case 'budget_exceeded':
      return {
        title: 'Budget reached',
        detail: `${detail}${p.remaining !== undefined ? ` (${p.remaining} credits left in budget ${p.budget_id})` : ''}. Ask an admin of the org to raise it.`,
      };
    case 'unauthorized':
      return { title: 'Please sign in', detail, next: 'sign_in' };
    case 'forbidden':
      return { title: 'Not allowed', detail };
    case 'rate_limited':
      return { title: 'Too many requests', detail, next: 'retry' };
    case 'validation_failed':
      return { title: 'Please check the form', detail };
    case 'tier_not_allowed':
      return { title: 'Needs a higher plan', detail, next: 'upgrade' };
    default:
      return {
        title: p.title || 'The request was refused',
        detail,
        ...(error.status >= 500 ? { next: 'retry' as const } : {}),
      };
  }
}
