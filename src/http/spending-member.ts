/**
 * Whose budget a charge counts against. A signed-in person always spends as their own
 * member of the org: budgets are set on people, so a session that could leave `member_id`
 * out (or name someone else) escaped its own hard budget (issue 13). An API key or the
 * operator key stands for a server acting for the org, which knows which of its people
 * the work is for, so it may name any member of the org (the ledger checks that the
 * member exists) or none.
 */
import type { FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.ts';

/** The member a charge, hold, quote or generation of this request counts against. */
export function spendingMember(request: FastifyRequest, named: string | undefined): string | undefined {
  if (request.principal?.kind !== 'user') return named;
  const own = request.membership;
  // The auth hook sets the membership of every session it lets into an org route.
  if (!own) throw new Error('a session reached an org route without its membership');
  if (named !== undefined && named !== own.member_id)
    throw new HttpProblem(
      'forbidden',
      `a signed-in person spends as their own member: member_id may only name you (${own.member_id}) or be left out`,
      { reason: 'member_not_caller', field: 'member_id' },
    );
  return own.member_id;
}
