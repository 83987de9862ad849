/**
 * A person's browser sessions: list them, end one, end all but the current one, sign out.
 * Signing in and the session a cookie names are `accounts.ts`; these are the rest.
 */
import type { Session } from '../store/types.ts';
import type { AppDeps } from './deps.ts';

/** Signing out: the session a cookie named is gone (the cookie is cleared at the edge). */
export const endSession = (deps: AppDeps, hash: string) => deps.store.deleteSession(hash);

/** Sessions not yet expired at `now`. */
export const sessionsOf = (deps: AppDeps, userId: string, now: number): Promise<Session[]> =>
  deps.store.listUserSessions(userId, now);

/** False when the person has no such session (another person's id reads the same). */
export const endUserSession = (deps: AppDeps, userId: string, id: string) =>
  deps.store.deleteUserSession(userId, id);

/** How many sessions ended; the one whose hash is `keepHash` stays. */
export const endOtherSessions = (deps: AppDeps, userId: string, keepHash: string) =>
  deps.store.deleteUserSessions(userId, keepHash);
