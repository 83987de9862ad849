import { describe, expect, it } from 'vitest';
import { accountDeletionSteps } from './account-deletion.ts';
import type { Member, OrgState, Purchase } from './state.ts';
import { at, DAY, ledgerWith, refusal } from './test-helpers.ts';

const t0 = at('2025-01-10');

function team() {
  const l = ledgerWith('pro', t0);
  const owner = l.run<Member>('org_a', { type: 'add_member', email: 'o@acme.test', role: 'owner' }, t0);
  const dev = l.run<Member>('org_a', { type: 'add_member', email: 'dev@acme.test', role: 'member' }, t0);
  return { l, owner, dev };
}

describe('transferring ownership', () => {
  it('makes the other member the owner and the one who gave it an admin', () => {
    const { l, owner, dev } = team();
    l.run('org_a', { type: 'transfer_ownership', from_member_id: owner.id, to_member_id: dev.id }, t0);
    const roles = Object.fromEntries(l.org('org_a').members.map((m) => [m.email, m.role]));
    expect(roles).toEqual({ 'o@acme.test': 'admin', 'dev@acme.test': 'owner' });
  });

  it('is refused to anyone but an owner, and to oneself', () => {
    const { l, owner, dev } = team();
    const notOwner = { type: 'transfer_ownership', from_member_id: dev.id, to_member_id: owner.id } as const;
    expect(refusal(() => l.run('org_a', notOwner, t0)).code).toBe('forbidden');
    const self = { type: 'transfer_ownership', from_member_id: owner.id, to_member_id: owner.id } as const;
    expect(refusal(() => l.run('org_a', self, t0)).code).toBe('validation_failed');
    const nobody = { type: 'transfer_ownership', from_member_id: owner.id, to_member_id: 'mem_x' } as const;
    expect(refusal(() => l.run('org_a', nobody, t0)).code).toBe('not_found');
  });

  it('lets the last owner leave only once someone else owns the org', () => {
    const { l, owner, dev } = team();
    const leave = { type: 'remove_member', member_id: owner.id } as const;
    expect(refusal(() => l.run('org_a', leave, t0)).message).toMatch(/transfer ownership/);
    l.run('org_a', { type: 'transfer_ownership', from_member_id: owner.id, to_member_id: dev.id }, t0);
    l.run('org_a', leave, t0);
    expect(l.org('org_a').members.map((m) => m.email)).toEqual(['dev@acme.test']);
  });
});

describe("changing a member's email", () => {
  it('keeps the member id, so budgets and history still name the same person', () => {
    const { l, dev } = team();
    l.run(
      'org_a',
      { type: 'set_budget', scope: 'member', scope_id: dev.id, limit: 10, enforcement: 'hard' },
      t0,
    );
    const m = l.run<Member>(
      'org_a',
      { type: 'change_member_email', email: 'dev@acme.test', new_email: 'New@Acme.test' },
      t0,
    );
    expect(m).toMatchObject({ id: dev.id, email: 'new@acme.test', role: 'member' });
    expect(l.org('org_a').members.some((x) => x.email === 'dev@acme.test')).toBe(false);
    expect(l.org('org_a').budgets[0]?.scope_id).toBe(dev.id);
  });

  it('refuses an address another member of the org already has', () => {
    const { l } = team();
    const cmd = { type: 'change_member_email', email: 'dev@acme.test', new_email: 'o@acme.test' } as const;
    expect(refusal(() => l.run('org_a', cmd, t0)).code).toBe('conflict');
  });
});

describe('closing an org', () => {
  it('cancels the plan at the period end, stops auto top-up and refuses every later use', () => {
    const { l, owner } = team();
    l.run(
      'org_a',
      { type: 'set_auto_topup', enabled: true, threshold: 10, pack: 'pack_20', monthly_max: 2 },
      t0,
    );
    l.run('org_a', { type: 'close_org' }, t0);
    const s = l.org('org_a');
    expect(s.closed_at).toBe(t0);
    expect(s.subscription.cancel_at_period_end).toBe(true);
    expect(s.auto_topup?.enabled).toBe(false);
    for (const cmd of [
      { type: 'consume', amount: 1, usage: { tool: 't', operation: 'o', quantity: 1 } },
      { type: 'hold', amount: 1, ttl_seconds: 60 },
      { type: 'add_member', email: 'x@acme.test', role: 'member' },
      { type: 'purchase_create', pack: 'pack_20' },
      { type: 'transfer_ownership', from_member_id: owner.id, to_member_id: owner.id },
      { type: 'close_org' },
    ] as const)
      expect(refusal(() => l.run('org_a', cmd, t0 + DAY)).code).toBe('org_closed');
  });

  it('still records money already moving: a pending purchase completing, then its refund', () => {
    const { l } = team();
    const p = l.run<Purchase>('org_a', { type: 'purchase_create', pack: 'pack_20' }, t0);
    l.run('org_a', { type: 'close_org' }, t0);
    l.run('org_a', { type: 'purchase_complete', purchase_id: p.id, payment_id: 'pay_1' }, t0 + 1);
    const refunded = l.run<Purchase>('org_a', { type: 'purchase_refund', purchase_id: p.id }, t0 + 2);
    expect(refunded.status).toBe('refunded');
  });

  it('keeps the ledger and still lets people leave, the last owner too', () => {
    const { l, owner, dev } = team();
    const before = l.org('org_a').grants.length;
    l.run('org_a', { type: 'close_org' }, t0);
    l.run('org_a', { type: 'remove_member', member_id: dev.id }, t0);
    l.run('org_a', { type: 'remove_member', member_id: owner.id }, t0);
    expect(l.org('org_a').members).toEqual([]);
    expect(l.org('org_a').grants.length).toBe(before);
  });
});

describe('deleting an account', () => {
  const org = (over: Partial<OrgState> & { members: Member[] }): OrgState => {
    const l = ledgerWith('free', t0);
    return { ...l.org('org_a'), ...over };
  };
  const member = (email: string, role: Member['role'], id = `mem_${email}`): Member => ({
    id,
    email,
    role,
    created_at: t0,
  });

  it('leaves orgs where someone else owns, and closes the ones that were the person alone', () => {
    const shared = org({ id: 'org_s', members: [member('o@x.test', 'owner'), member('me@x.test', 'admin')] });
    const mine = org({ id: 'org_m', members: [member('me@x.test', 'owner')] });
    const steps = accountDeletionSteps([shared, mine], 'me@x.test', t0);
    expect(steps.map((s) => [s.org_id, s.action])).toEqual([
      ['org_s', 'leave'],
      ['org_m', 'close_and_leave'],
    ]);
  });

  it('is refused for the last owner of an org with a paid plan, bought credits or other members', () => {
    const paid = ledgerWith('pro', t0).org('org_a');
    paid.members = [member('me@x.test', 'owner')];
    const bought = org({ id: 'org_b', members: [member('me@x.test', 'owner')] });
    bought.grants = [
      ...bought.grants,
      {
        id: 'grt_p',
        source: 'purchase',
        amount: 500,
        remaining: 40,
        granted_at: t0,
        expires_at: null,
        closed_at: null,
        closed_reason: null,
      },
    ];
    const people = org({
      id: 'org_c',
      members: [member('me@x.test', 'owner'), member('dev@x.test', 'member')],
    });
    const steps = accountDeletionSteps([paid, bought, people], 'me@x.test', t0);
    expect(steps.map((s) => s.action)).toEqual(['refused', 'refused', 'refused']);
    expect(steps.map((s) => (s.action === 'refused' ? s.reason : ''))).toEqual([
      expect.stringMatching(/paid pro plan.*transfer ownership to another member or close the org first/),
      expect.stringMatching(/40 bought credits/),
      expect.stringMatching(/1 other person is a member/),
    ]);
  });

  it('does not count free credits, nor a closed org', () => {
    const closed = ledgerWith('pro', t0).org('org_a');
    closed.members = [member('me@x.test', 'owner'), member('dev@x.test', 'member')];
    closed.closed_at = t0;
    const free = org({ id: 'org_f', members: [member('me@x.test', 'owner')] });
    expect(free.grants.some((g) => g.source === 'free' && g.remaining > 0)).toBe(true);
    expect(accountDeletionSteps([closed, free], 'me@x.test', t0).map((s) => s.action)).toEqual([
      'leave',
      'close_and_leave',
    ]);
  });
});
