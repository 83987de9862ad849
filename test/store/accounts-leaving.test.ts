/**
 * What the store does for changing an email, deleting an account, closing an org and
 * noticing new devices, on both databases: a changed address is verified and held by the
 * unique index, a deleted account leaves nothing that opens a door, an org's keys are all
 * revoked at once, and a device is new only once per account.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiKey, User } from '../../src/store/types.ts';
import { DIALECTS, type Harness, openHarness } from './dialects.ts';

const user = (id: string, email: string): User => ({
  id,
  email,
  password_hash: 'scrypt$x',
  created_at: 1,
  email_verified_at: null,
  first_org_id: null,
});

describe.each(DIALECTS)('account changes in the %s store', (dialect) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('moves an account to a new address, verified, only from the address it still has', async () => {
    h = await openHarness(dialect);
    await h.store.createUser(user('usr_a', 'a@x.test'));
    await h.store.createUser(user('usr_b', 'b@x.test'));
    expect(await h.store.setUserEmail('usr_a', 'old@x.test', 'n@x.test', 5)).toBe(false);
    expect(await h.store.setUserEmail('usr_a', 'a@x.test', 'n@x.test', 5)).toBe(true);
    expect(await h.store.findUserByEmail('a@x.test')).toBeNull();
    expect(await h.store.findUserByEmail('n@x.test')).toMatchObject({ id: 'usr_a', email_verified_at: 5 });
    await expect(h.store.setUserEmail('usr_b', 'b@x.test', 'n@x.test', 6)).rejects.toThrow();
    expect((await h.store.getUser('usr_b'))?.email).toBe('b@x.test');
  });

  it('deletes an account with its sessions and unused links', async () => {
    h = await openHarness(dialect);
    await h.store.createUser(user('usr_d', 'd@x.test'));
    await h.store.createSession({
      hash: 'h1',
      id: 'ses_1',
      user_id: 'usr_d',
      csrf_token: 'c',
      created_at: 1,
      expires_at: Date.now() + 60_000,
      last_seen_at: 1,
      user_agent: null,
      ip: null,
    });
    await h.store.createToken({
      hash: 't1',
      purpose: 'password_reset',
      subject_id: 'usr_d',
      org_id: null,
      email: 'd@x.test',
      created_at: 1,
      expires_at: Date.now() + 60_000,
      used_at: null,
    });
    expect(await h.store.rememberDevice('usr_d', 'dev1', 1)).toBe('first');
    await h.store.deleteUser('usr_d');
    expect(await h.store.getUser('usr_d')).toBeNull();
    expect(await h.store.findSession('h1', 2)).toBeNull();
    expect(await h.store.findToken('t1')).toBeNull();
    expect(await h.store.rememberDevice('usr_d', 'dev1', 3)).toBe('first');
  });

  it('revokes every live key of one org and no other', async () => {
    h = await openHarness(dialect);
    const key = (id: string, org_id: string): ApiKey => ({
      id,
      org_id,
      name: id,
      scopes: ['read'],
      hash: `hash_${id}`,
      prefix: 'amisi_sk_x',
      created_at: 1,
      revoked_at: null,
    });
    for (const k of [key('key_1', 'org_a'), key('key_2', 'org_a'), key('key_3', 'org_b')])
      await h.store.createApiKey(k);
    await h.store.revokeApiKey('org_a', 'key_2', 2);
    expect(await h.store.revokeOrgApiKeys('org_a', 9)).toBe(1);
    const a = await h.store.listApiKeys('org_a');
    expect(a.map((k) => [k.id, k.revoked_at]).sort()).toEqual([
      ['key_1', 9],
      ['key_2', 2],
    ]);
    expect((await h.store.listApiKeys('org_b'))[0]?.revoked_at).toBeNull();
  });

  it('calls a device new once per account, and never the first one', async () => {
    h = await openHarness(dialect);
    expect(await h.store.rememberDevice('usr_e', 'laptop', 1)).toBe('first');
    expect(await h.store.rememberDevice('usr_e', 'laptop', 2)).toBe('known');
    expect(await h.store.rememberDevice('usr_e', 'phone', 3)).toBe('new');
    expect(await h.store.rememberDevice('usr_e', 'phone', 4)).toBe('known');
    expect(await h.store.rememberDevice('usr_f', 'phone', 5)).toBe('first');
  });
});
