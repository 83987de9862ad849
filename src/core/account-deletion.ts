/**
 * What deleting a person's account does to each org they belong to, decided before anything
 * is done: either every org has a step, or the deletion is refused with what to do first.
 *
 *  - A member, an admin, or one of several owners **leaves**.
 *  - The last owner of an org that has nobody else and nothing paid for **closes** it and
 *    leaves (the org was theirs alone; its ledger is kept, as for any closed org).
 *  - The last owner of an org with a paid plan, bought credits or other members is
 *    **refused**: the money and the people need an owner. They transfer ownership or close
 *    the org first. Free credits do not count: every org has them, and they are a gift.
 *  - A closed org needs no owner, so its last owner simply leaves.
 */
import { isClosed } from './closing.ts';
import type { OrgState } from './state.ts';

export type DeletionStep =
  | { org_id: string; action: 'leave'; member_id: string }
  | { org_id: string; action: 'close_and_leave'; member_id: string }
  | { org_id: string; action: 'refused'; member_id: string; reason: string };

/** Credits bought with money and still usable: packs. Plan credits end with the plan. */
export function paidCredits(s: OrgState, now: number): number {
  let n = 0;
  for (const g of s.grants)
    if (g.source === 'purchase' && g.closed_at === null && (g.expires_at === null || g.expires_at > now))
      n += g.remaining;
  return n;
}

/** A plan that will bill again: paid tier, not cancelled at the period end. */
export const hasPaidPlan = (s: OrgState) =>
  s.subscription.period_end !== null && !s.subscription.cancel_at_period_end;

export function accountDeletionSteps(orgs: OrgState[], email: string, now: number): DeletionStep[] {
  const steps: DeletionStep[] = [];
  for (const s of orgs) {
    const me = s.members.find((m) => m.email === email);
    if (!me) continue;
    const owners = s.members.filter((m) => m.role === 'owner');
    const lastOwner = me.role === 'owner' && owners.length === 1;
    if (!lastOwner || isClosed(s)) {
      steps.push({ org_id: s.id, action: 'leave', member_id: me.id });
      continue;
    }
    const why: string[] = [];
    if (hasPaidPlan(s)) why.push(`it is on the paid ${s.subscription.tier} plan`);
    const bought = paidCredits(s, now);
    if (bought > 0) why.push(`it has ${bought} bought credits left`);
    const others = s.members.length - 1;
    if (others > 0) why.push(`${others} other ${others === 1 ? 'person is a member' : 'people are members'}`);
    if (why.length === 0) steps.push({ org_id: s.id, action: 'close_and_leave', member_id: me.id });
    else
      steps.push({
        org_id: s.id,
        action: 'refused',
        member_id: me.id,
        reason: `you are the last owner of ${s.name} (${s.id}) and ${why.join(', ')}: transfer ownership to another member or close the org first`,
      });
  }
  return steps;
}
