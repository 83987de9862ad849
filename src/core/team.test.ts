import { describe, expect, it } from 'vitest';
import type { Member } from './state.ts';
import { at, ledgerWith, refusal } from './test-helpers.ts';

const t0 = at('2025-01-10');

describe('teams', () => {
  it('lets any org have its owner, but more members need a tier with team access', () => {
    const l = ledgerWith('basic', t0);
    l.run('org_a', { type: 'add_member', email: 'owner@acme.test', role: 'owner' }, t0);
    const e = refusal(() =>
      l.run('org_a', { type: 'add_member', email: 'dev@acme.test', role: 'member' }, t0),
    );
    expect(e.code).toBe('tier_not_allowed');
    l.run('org_a', { type: 'change_tier', tier: 'pro' }, t0);
    expect(
      l.run<Member>('org_a', { type: 'add_member', email: 'dev@acme.test', role: 'member' }, t0).role,
    ).toBe('member');
  });

  it('refuses the same email twice, whatever its case', () => {
    const l = ledgerWith('pro', t0);
    l.run('org_a', { type: 'add_member', email: 'Dev@Acme.test', role: 'admin' }, t0);
    expect(
      refusal(() => l.run('org_a', { type: 'add_member', email: ' dev@acme.TEST', role: 'member' }, t0)).code,
    ).toBe('conflict');
  });

  it('never removes the last owner', () => {
    const l = ledgerWith('pro', t0);
    const owner = l.run<Member>('org_a', { type: 'add_member', email: 'o@acme.test', role: 'owner' }, t0);
    expect(refusal(() => l.run('org_a', { type: 'remove_member', member_id: owner.id }, t0)).code).toBe(
      'conflict',
    );
    const second = l.run<Member>('org_a', { type: 'add_member', email: 'o2@acme.test', role: 'owner' }, t0);
    l.run('org_a', { type: 'remove_member', member_id: owner.id }, t0);
    expect(l.org('org_a').members.map((m) => m.id)).toEqual([second.id]);
  });
});
