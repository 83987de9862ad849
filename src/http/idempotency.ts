/**
 * Idempotency for mutations outside the ledger (sign-up, org creation, API keys, webhook
 * endpoints): the first request with a key reserves it, runs, and stores its status and
 * body; a replay gets them back with `Idempotent-Replayed: true`; the same key with another
 * request is 422, and while the first still runs, 409. Ledger commands get the same
 * behaviour from the store, inside the transaction that applies them.
 *
 * A reservation is a lease, renewed while its request runs: if the server running it dies
 * (kill -9, power loss) nobody renews it, and once it runs out a retry runs instead of
 * meeting 409 for the 48 hours a key is kept.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sha256 } from '../app/accounts.ts';
import type { AppDeps } from '../app/deps.ts';
import { completeRequest, releaseRequest, renewRequest, reserveRequest } from '../app/request-idempotency.ts';
import { DomainError, fingerprint } from '../core/index.ts';
import { sendProblem, toProblem } from './problem.ts';

/**
 * How long a reservation holds its key without a renewal. These requests finish in well
 * under a second (one password hash, a few writes), so 60 s is long enough that a slow but
 * live request is never taken over (it renews every 20 s anyway), and short enough that a
 * client retrying after a crash waits about a minute, not two days.
 */
export const IDEMPOTENCY_LEASE_MS = 60_000;
/** Renewed three times per lease, so two missed renewals in a row still do not lose it. */
const LEASE_RENEWAL_MS = IDEMPOTENCY_LEASE_MS / 3;

export const idempotencyKeyOf = (request: FastifyRequest): string | undefined => {
  const k = request.headers['idempotency-key'];
  return typeof k === 'string' ? k : undefined;
};

export interface Outcome {
  status: number;
  body: unknown;
  /** What a replay returns, when it must differ from the first answer (a secret is shown once). */
  stored?: unknown;
}

export async function once(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  run: () => Promise<Outcome>,
) {
  const key = idempotencyKeyOf(request);
  if (key === undefined) {
    const out = await run();
    return reply.code(out.status).send(out.body);
  }
  // The fingerprint is a digest, so a stored request never keeps a password in the clear.
  const fp = sha256(
    fingerprint({ route: request.routeOptions.url, params: request.params, body: request.body }),
  );
  const rec = await reserveRequest(deps, scope, key, fp, IDEMPOTENCY_LEASE_MS);
  if (rec) {
    if (!rec.done)
      throw new DomainError(
        'idempotency_key_in_use',
        `a request with idempotency key ${key} is still running`,
      );
    if (rec.fingerprint !== fp)
      throw new DomainError(
        'idempotency_key_reuse',
        `idempotency key ${key} was already used for a different request`,
      );
    reply.header('idempotent-replayed', 'true');
    if (rec.status >= 400)
      return reply.code(rec.status).type('application/problem+json').send(JSON.stringify(rec.body));
    return reply.code(rec.status).send(rec.body);
  }
  // Renewed on the service clock, like the reservation (the manual clock in tests).
  const renewal = setInterval(() => {
    renewRequest(deps, scope, key, IDEMPOTENCY_LEASE_MS).catch((err) =>
      request.log.warn({ err }, 'could not renew an idempotency lease'),
    );
  }, LEASE_RENEWAL_MS);
  renewal.unref();
  let out: Outcome;
  try {
    out = await run();
  } catch (e) {
    clearInterval(renewal);
    const mapped = toProblem(e, request.id);
    // A refusal is an outcome like any other and is replayed; a crash is not stored.
    if (!mapped.unexpected) {
      await completeRequest(deps, scope, key, mapped.problem.status, mapped.problem);
      return sendProblem(reply, mapped.problem, mapped.headers);
    }
    // A crash leaves no outcome to replay: free the key so the client's retry can run.
    await releaseRequest(deps, scope, key).catch(() => {});
    throw e;
  }
  clearInterval(renewal);
  await completeRequest(deps, scope, key, out.status, out.stored ?? out.body);
  return reply.code(out.status).send(out.body);
}
