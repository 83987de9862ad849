/**
 * Who is calling and what they may do. Three kinds of caller:
 *  - the operator, with `AMISI_ADMIN_KEY` as a Bearer token: everything;
 *  - an org API key (Bearer `amisi_sk_…`): its own org only, and only its scopes;
 *  - a signed-in person (session cookie): the orgs they are a member of, by role; every
 *    mutation must also carry the session's CSRF token in `X-CSRF-Token`.
 * Another org's resources answer 404, exactly as if they did not exist.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { keyFor, memberships, sameDigest, secretDigest, sessionFor } from '../app/accounts.ts';
import type { AppDeps } from '../app/deps.ts';
import { refuseIfOrgClosed } from '../app/leaving.ts';
import type { ApiKey, Membership, Scope, Session, User } from '../app/vocabulary.ts';
import { plural } from '../core/index.ts';
import { idempotencyKeyOf } from './idempotency.ts';
import { HttpProblem } from './problem.ts';
import type { TokenBuckets } from './rate-limit.ts';

export const SESSION_COOKIE = 'amisi_session';

export type Principal =
  | { kind: 'admin'; id: 'admin' }
  | { kind: 'key'; id: string; key: ApiKey }
  | { kind: 'user'; id: string; user: User; session: Session; token: string };

/**
 * What a route requires:
 *  - public: nobody in particular (catalog, sign-up, health);
 *  - operator: the admin key;
 *  - user: a signed-in person (me, logout);
 *  - create_org: the operator or a signed-in person;
 *  - org: access to the `:org` of the path with `scope`; `operatorOnly` narrows it to the admin key.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'operator' }
  | { kind: 'user' }
  | { kind: 'create_org' }
  | {
      kind: 'org';
      scope: Scope;
      operatorOnly?: boolean;
      /**
       * A write that does not go through the ledger (keys, webhook endpoints, invitations, a
       * checkout with the payment provider): refused with 410 `org_closed` on a closed org,
       * for every credential. Ledger writes need no flag: the core refuses them itself
       * (core/closing.ts), so they pay for no extra load.
       */
      refusedWhenClosed?: boolean;
      /**
       * Leaving ends the membership this check looks for, so a retry of a leave that
       * succeeded finds none. A signed-in person without a membership who sends an
       * `Idempotency-Key` is let through to the route, which replays the first answer under
       * that key or, when there is none, answers the same 404 as here. Nothing is revealed:
       * the replay is keyed by the person and the org, so only a former member finds one.
       */
      replaysAfterLeaving?: boolean;
    };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    membership: Membership | null;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

/** What each role of a member may do in its org. */
export const ROLE_SCOPES: Record<Membership['role'], Scope[]> = {
  owner: ['read', 'usage', 'billing', 'admin'],
  admin: ['read', 'usage', 'billing', 'admin'],
  member: ['read', 'usage'],
};

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AuthOptions {
  deps: AppDeps;
  adminKey: string | null;
  ipBuckets: TokenBuckets | null;
  keyBuckets: TokenBuckets | null;
}

function rateLimit(buckets: TokenBuckets | null, id: string) {
  if (!buckets) return;
  const wait = buckets.take(id);
  if (wait > 0)
    throw new HttpProblem(
      'rate_limited',
      `too many requests; retry in ${plural(wait, 'second')}`,
      { retry_after: wait },
      { 'retry-after': String(wait) },
    );
}

async function identify(
  o: AuthOptions,
  adminDigest: Buffer | null,
  request: FastifyRequest,
): Promise<Principal | null> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header);
    if (!m) throw new HttpProblem('unauthorized', 'the Authorization header must be "Bearer <key>"');
    const token = m[1]!;
    const digest = secretDigest(token);
    if (adminDigest !== null && sameDigest(digest, adminDigest)) return { kind: 'admin', id: 'admin' };
    const key = await keyFor(o.deps, token, digest);
    if (!key) throw new HttpProblem('unauthorized', 'the API key is not valid or was revoked');
    return { kind: 'key', id: key.id, key };
  }
  const token = request.cookies?.[SESSION_COOKIE];
  if (token) {
    const s = await sessionFor(o.deps, token);
    if (s) return { kind: 'user', id: s.user.id, user: s.user, session: s.session, token };
  }
  return null;
}

export function authHook(o: AuthOptions) {
  const adminDigest = o.adminKey === null ? null : secretDigest(o.adminKey);
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    request.principal = null;
    request.membership = null;
    const access: Access = request.routeOptions.config?.access ?? { kind: 'public' };
    rateLimit(o.ipBuckets, `ip:${request.ip}`);
    const p = await identify(o, adminDigest, request);
    request.principal = p;
    if (p) rateLimit(o.keyBuckets, `${p.kind}:${p.id}`);
    if (access.kind === 'public') return;
    if (!p)
      throw new HttpProblem(
        'unauthorized',
        access.kind === 'operator'
          ? 'this endpoint needs the operator key (Authorization: Bearer <AMISI_ADMIN_KEY>)'
          : 'send an API key (Authorization: Bearer <key>) or sign in',
      );
    if (p.kind === 'user' && MUTATING.has(request.method)) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || sent !== p.session.csrf_token)
        throw new HttpProblem(
          'forbidden',
          'the X-CSRF-Token header is missing or does not match the session',
          {
            reason: 'csrf',
          },
        );
    }
    switch (access.kind) {
      case 'operator':
        if (p.kind !== 'admin')
          throw new HttpProblem('forbidden', 'only the operator key may call this endpoint');
        return;
      case 'user':
        if (p.kind !== 'user') throw new HttpProblem('forbidden', 'this endpoint is for signed-in people');
        return;
      case 'create_org':
        if (p.kind === 'key') throw new HttpProblem('forbidden', 'an org API key cannot create orgs');
        return;
      case 'org':
        return checkOrg(o, request, p, access);
    }
  };
}

async function checkOrg(
  o: AuthOptions,
  request: FastifyRequest,
  p: Principal,
  access: Extract<Access, { kind: 'org' }>,
) {
  const org = (request.params as { org?: string }).org ?? '';
  // No closures here: this runs on every org request, and each would be made per call.
  if (p.kind !== 'admin') {
    let scopes: Scope[];
    if (p.kind === 'key') {
      if (p.key.org_id !== org) throw hiddenOrg(org);
      scopes = p.key.scopes;
    } else {
      const m = (await memberships(o.deps, p.user)).find((x) => x.org_id === org);
      if (!m && access.replaysAfterLeaving && idempotencyKeyOf(request) !== undefined) return;
      if (!m) throw hiddenOrg(org);
      request.membership = m;
      scopes = ROLE_SCOPES[m.role];
    }
    if (access.operatorOnly) throw new HttpProblem('forbidden', 'only the operator key may do this');
    if (!scopes.includes(access.scope))
      throw new HttpProblem(
        'forbidden',
        p.kind === 'key'
          ? `this API key lacks the "${access.scope}" scope`
          : `the ${request.membership?.role} role may not do this (needs "${access.scope}" access)`,
        { required_scope: access.scope },
      );
  }
  if (access.refusedWhenClosed) await refuseIfOrgClosed(o.deps, org);
}

/** Another org's resources answer 404, exactly as if they did not exist. */
const hiddenOrg = (org: string) => new HttpProblem('not_found', `org ${org} not found`);

/** The scopes the caller holds in the org of the request (the operator holds all). */
export function callerScopes(request: FastifyRequest): Scope[] {
  const p = request.principal;
  if (!p || p.kind === 'admin') return ['read', 'usage', 'billing', 'admin'];
  if (p.kind === 'key') return p.key.scopes;
  return request.membership ? ROLE_SCOPES[request.membership.role] : [];
}
