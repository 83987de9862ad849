/**
 * A session always spends as its own member (issue 13, defect 3): a hard budget binds a
 * signed-in member whether or not the body names them, a session may name only itself, and
 * an API key or the operator may name any member of the org.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, DIALECTS, expectProblem, newKey, startApi } from './harness.ts';
import { newTeam, type Team } from './sessions.ts';

const USE = { tool: 'image.generate', operation: '720p' };

describe.each(DIALECTS)('member budgets bind signed-in members, on %s', (dialect) => {
  let api: Api;
  let team: Team;
  let memberId: string;
  let adminId: string;
  beforeAll(async () => {
    api = await startApi(dialect);
    team = await newTeam(api);
    memberId = team.member.memberIn[team.org]!;
    adminId = team.admin.memberIn[team.org]!;
    const budget = await api.call('PUT', `/v1/orgs/${team.org}/budgets`, {
      body: { scope: 'member', scope_id: memberId, limit: 0, enforcement: 'hard' },
    });
    expect(budget.status).toBe(200);
  });
  afterAll(async () => {
    await api?.close();
  });

  const org = () => `/v1/orgs/${team.org}`;

  it('refuses a member over a hard budget of 0 whether or not the body names them', async () => {
    for (const body of [USE, { ...USE, member_id: memberId }]) {
      const r = await api.call('POST', `${org()}/usage`, { ...team.member.as, body });
      expectProblem(r, 402, 'budget_exceeded');
    }
    for (const body of [{ amount: 1 }, { amount: 1, member_id: memberId }])
      expectProblem(
        await api.call('POST', `${org()}/holds`, { ...team.member.as, body }),
        402,
        'budget_exceeded',
      );
    const gen = await api.call('POST', `${org()}/generations`, {
      ...team.member.as,
      body: { prompts: ['a lighthouse'], operation: '720p' },
    });
    expectProblem(gen, 402, 'budget_exceeded');
    const q = await api.call('POST', `${org()}/quotes`, { ...team.member.as, body: { items: [USE] } });
    expect(q.status).toBe(200);
    expect(q.body.budget_ok).toBe(false);
  });

  it('refuses a session that names another member with 403', async () => {
    for (const [path, body] of [
      ['usage', { ...USE, member_id: adminId }],
      ['holds', { amount: 1, member_id: adminId }],
      ['quotes', { items: [USE], member_id: adminId }],
      ['generations', { prompts: ['a lighthouse'], operation: '720p', member_id: adminId }],
    ] as const) {
      const r = await api.call('POST', `${org()}/${path}`, { ...team.member.as, body });
      expectProblem(r, 403, 'forbidden');
      expect(r.body.detail).toContain('member_id');
    }
    // Owners are members too: an owner session spends as the owner, not as someone else.
    expectProblem(
      await api.call('POST', `${org()}/usage`, { ...team.owner.as, body: { ...USE, member_id: memberId } }),
      403,
      'forbidden',
    );
  });

  it('charges a session as its own member', async () => {
    const r = await api.call('POST', `${org()}/usage`, { ...team.admin.as, body: USE });
    expect(r.status).toBe(201);
    expect(r.body.usage.member_id).toBe(adminId);
    const hold = await api.call('POST', `${org()}/holds`, { ...team.admin.as, body: { amount: 1 } });
    expect(hold.status).toBe(201);
    expect(hold.body.member_id).toBe(adminId);
  });

  it('lets an API key or the operator name any member of the org', async () => {
    const key = await newKey(api, team.org, ['usage']);
    expectProblem(
      await api.call('POST', `${org()}/usage`, { key, body: { ...USE, member_id: memberId } }),
      402,
      'budget_exceeded',
    );
    expectProblem(
      await api.call('POST', `${org()}/usage`, { body: { ...USE, member_id: memberId } }),
      402,
      'budget_exceeded',
    );
    const r = await api.call('POST', `${org()}/usage`, { key, body: { ...USE, member_id: adminId } });
    expect(r.status).toBe(201);
    expect(r.body.usage.member_id).toBe(adminId);
  });
});
