/**
 * No credential grants a role or a scope it does not hold itself (issue 13, defect 1):
 * adding a member hands out the scopes of its role, minting an API key hands out its
 * scopes, and only an owner (or the operator) makes owners.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, DIALECTS, expectProblem, newKey, startApi, uniqueEmail } from './harness.ts';
import { newTeam, type Team } from './sessions.ts';

describe.each(DIALECTS)('granting roles and scopes, on %s', (dialect) => {
  let api: Api;
  let team: Team;
  beforeAll(async () => {
    api = await startApi(dialect);
    team = await newTeam(api);
  });
  afterAll(async () => {
    await api?.close();
  });

  const addMember = (as: object, role: string) =>
    api.call('POST', `/v1/orgs/${team.org}/members`, { ...as, body: { email: uniqueEmail(role), role } });

  it('an admin-scoped API key cannot add an owner, nor any role whose scopes it lacks', async () => {
    const admin = await newKey(api, team.org, ['admin']);
    for (const role of ['owner', 'admin', 'member']) {
      const r = await addMember({ key: admin }, role);
      expectProblem(r, 403, 'forbidden');
      expect(r.body.detail).toMatch(/owner|scopes/);
    }
    const members = await api.call('GET', `/v1/orgs/${team.org}/members?limit=100`);
    expect(members.body.data.filter((m: { role: string }) => m.role === 'owner')).toHaveLength(1);
  });

  it('an API key with every scope may add admins and members, but never an owner', async () => {
    const all = await newKey(api, team.org, ['read', 'usage', 'billing', 'admin']);
    const owner = await addMember({ key: all }, 'owner');
    expectProblem(owner, 403, 'forbidden');
    expect(owner.body.detail).toContain('only an owner');
    expect((await addMember({ key: all }, 'admin')).status).toBe(202);
    expect((await addMember({ key: all }, 'member')).status).toBe(202);
    // Adding a member needs the member's scopes as well as admin.
    const narrow = await newKey(api, team.org, ['read', 'usage', 'admin']);
    expect((await addMember({ key: narrow }, 'member')).status).toBe(202);
    expectProblem(await addMember({ key: narrow }, 'admin'), 403, 'forbidden');
  });

  it('an admin session cannot make an owner; an owner session and the operator can', async () => {
    expectProblem(await addMember(team.admin.as, 'owner'), 403, 'forbidden');
    expect((await addMember(team.admin.as, 'admin')).status).toBe(202);
    expect((await addMember(team.owner.as, 'owner')).status).toBe(202);
    // Org credentials invite (202); the operator adds at once (201).
    expect((await addMember({}, 'owner')).status).toBe(201);
  });

  it('a member session adds nobody', async () => {
    expectProblem(await addMember(team.member.as, 'member'), 403, 'forbidden');
  });

  it('an API key cannot mint a key with scopes it lacks; a session mints only its role’s scopes', async () => {
    const admin = await newKey(api, team.org, ['admin']);
    const mint = (as: object, scopes: string[]) =>
      api.call('POST', `/v1/orgs/${team.org}/api_keys`, { ...as, body: { name: 'minted', scopes } });
    for (const scopes of [['billing'], ['read'], ['usage'], ['admin', 'billing']])
      expectProblem(await mint({ key: admin }, scopes), 403, 'forbidden');
    expect((await mint({ key: admin }, ['admin'])).status).toBe(201);
    expect((await mint(team.admin.as, ['read', 'usage', 'billing', 'admin'])).status).toBe(201);
    expectProblem(await mint(team.member.as, ['read']), 403, 'forbidden');
  });
});
