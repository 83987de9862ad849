/**
 * One-time tokens and invitations as both stores keep them: a token is spent once however
 * many redeem it at once, never after its expiry, and a restore makes it usable again;
 * invitations page newest first and change state once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Invitation, OneTimeToken } from '../../src/store/types.ts';
import { DIALECTS, type Harness, openHarness } from './dialects.ts';

const T0 = Date.UTC(2026, 5, 1, 9);
const token = (hash: string, fields: Partial<OneTimeToken> = {}): OneTimeToken => ({
  hash,
  purpose: 'invitation',
  subject_id: 'inv_1',
  org_id: 'org_1',
  email: 'ann@example.com',
  created_at: T0,
  expires_at: T0 + 1000,
  used_at: null,
  ...fields,
});
const invitation = (id: string, created_at: number): Invitation => ({
  org_id: 'org_1',
  id,
  email: `${id}@example.com`,
  role: 'member',
  invited_by: 'admin',
  created_at,
  expires_at: created_at + 10_000,
  accepted_at: null,
  accepted_by: null,
  member_id: null,
  revoked_at: null,
});

describe.each(DIALECTS)('one-time tokens and invitations on %s', (dialect) => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness(dialect);
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('spends a token exactly once when many redeem it at the same time', async () => {
    await h.store.createToken(token('h1'));
    const wins = await Promise.all(Array.from({ length: 20 }, () => h.store.spendToken('h1', T0 + 1)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect((await h.store.findToken('h1'))?.used_at).toBe(T0 + 1);
  });

  it('never spends a token at or after its expiry, and a restored token can be spent again', async () => {
    await h.store.createToken(token('h2'));
    expect(await h.store.spendToken('h2', T0 + 1000)).toBe(false);
    expect(await h.store.spendToken('h2', T0 + 999)).toBe(true);
    await h.store.restoreToken('h2');
    expect(await h.store.spendToken('h2', T0 + 999)).toBe(true);
  });

  it('deletes only the unused tokens of a subject and remembers when the newest was issued', async () => {
    await h.store.createToken(token('a', { purpose: 'email_verification', subject_id: 'usr_1' }));
    await h.store.createToken(
      token('b', { purpose: 'email_verification', subject_id: 'usr_1', created_at: T0 + 5 }),
    );
    await h.store.spendToken('a', T0 + 1);
    expect(await h.store.lastTokenAt('email_verification', 'usr_1')).toBe(T0 + 5);
    await h.store.deleteUnusedTokens('email_verification', 'usr_1');
    expect(await h.store.findToken('b')).toBeNull();
    expect(await h.store.findToken('a')).not.toBeNull();
    expect(await h.store.lastTokenAt('email_verification', 'usr_2')).toBeNull();
  });

  it('pages invitations newest first and accepts or revokes one only once', async () => {
    for (let i = 0; i < 5; i++) await h.store.createInvitation(invitation(`inv_${i}`, T0 + i));
    const first = await h.store.listInvitations('org_1', 2);
    expect(first.data.map((i) => i.id)).toEqual(['inv_4', 'inv_3']);
    expect(first.has_more).toBe(true);
    const rest = await h.store.listInvitations('org_1', 10, first.next_cursor!);
    expect(rest.data.map((i) => i.id)).toEqual(['inv_2', 'inv_1', 'inv_0']);
    await expect(h.store.listInvitations('org_1', 10, 'inv_nope')).rejects.toMatchObject({
      code: 'validation_failed',
    });
    expect(await h.store.countOpenInvitations('org_1', T0 + 4)).toBe(5);
    expect(await h.store.markInvitationAccepted('org_1', 'inv_0', 'usr_1', 'mem_1', T0 + 6)).toBe(true);
    expect(await h.store.markInvitationRevoked('org_1', 'inv_0', T0 + 7)).toBe(false);
    expect(await h.store.markInvitationRevoked('org_1', 'inv_1', T0 + 7)).toBe(true);
    expect(await h.store.markInvitationAccepted('org_1', 'inv_1', 'usr_1', 'mem_2', T0 + 8)).toBe(false);
    expect(await h.store.openInvitationsTo('org_1', 'inv_2@example.com', T0 + 8)).toHaveLength(1);
    expect(await h.store.countOpenInvitations('org_1', T0 + 8)).toBe(3);
    expect(await h.store.getInvitation('org_1', 'inv_0')).toMatchObject({
      accepted_by: 'usr_1',
      member_id: 'mem_1',
    });
  });
});
