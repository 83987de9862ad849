/**
 * Retention: what the store keeps only for a while is deleted once past its window, by
 * the scheduler, oldest first and a bounded batch per pass (one short indexed statement
 * per kind), so a backlog drains over a few passes and no pass holds the writer long.
 * Expired sessions are pruned the same way (`pruneExpiredSessions`); so are sign-in
 * failure counts past their window, here.
 */
import { IDEMPOTENCY_KEPT_MS } from '../core/index.ts';
import type { Dialect } from './dialect.ts';
import type { RetentionReport } from './records.ts';
import { inTransaction, type Proc, run } from './sql.ts';
import { REQUEST_KEYS_KEPT_MS } from './types.ts';

/**
 * Delivered (dispatched) outbox events are kept this long after they happened: their
 * deliveries are jobs with their own copy of the payload, so the events themselves are
 * only there for an operator to look at.
 */
export const DELIVERED_EVENTS_KEPT_MS = 7 * 86_400_000;

/**
 * A failed sign-in counts toward its account's back-off for a day (the app's
 * FAILURES_FORGOTTEN_AFTER_MS is this figure): after that its row only takes room, and the
 * retention pass deletes it. Rows for addresses nobody owns are made only as fast as the
 * per-IP failure budget allows, so a pass's batch outpaces them.
 */
export const SIGN_IN_FAILURES_KEPT_MS = 24 * 3_600_000;

/** Rows of each kind deleted per scheduler pass at most. */
export const RETAINED_ROWS_PRUNED_PER_PASS = 5_000;

export const retentionWrites = {
  *pruneRetained(_d: Dialect, now: number, limit: number): Proc<RetentionReport> {
    return yield* inTransaction(function* () {
      const keysBefore = now - IDEMPOTENCY_KEPT_MS;
      const idempotency = yield* run(
        `DELETE FROM idempotency WHERE (org_id, key) IN
           (SELECT org_id, key FROM idempotency WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
        keysBefore,
        limit,
      );
      // A reservation still running under a live lease is never taken from its server.
      const request_keys = yield* run(
        `DELETE FROM request_idempotency WHERE (scope, key) IN
           (SELECT scope, key FROM request_idempotency WHERE created_at < ? ORDER BY created_at LIMIT ?)
           AND (done = ? OR coalesce(lease_expires_at, 0) <= ?)`,
        now - REQUEST_KEYS_KEPT_MS,
        limit,
        true,
        now,
      );
      // Events are appended in time order: looking at the oldest `limit` rows only keeps the
      // statement bounded even when none of them may go yet (no index on time needed).
      const events = yield* run(
        `DELETE FROM events WHERE seq IN
           (SELECT seq FROM (SELECT seq, dispatched, at FROM events ORDER BY seq LIMIT ?) AS oldest
             WHERE dispatched = ? AND at < ?)`,
        limit,
        true,
        now - DELIVERED_EVENTS_KEPT_MS,
      );
      // Failure counts past their window count for nothing: oldest first, by the age index.
      const sign_in_failures = yield* run(
        `DELETE FROM sign_in_failures WHERE subject IN
           (SELECT subject FROM sign_in_failures WHERE last_failed_at < ? ORDER BY last_failed_at LIMIT ?)`,
        now - SIGN_IN_FAILURES_KEPT_MS,
        limit,
      );
      return { idempotency, request_keys, events, sign_in_failures };
    });
  },
};

export type { RetentionReport };
