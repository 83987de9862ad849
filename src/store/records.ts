/**
 * The plain records the store's contract (types.ts) and its parts (the outbox, retention)
 * share. They live apart so those parts can name them without importing the contract that
 * imports them back.
 */
import type { DomainEvent } from '../core/index.ts';

export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface StoreEvent extends DomainEvent {
  seq: number;
}

export interface RetentionReport {
  /** Ledger idempotency records older than IDEMPOTENCY_KEPT_MS. */
  idempotency: number;
  /** Request idempotency records (outside the ledger) older than IDEMPOTENCY_KEPT_MS. */
  request_keys: number;
  /** Dispatched outbox events older than DELIVERED_EVENTS_KEPT_MS. */
  events: number;
  /** Sign-in failure counts past SIGN_IN_FAILURES_KEPT_MS. */
  sign_in_failures: number;
}
