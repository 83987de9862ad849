/**
 * The stored side of `Idempotency-Key` for mutations outside the ledger (sign-up, org
 * creation, API keys, webhook endpoints): a reservation is a lease the running request
 * renews, completed with the answer to replay, or released when the request crashed. The
 * HTTP edge (`../http/idempotency.ts`) decides what a replay answers; this is where it is kept.
 */
import type { AppDeps } from './deps.ts';

export const reserveRequest = (
  deps: AppDeps,
  scope: string,
  key: string,
  fingerprint: string,
  leaseMs: number,
) => {
  const now = deps.clock.now();
  return deps.store.reserveIdempotency(scope, key, fingerprint, now, now + leaseMs);
};

export const renewRequest = (deps: AppDeps, scope: string, key: string, leaseMs: number) =>
  deps.store.renewIdempotencyLease(scope, key, deps.clock.now() + leaseMs);

export const completeRequest = (deps: AppDeps, scope: string, key: string, status: number, body: unknown) =>
  deps.store.completeIdempotency(scope, key, status, body);

export const releaseRequest = (deps: AppDeps, scope: string, key: string) =>
  deps.store.releaseIdempotency(scope, key);
