/**
 * Handing out access: a credential grants only what it holds itself. Adding a member hands
 * out the scopes of the member's role (ROLE_SCOPES); minting an API key hands out the key's
 * scopes. So the caller must hold each of them, and only an owner (or the operator) makes
 * owners: an owner holds no more scopes than an admin, but owning is the one thing an admin
 * cannot take away, so an admin who could make owners could make itself untouchable.
 * Without these checks an admin-scoped API key added an owner for an address its holder
 * controlled, who then minted a key with every scope (issue 13).
 */
import type { FastifyRequest } from 'fastify';
import type { Membership, Scope } from '../app/vocabulary.ts';
import { callerScopes, ROLE_SCOPES } from './auth.ts';
import { HttpProblem } from './problem.ts';

type Role = Membership['role'];

function lacking(request: FastifyRequest, scopes: readonly Scope[]): Scope[] {
  const mine = callerScopes(request);
  return scopes.filter((s) => !mine.includes(s));
}

/** An API key minted by this request may carry only scopes the caller holds. */
export function checkMayGrantScopes(request: FastifyRequest, scopes: readonly Scope[]): void {
  const extra = lacking(request, scopes);
  if (extra.length > 0)
    throw new HttpProblem('forbidden', `you cannot grant scopes you do not hold: ${extra.join(', ')}`, {
      reason: 'scope_not_held',
      scopes: extra,
    });
}

/** A member added (or given a role) by this request may get only a role the caller may hand out. */
export function checkMayGrantRole(request: FastifyRequest, role: Role): void {
  const p = request.principal;
  if (role === 'owner' && p?.kind !== 'admin' && request.membership?.role !== 'owner')
    throw new HttpProblem('forbidden', 'only an owner of the org (or the operator) may make owners', {
      reason: 'role_not_held',
      role,
    });
  const extra = lacking(request, ROLE_SCOPES[role]);
  if (extra.length > 0)
    throw new HttpProblem(
      'forbidden',
      `the ${role} role carries scopes you do not hold (${extra.join(', ')}), so you cannot grant it`,
      { reason: 'role_not_held', role, scopes: extra },
    );
}
