/**
 * Who may do what: API keys reach only their org and scopes, members act by role, browser
 * sessions need their CSRF token, another org's data is 404, and clients are rate limited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, DIALECTS, expectProblem, newKey, newOrg, startApi, uniqueEmail } from './harness.ts';
import { acceptInvitation, verifiedUser, verifyEmail } from './mail.ts';
import { newTeam, type Person } from './sessions.ts';

const USE = { tool: 'image.generate', operation: '720p' };

describe.each(DIALECTS)('access control on %s', (dialect) => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('refuses requests without valid credentials with 401', async () => {
    const org = await newOrg(api);
    expectProblem(await api.call('GET', `/v1/orgs/${org}/balance`, { key: null }), 401, 'unauthorized');
    expectProblem(
      await api.call('GET', `/v1/orgs/${org}/balance`, { key: 'amisi_sk_nope' }),
      401,
      'unauthorized',
    );
    expectProblem(
      await api.call('GET', `/v1/orgs/${org}/balance`, {
        key: null,
        headers: { authorization: 'Basic abc' },
      }),
      401,
      'unauthorized',
    );
    expectProblem(await api.call('POST', '/v1/admin/renewals/run', { key: null }), 401, 'unauthorized');
  });

  it('shows a key secret once, lists keys without secrets, and revokes them', async () => {
    const org = await newOrg(api);
    const r = await api.call('POST', `/v1/orgs/${org}/api_keys`, {
      body: { name: 'server', scopes: ['usage', 'read'] },
      idem: 'key-1',
    });
    expect(r.status).toBe(201);
    expect(r.body.secret).toMatch(/^amisi_sk_/);
    expect(r.body).toMatchObject({ name: 'server', scopes: ['read', 'usage'], revoked_at: null });
    expect(r.body.secret.startsWith(r.body.prefix)).toBe(true);
    const replay = await api.call('POST', `/v1/orgs/${org}/api_keys`, {
      body: { name: 'server', scopes: ['usage', 'read'] },
      idem: 'key-1',
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(r.body.id);
    expect(replay.body.secret).toBeUndefined();
    const list = await api.call('GET', `/v1/orgs/${org}/api_keys`);
    expect(list.body.data).toHaveLength(1);
    expect(list.text).not.toContain(r.body.secret);
    expect(list.body.data[0]).not.toHaveProperty('hash');
    const ok = await api.call('GET', `/v1/orgs/${org}/balance`, { key: r.body.secret });
    expect(ok.status).toBe(200);
    const del = await api.call('DELETE', `/v1/orgs/${org}/api_keys/${r.body.id}`);
    expect(del.status).toBe(200);
    expect(del.body.revoked_at).not.toBeNull();
    expect((await api.call('DELETE', `/v1/orgs/${org}/api_keys/${r.body.id}`)).status).toBe(200);
    expectProblem(await api.call('DELETE', `/v1/orgs/${org}/api_keys/key_nope`), 404, 'not_found');
    expectProblem(
      await api.call('GET', `/v1/orgs/${org}/balance`, { key: r.body.secret }),
      401,
      'unauthorized',
    );
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/api_keys`, { body: { name: 'x', scopes: ['root'] } }),
      400,
      'validation_failed',
    );
  });

  it('pages the API key list newest first, stamped by the service clock', async () => {
    const org = await newOrg(api);
    const ids: string[] = [];
    for (const name of ['first', 'second', 'third']) {
      const now = (await api.call('GET', '/v1/admin/clock')).body.now as string;
      const k = await api.call('POST', `/v1/orgs/${org}/api_keys`, { body: { name, scopes: ['read'] } });
      // The manual clock, not the wall clock: keys line up with the org and its log.
      expect(k.body.created_at).toBe(now);
      ids.push(k.body.id);
      await api.call('POST', '/v1/admin/clock/advance', { body: { seconds: 1 } });
    }
    const one = await api.call('GET', `/v1/orgs/${org}/api_keys?limit=2`);
    expect(one.body.data.map((k: { id: string }) => k.id)).toEqual([ids[2], ids[1]]);
    expect(one.body).toMatchObject({ has_more: true, next_cursor: ids[1] });
    const two = await api.call('GET', `/v1/orgs/${org}/api_keys?limit=2&starting_after=${ids[1]}`);
    expect(two.body).toEqual({
      data: [expect.objectContaining({ id: ids[0] })],
      has_more: false,
      next_cursor: null,
    });
    const revoked = await api.call('DELETE', `/v1/orgs/${org}/api_keys/${ids[0]}`);
    expect(revoked.body.revoked_at).toBe((await api.call('GET', '/v1/admin/clock')).body.now);
    const unknown = await api.call('GET', `/v1/orgs/${org}/api_keys?starting_after=key_nope`);
    expectProblem(unknown, 400, 'validation_failed');
    expect(unknown.body).toMatchObject({ field: 'starting_after' });
    expect(unknown.body.detail).toContain('is not an API key of this org');
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'limit=1.5'])
      expectProblem(await api.call('GET', `/v1/orgs/${org}/api_keys?${q}`), 400, 'validation_failed');
  });

  it("keeps an org's key inside its org: another org's resources are 404", async () => {
    const a = await newOrg(api, { name: 'A' });
    const b = await newOrg(api, { name: 'B' });
    const keyA = await newKey(api, a, ['read', 'usage', 'billing', 'admin']);
    const hold = await api.call('POST', `/v1/orgs/${b}/holds`, { body: { amount: 1 } });
    for (const [method, path, body] of [
      ['GET', `/v1/orgs/${b}`, undefined],
      ['GET', `/v1/orgs/${b}/balance`, undefined],
      ['GET', `/v1/orgs/${b}/transactions`, undefined],
      ['GET', `/v1/orgs/${b}/transactions.csv`, undefined],
      ['GET', `/v1/orgs/${b}/api_keys`, undefined],
      ['POST', `/v1/orgs/${b}/usage`, USE],
      ['POST', `/v1/orgs/${b}/holds/${hold.body.id}/release`, {}],
      ['POST', `/v1/orgs/${b}/purchases`, { pack: 'pack_20' }],
    ] as const) {
      const r = await api.call(method, path, { key: keyA, ...(body ? { body } : {}) });
      expectProblem(r, 404, 'not_found');
    }
    expect((await api.call('GET', `/v1/orgs/${b}/holds?status=open`)).body.data).toHaveLength(1);
    expect((await api.call('GET', `/v1/orgs/${b}/balance`)).body.balance).toBe(5);
  });

  it('lets each scope do only its part; operator-only actions need the admin key', async () => {
    const org = await newOrg(api, { name: 'Scoped', tier: 'pro' });
    const read = await newKey(api, org, ['read']);
    const usage = await newKey(api, org, ['usage']);
    const billing = await newKey(api, org, ['billing']);
    const admin = await newKey(api, org, ['admin']);
    expect((await api.call('GET', `/v1/orgs/${org}/balance`, { key: read })).status).toBe(200);
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/usage`, { key: read, body: USE }),
      403,
      'forbidden',
    );
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/holds`, { key: read, body: { amount: 1 } }),
      403,
      'forbidden',
    );
    expect((await api.call('POST', `/v1/orgs/${org}/usage`, { key: usage, body: USE })).status).toBe(201);
    expectProblem(await api.call('GET', `/v1/orgs/${org}/balance`, { key: usage }), 403, 'forbidden');
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/purchases`, { key: usage, body: { pack: 'pack_20' } }),
      403,
      'forbidden',
    );
    const bought = await api.call('POST', `/v1/orgs/${org}/purchases`, {
      key: billing,
      body: { pack: 'pack_20' },
    });
    expect(bought.status).toBe(201);
    expect(
      (await api.call('POST', `/v1/orgs/${org}/subscription`, { key: billing, body: { tier: 'business' } }))
        .status,
    ).toBe(200);
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/projects`, { key: billing, body: { name: 'p' } }),
      403,
      'forbidden',
    );
    expect(
      (await api.call('POST', `/v1/orgs/${org}/projects`, { key: admin, body: { name: 'p' } })).status,
    ).toBe(201);
    // A key cannot hand out scopes it does not hold.
    const mint = await api.call('POST', `/v1/orgs/${org}/api_keys`, {
      key: admin,
      body: { name: 'escalate', scopes: ['billing'] },
    });
    expectProblem(mint, 403, 'forbidden');
    expect(
      (
        await api.call('POST', `/v1/orgs/${org}/api_keys`, {
          key: admin,
          body: { name: 'ok', scopes: ['admin'] },
        })
      ).status,
    ).toBe(201);
    const all = await newKey(api, org, ['read', 'usage', 'billing', 'admin']);
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/purchases/${bought.body.id}/refund`, { key: all }),
      403,
      'forbidden',
    );
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/adjustments`, {
        key: all,
        body: { amount: 5, reason: 'gift' },
      }),
      403,
      'forbidden',
    );
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/subscription`, {
        key: all,
        body: { tier: 'enterprise', allocation: 10_000 },
      }),
      403,
      'forbidden',
    );
    expectProblem(await api.call('POST', '/v1/admin/renewals/run', { key: all }), 403, 'forbidden');
    expectProblem(await api.call('GET', '/v1/admin/clock', { key: all }), 403, 'forbidden');
    expectProblem(await api.call('POST', '/v1/orgs', { key: all, body: { name: 'mine' } }), 403, 'forbidden');
  });

  it('signs people up, in and out, with a session cookie and a CSRF token', async () => {
    const email = uniqueEmail('owner');
    const up = await api.call('POST', '/v1/auth/signup', {
      key: null,
      body: { email, password: 'correct horse', org_name: 'Studio' },
    });
    expect(up.status).toBe(202);
    expect(up.body).toEqual({ email, message: expect.stringContaining(email) });
    // The same answer for an email that has an account: sign-up tells nobody who is signed up.
    const again = await api.call('POST', '/v1/auth/signup', {
      key: null,
      body: { email, password: 'another horse battery' },
    });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(up.body);
    expectProblem(
      await api.call('POST', '/v1/auth/signup', {
        key: null,
        body: { email: uniqueEmail(), password: 'short' },
      }),
      400,
      'validation_failed',
    );
    expectProblem(
      await api.call('POST', '/v1/auth/login', { key: null, body: { email, password: 'wrong password' } }),
      401,
      'unauthorized',
    );
    expectProblem(
      await api.call('POST', '/v1/auth/login', {
        key: null,
        body: { email: uniqueEmail(), password: 'whatever1' },
      }),
      401,
      'unauthorized',
    );
    const login = await api.call('POST', '/v1/auth/login', {
      key: null,
      body: { email, password: 'correct horse' },
    });
    expect(login.status).toBe(200);
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/amisi_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const cookie = setCookie.split(';')[0]!;
    const csrf = login.body.csrf_token as string;
    expect(login.body.memberships).toEqual([
      {
        org_id: expect.any(String),
        member_id: expect.any(String),
        role: 'owner',
        scopes: ['read', 'usage', 'billing', 'admin'],
      },
    ]);
    const org = login.body.memberships[0].org_id as string;
    expect((await api.call('GET', `/v1/orgs/${org}`)).body).toMatchObject({ name: 'Studio', tier: 'free' });

    const me = await api.call('GET', '/v1/auth/me', { key: null, cookie });
    expect(me.body).toMatchObject({ user: { email }, csrf_token: csrf });
    expect((await api.call('GET', `/v1/orgs/${org}/balance`, { key: null, cookie })).body.balance).toBe(5);
    const noCsrf = await api.call('POST', `/v1/orgs/${org}/usage`, { key: null, cookie, body: USE });
    expectProblem(noCsrf, 403, 'forbidden');
    expect(noCsrf.body.reason).toBe('csrf');
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/usage`, {
        key: null,
        cookie,
        body: USE,
        headers: { 'x-csrf-token': 'forged' },
      }),
      403,
      'forbidden',
    );
    const h = { 'x-csrf-token': csrf };
    expect(
      (await api.call('POST', `/v1/orgs/${org}/usage`, { key: null, cookie, body: USE, headers: h })).status,
    ).toBe(201);
    // Someone else's org does not exist for this person.
    const other = await newOrg(api);
    expectProblem(
      await api.call('GET', `/v1/orgs/${other}/balance`, { key: null, cookie }),
      404,
      'not_found',
    );
    // A person may open another org of their own (on Free) and owns it, once their email is verified.
    await verifyEmail(api, email);
    const second = await api.call('POST', '/v1/orgs', {
      key: null,
      cookie,
      headers: h,
      body: { name: 'Side' },
    });
    expect(second.status).toBe(201);
    expectProblem(
      await api.call('POST', '/v1/orgs', {
        key: null,
        cookie,
        headers: h,
        body: { name: 'Rich', tier: 'pro' },
      }),
      403,
      'forbidden',
    );
    const me2 = await api.call('GET', '/v1/auth/me', { key: null, cookie });
    expect(me2.body.memberships.map((m: { org_id: string }) => m.org_id).sort()).toEqual(
      [org, second.body.id].sort(),
    );

    expectProblem(await api.call('POST', '/v1/auth/logout', { key: null, cookie }), 403, 'forbidden');
    const out = await api.call('POST', '/v1/auth/logout', { key: null, cookie, headers: h });
    expect(out.status).toBe(200);
    expectProblem(await api.call('GET', '/v1/auth/me', { key: null, cookie }), 401, 'unauthorized');
    expectProblem(await api.call('GET', '/v1/auth/me', { key: null }), 401, 'unauthorized');
  });

  it('lets owners run the team and members only spend and read', async () => {
    const ownerEmail = uniqueEmail('boss');
    await api.call('POST', '/v1/auth/signup', {
      key: null,
      body: { email: ownerEmail, password: 'owner password' },
    });
    let org = '';
    const signIn = async (email: string, password: string) => {
      const r = await api.call('POST', '/v1/auth/login', { key: null, body: { email, password } });
      expect(r.status).toBe(200);
      org ||= r.body.memberships[0].org_id;
      return {
        key: null,
        cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!,
        headers: { 'x-csrf-token': r.body.csrf_token as string },
      };
    };
    const owner = await signIn(ownerEmail, 'owner password');
    expect(
      (await api.call('POST', `/v1/orgs/${org}/subscription`, { ...owner, body: { tier: 'pro' } })).status,
    ).toBe(200);
    const memberEmail = uniqueEmail('artist');
    const invited = await api.call('POST', `/v1/orgs/${org}/members`, {
      ...owner,
      body: { email: memberEmail, role: 'member' },
    });
    expect(invited.status).toBe(202);
    const joiner = await verifiedUser(api, memberEmail, 'member password');
    const accepted = await acceptInvitation(api, joiner.session, memberEmail);
    expect(accepted.status).toBe(200);
    const added = { body: accepted.body.member };
    const member = await signIn(memberEmail, 'member password');
    expect((await api.call('POST', `/v1/orgs/${org}/usage`, { ...member, body: USE })).status).toBe(201);
    expect((await api.call('GET', `/v1/orgs/${org}/transactions`, member)).status).toBe(200);
    const bought = await api.call('POST', `/v1/orgs/${org}/purchases`, {
      ...owner,
      body: { pack: 'pack_20' },
    });
    expect(bought.status).toBe(201);
    for (const [method, path, body] of [
      ['POST', `/v1/orgs/${org}/purchases`, { pack: 'pack_20' }],
      ['POST', `/v1/orgs/${org}/purchases/${bought.body.id}/refund`, {}],
      [
        'PUT',
        `/v1/orgs/${org}/budgets`,
        { scope: 'member', scope_id: added.body.id, limit: 1, enforcement: 'hard' },
      ],
      ['POST', `/v1/orgs/${org}/api_keys`, { name: 'mine', scopes: ['read'] }],
      ['POST', `/v1/orgs/${org}/members`, { email: uniqueEmail(), role: 'admin' }],
      ['POST', `/v1/orgs/${org}/subscription`, { tier: 'business' }],
    ] as const)
      expectProblem(await api.call(method, path, { ...member, body }), 403, 'forbidden');
    // The owner may set budgets and keys but refunds stay with the operator.
    const budget = await api.call('PUT', `/v1/orgs/${org}/budgets`, {
      ...owner,
      body: { scope: 'member', scope_id: added.body.id, limit: 1, enforcement: 'hard' },
    });
    expect(budget.status).toBe(200);
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/purchases/${bought.body.id}/refund`, owner),
      403,
      'forbidden',
    );
  });
});

describe('rate limiting', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi('sqlite', {
      rate_limit: true,
      rate_limit_per_key_rps: 1,
      rate_limit_per_key_burst: 3,
      rate_limit_per_ip_rps: 1,
      rate_limit_per_ip_burst: 8,
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers 429 rate_limited with Retry-After past a credential’s burst, then per IP', async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<Api['call']>> | undefined;
    for (let i = 0; i < 4; i++) {
      const r = await api.call('GET', '/v1/catalog');
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expectProblem(limited!, 429, 'rate_limited');
    const wait = Number(limited!.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect((limited!.body as { detail: string }).detail).toBe(
      `too many requests; retry in ${wait} second${wait === 1 ? '' : 's'}`,
    );
    // Anonymous requests share the IP's bucket (8), which the 4 above already drew from.
    const anon: number[] = [];
    for (let i = 0; i < 5; i++) anon.push((await api.call('GET', '/v1/catalog', { key: null })).status);
    expect(anon).toEqual([200, 200, 200, 200, 429]);
  });
});

describe.each(DIALECTS)('orgs a person may own, on %s', (dialect) => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(dialect, { orgs_per_user: 2 });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('refuses a signed-in person one more org than AMISI_ORGS_PER_USER, not the operator', async () => {
    const email = uniqueEmail('many');
    const { session: as } = await verifiedUser(api, email, 'correct horse');
    // Sign-up made the first; the second is allowed, the third is refused and made nothing.
    expect((await api.call('POST', '/v1/orgs', { ...as, body: { name: 'Second' } })).status).toBe(201);
    const third = await api.call('POST', '/v1/orgs', { ...as, body: { name: 'Third' } });
    expectProblem(third, 409, 'conflict');
    expect(third.body).toMatchObject({ limit: 2 });
    expect(third.body.detail).toContain('owns 2 orgs');
    const me = await api.call('GET', '/v1/auth/me', { key: null, cookie: as.cookie });
    expect(me.body.memberships.filter((m: { role: string }) => m.role === 'owner')).toHaveLength(2);
    // The operator creates orgs without that bound.
    for (let i = 0; i < 3; i++) await newOrg(api, { name: `Operator ${i}` });
  });
});

describe.each(DIALECTS)('API keys a server keeps in memory, on %s', (dialect) => {
  let api: Api;
  let uncached: Api;
  beforeAll(async () => {
    api = await startApi(dialect, { api_key_cache_ms: 300 });
    uncached = await startApi(dialect, { api_key_cache_ms: 0 });
  });
  afterAll(async () => {
    await api?.close();
    await uncached?.close();
  });

  /** Revokes a key the way another server instance sharing the database would: not through `api`. */
  async function revokeElsewhere(on: Api, org: string, secret: string) {
    const keys = await on.store.listApiKeys(org);
    const key = keys.find((k) => secret.startsWith(k.prefix))!;
    expect(await on.store.revokeApiKey(org, key.id, Date.now())).toBe(true);
  }

  it('a key revoked through another instance stops working within AMISI_API_KEY_CACHE_MS', async () => {
    const org = await newOrg(api);
    const secret = await newKey(api, org, ['read']);
    expect((await api.call('GET', `/v1/orgs/${org}/balance`, { key: secret })).status).toBe(200);
    await revokeElsewhere(api, org, secret);
    // Within the cache time this server still knows the key; after it, the key is refused.
    expect((await api.call('GET', `/v1/orgs/${org}/balance`, { key: secret })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 350));
    expectProblem(await api.call('GET', `/v1/orgs/${org}/balance`, { key: secret }), 401, 'unauthorized');
  });

  it('with AMISI_API_KEY_CACHE_MS=0 a revocation anywhere takes effect on the next request', async () => {
    const org = await newOrg(uncached);
    const secret = await newKey(uncached, org, ['read']);
    expect((await uncached.call('GET', `/v1/orgs/${org}/balance`, { key: secret })).status).toBe(200);
    await revokeElsewhere(uncached, org, secret);
    expectProblem(
      await uncached.call('GET', `/v1/orgs/${org}/balance`, { key: secret }),
      401,
      'unauthorized',
    );
  });

  it('a revocation through this server takes effect at once, even inside the cache time', async () => {
    const org = await newOrg(api);
    const secret = await newKey(api, org, ['read']);
    expect((await api.call('GET', `/v1/orgs/${org}/balance`, { key: secret })).status).toBe(200);
    const id = (await api.store.listApiKeys(org)).find((k) => secret.startsWith(k.prefix))!.id;
    expect((await api.call('DELETE', `/v1/orgs/${org}/api_keys/${id}`)).status).toBe(200);
    expectProblem(await api.call('GET', `/v1/orgs/${org}/balance`, { key: secret }), 401, 'unauthorized');
  });
});

describe.each(DIALECTS)('who am I, on %s', (dialect) => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(async () => {
    await api?.close();
  });

  it("lists with each membership the scopes its role holds, the server's own access rules", async () => {
    const t = await newTeam(api);
    const scopesIn = async (p: Person) =>
      (
        (await api.call('GET', '/v1/auth/me', p.as)).body.memberships as {
          org_id: string;
          scopes: string[];
        }[]
      )
        .filter((m) => m.org_id === t.org)
        .map((m) => m.scopes);
    expect(await scopesIn(t.owner)).toEqual([['read', 'usage', 'billing', 'admin']]);
    expect(await scopesIn(t.admin)).toEqual([['read', 'usage', 'billing', 'admin']]);
    expect(await scopesIn(t.member)).toEqual([['read', 'usage']]);
    // What the scopes say is what the server does: a member may read, not manage keys.
    expect((await api.call('GET', `/v1/orgs/${t.org}/balance`, t.member.as)).status).toBe(200);
    expectProblem(
      await api.call('POST', `/v1/orgs/${t.org}/api_keys`, {
        ...t.member.as,
        body: { name: 'k', scopes: ['read'] },
      }),
      403,
      'forbidden',
    );
  });
});
