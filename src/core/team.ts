/**
 * Members and projects: who spends from the org's one pool, and what for. Members beyond
 * the owner need a tier with team access (Pro, Business, Enterprise); budgets and charges
 * may only name members and projects that exist, so a typo cannot escape a budget.
 */
import { tierOf } from './catalog.ts';
import type { Ctx } from './context.ts';
import { DomainError, invalid, notFound } from './errors.ts';
import { type Member, nextId, type Project, type Role } from './state.ts';

export const MAX_MEMBERS = 1000;
export const MAX_PROJECTS = 1000;

export function addMember(ctx: Ctx, email: string, role: Role): Member {
  const s = ctx.state;
  const normalized = email.trim().toLowerCase();
  if (s.members.some((m) => m.email === normalized))
    throw new DomainError('conflict', `${normalized} is already a member of this org`);
  if (s.members.length > 0 && !tierOf(ctx.catalog, s.subscription.tier).team)
    throw new DomainError(
      'tier_not_allowed',
      `the ${s.subscription.tier} tier has no team access; upgrade to Pro or above`,
    );
  if (s.members.length >= MAX_MEMBERS) throw invalid(`an org has at most ${MAX_MEMBERS} members`);
  const m: Member = { id: nextId(s, 'mem'), email: normalized, role, created_at: ctx.now };
  s.members.push(m);
  return m;
}

export function removeMember(ctx: Ctx, id: string): Member {
  const s = ctx.state;
  const m = findMember(ctx, id);
  // A closed org needs no owner: nothing can change it, and its last owner may delete their account.
  if (m.role === 'owner' && s.closed_at == null && s.members.filter((x) => x.role === 'owner').length === 1)
    throw new DomainError(
      'conflict',
      'the last owner of an org cannot be removed or leave: transfer ownership to another member first, or close the org',
    );
  s.members = s.members.filter((x) => x.id !== id);
  return m;
}

/**
 * Ownership passes from one member to another: the new owner takes the role, the one who
 * gave it becomes an admin (they keep running the org, but an org with an absent second
 * owner is how a departed founder keeps a key to it). Only an owner gives ownership away.
 */
export function transferOwnership(ctx: Ctx, fromId: string, toId: string): { from: Member; to: Member } {
  const from = findMember(ctx, fromId);
  const to = findMember(ctx, toId);
  if (from.role !== 'owner') throw new DomainError('forbidden', 'only an owner can transfer ownership');
  if (from.id === to.id) throw invalid('ownership is transferred to another member', { field: 'member_id' });
  if (to.role === 'owner') throw new DomainError('conflict', `${to.email} is already an owner of this org`);
  to.role = 'owner';
  from.role = 'admin';
  return { from, to };
}

/**
 * A person changed the email of their account: their membership follows, keeping its id
 * (budgets, holds and the transaction log name members by id), so they keep everything and
 * the old address, which someone else may own one day, no longer reaches the org.
 */
export function changeMemberEmail(ctx: Ctx, email: string, newEmail: string): Member {
  const from = email.trim().toLowerCase();
  const to = newEmail.trim().toLowerCase();
  const m = ctx.state.members.find((x) => x.email === from);
  if (!m) throw new DomainError('not_found', `${from} is not a member of this org`);
  if (from === to) return m;
  if (ctx.state.members.some((x) => x.email === to))
    throw new DomainError('conflict', `${to} is already a member of this org`);
  m.email = to;
  return m;
}

export function addProject(ctx: Ctx, name: string): Project {
  const s = ctx.state;
  if (s.projects.length >= MAX_PROJECTS) throw invalid(`an org has at most ${MAX_PROJECTS} projects`);
  const p: Project = { id: nextId(s, 'prj'), name, created_at: ctx.now };
  s.projects.push(p);
  return p;
}

export function findMember(ctx: Ctx, id: string): Member {
  const m = ctx.state.members.find((x) => x.id === id);
  if (!m) throw notFound('member', id);
  return m;
}

export function findProject(ctx: Ctx, id: string): Project {
  const p = ctx.state.projects.find((x) => x.id === id);
  if (!p) throw notFound('project', id);
  return p;
}

/** A charge or budget may name a member and a project; both must exist in this org. */
export function checkScope(
  ctx: Ctx,
  member_id: string | null | undefined,
  project_id: string | null | undefined,
) {
  if (member_id != null) findMember(ctx, member_id);
  if (project_id != null) findProject(ctx, project_id);
}
