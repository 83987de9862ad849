/**
 * Where a person is signed in: their live sessions with when and from where, each signed
 * out by an id that is not its token; "sign out everywhere else"; expired sessions pruned
 * in bounded batches; last seen recorded at most once a minute. On both databases.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_SEEN_RESOLUTION_MS } from '../../src/app/accounts.ts';
import type { Session } from '../../src/store/types.ts';
import { type Api, DIALECTS, expectProblem, startApi } from './harness.ts';
import { PASSWORD, type Person, signUp } from './sessions.ts';

describe.each(DIALECTS)('sessions on %s', (dialect) => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(async () => {
    await api?.close();
  });

  /** Signs in from a browser named `agent`. */
  async function signInFrom(email: string, agent: string): Promise<Person & { token: string }> {
    const r = await api.call('POST', '/v1/auth/login', {
      key: null,
      headers: { 'user-agent': agent },
      body: { email, password: PASSWORD },
    });
    expect(r.status).toBe(200);
    const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
    return {
      email,
      as: { key: null, cookie, headers: { 'x-csrf-token': r.body.csrf_token } },
      memberIn: {},
      token: cookie.split('=')[1]!,
    };
  }
  const list = (p: Person) => api.call('GET', '/v1/auth/sessions', p.as);
  const me = (p: Person) => api.call('GET', '/v1/auth/me', p.as);

  it('lists where the person is signed in, marks this session, and never shows a token', async () => {
    const { person } = await signUp(api, 'ses');
    const laptop = await signInFrom(person.email, 'Laptop/1.0');
    const phone = await signInFrom(person.email, 'Phone/2.0');
    const r = await list(laptop);
    expect(r.status).toBe(200);
    const mine = r.body.data.filter((s: { user_agent: string }) => /Laptop|Phone/.test(s.user_agent));
    expect(mine.map((s: { user_agent: string }) => s.user_agent).sort()).toEqual(['Laptop/1.0', 'Phone/2.0']);
    expect(r.body.data).toHaveLength(3); // and the session signUp made
    const current = r.body.data.filter((s: { current: boolean }) => s.current);
    expect(current).toHaveLength(1);
    expect(current[0].user_agent).toBe('Laptop/1.0');
    for (const s of r.body.data) {
      expect(s.id).toMatch(/^ses_/);
      expect(s.ip).toBe('127.0.0.1');
      expect(Date.parse(s.last_seen_at)).toBeGreaterThanOrEqual(Date.parse(s.created_at));
    }
    for (const secret of [laptop.token, phone.token]) {
      expect(r.text).not.toContain(secret);
      expect(r.text).not.toContain(createHash('sha256').update(secret).digest('hex'));
    }
  });

  it('signs out one session by its id, and not another person’s', async () => {
    const { person } = await signUp(api, 'ses');
    const laptop = await signInFrom(person.email, 'Laptop/1.0');
    const phone = await signInFrom(person.email, 'Phone/2.0');
    const phoneId = (await list(laptop)).body.data.find(
      (s: { user_agent: string }) => s.user_agent === 'Phone/2.0',
    ).id;
    const { person: stranger } = await signUp(api, 'stranger');
    expectProblem(await api.call('DELETE', `/v1/auth/sessions/${phoneId}`, stranger.as), 404, 'not_found');
    expect((await me(phone)).status).toBe(200);
    const r = await api.call('DELETE', `/v1/auth/sessions/${phoneId}`, laptop.as);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: phoneId, signed_out: true });
    expectProblem(await me(phone), 401, 'unauthorized');
    expect((await me(laptop)).status).toBe(200);
    expectProblem(await api.call('DELETE', `/v1/auth/sessions/${phoneId}`, laptop.as), 404, 'not_found');
  });

  it('signs out every other session and keeps this one', async () => {
    const { person } = await signUp(api, 'ses');
    const laptop = await signInFrom(person.email, 'Laptop/1.0');
    const phone = await signInFrom(person.email, 'Phone/2.0');
    const r = await api.call('POST', '/v1/auth/sessions/revoke_others', { ...laptop.as, body: {} });
    expect(r.status).toBe(200);
    expect(r.body.sessions_ended).toBe(2);
    expectProblem(await me(phone), 401, 'unauthorized');
    expectProblem(await me(person), 401, 'unauthorized');
    const left = (await list(laptop)).body.data;
    expect(left).toHaveLength(1);
    expect(left[0].current).toBe(true);
  });

  const stored = (over: Partial<Session>): Session => ({
    hash: `h-${Math.random()}`,
    id: `ses_${Math.random().toString(36).slice(2)}`,
    user_id: 'usr_pruning',
    csrf_token: 'c',
    created_at: 1_000,
    expires_at: 2_000,
    last_seen_at: 1_000,
    user_agent: null,
    ip: null,
    ...over,
  });

  it('prunes expired sessions in bounded batches and keeps live ones', async () => {
    const now = Date.now();
    const expired = [stored({}), stored({}), stored({})];
    const live = stored({ expires_at: now + 60_000 });
    for (const s of [...expired, live]) await api.store.createSession(s);
    const first = await api.store.pruneExpiredSessions(now, 2);
    expect(first).toBe(2);
    // Other tests' sessions are live; only ours can have expired.
    expect(await api.store.pruneExpiredSessions(now, 100)).toBe(1);
    expect(await api.store.pruneExpiredSessions(now, 100)).toBe(0);
    expect(await api.store.findSession(live.hash, now)).not.toBeNull();
  });

  it('records last seen at most once a minute', async () => {
    const now = Date.now();
    const s = stored({ created_at: now, last_seen_at: now, expires_at: now + 3_600_000 });
    await api.store.createSession(s);
    const soon = now + 30_000;
    await api.store.touchSession(s.hash, soon, soon - SESSION_SEEN_RESOLUTION_MS);
    expect(Number((await api.store.findSession(s.hash, soon))!.last_seen_at)).toBe(now);
    const later = now + SESSION_SEEN_RESOLUTION_MS + 1;
    await api.store.touchSession(s.hash, later, later - SESSION_SEEN_RESOLUTION_MS);
    expect(Number((await api.store.findSession(s.hash, later))!.last_seen_at)).toBe(later);
  });
});
