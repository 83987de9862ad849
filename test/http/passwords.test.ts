/**
 * Forgotten and changed passwords: a reset asked by email answers the same for every
 * address, mails a single-use link that expires, sets a password only as strong as sign-up
 * asks, and ends every session of the account; a change needs the current password and ends
 * the other sessions. Every rule on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD_RESET_TTL_MS } from '../../src/app/password-reset.ts';
import { FREE_FAILURES } from '../../src/app/sign-in-throttle.ts';
import { type Api, DIALECTS, expectProblem, startApi, uniqueEmail } from './harness.ts';
import { mailbox, tokenMailedSoon } from './mail.ts';
import { PASSWORD, type Person, signIn, signUp } from './sessions.ts';

const NEW_PASSWORD = 'amber falcon orchard 42 tides';

describe.each(DIALECTS)('passwords on %s', (dialect) => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(async () => {
    await api?.close();
  });

  const advance = async (seconds: number) =>
    expect((await api.call('POST', '/v1/admin/clock/advance', { body: { seconds } })).status).toBe(200);
  const askReset = (email: string) =>
    api.call('POST', '/v1/auth/password-reset', { key: null, body: { email } });
  const confirm = (token: string, password: string) =>
    api.call('POST', '/v1/auth/password-reset/confirm', { key: null, body: { token, password } });
  const me = (p: Person) => api.call('GET', '/v1/auth/me', p.as);
  const login = (email: string, password: string) =>
    api.call('POST', '/v1/auth/login', { key: null, body: { email, password } });
  const mailsTo = (email: string) => mailbox(api).filter((m) => m.to.includes(email));

  /** A person with two sessions (say, a laptop and a phone). */
  async function twoSessions() {
    const { person: laptop } = await signUp(api, 'pw');
    return { email: laptop.email, laptop, phone: await signIn(api, laptop.email) };
  }

  it('answers the same for an unknown email and mails nothing', async () => {
    const known = (await signUp(api, 'known')).person.email;
    const unknown = uniqueEmail('nobody');
    const a = await askReset(known);
    const b = await askReset(unknown);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.body.message).toBe(a.body.message.replaceAll(known, unknown));
    expect(Object.keys(b.body).sort()).toEqual(Object.keys(a.body).sort());
    expect(await tokenMailedSoon(api, known, 'amisi_pwr_')).toMatch(/^amisi_pwr_/);
    await new Promise((r) => setTimeout(r, 100)); // a mail sent after the answer would have landed
    expect(mailsTo(unknown)).toEqual([]);
  });

  it('sets a new password with the mailed link and ends every session of the account', async () => {
    const { email, laptop, phone } = await twoSessions();
    expect((await askReset(email.toUpperCase())).status).toBe(202);
    const token = await tokenMailedSoon(api, email, 'amisi_pwr_');
    const r = await confirm(token, NEW_PASSWORD);
    expect(r.status).toBe(200);
    expect(r.body.user.email).toBe(email);
    expect(r.body.sessions_ended).toBe(2);
    expectProblem(await me(laptop), 401, 'unauthorized');
    expectProblem(await me(phone), 401, 'unauthorized');
    expectProblem(await login(email, PASSWORD), 401, 'unauthorized');
    expect((await login(email, NEW_PASSWORD)).status).toBe(200);
    const told = mailsTo(email).filter((m) => m.subject.includes('Your password was changed'));
    expect(told).toHaveLength(1);
  });

  it('refuses a link used once already', async () => {
    const { email } = await twoSessions();
    await askReset(email);
    const token = await tokenMailedSoon(api, email, 'amisi_pwr_');
    expect((await confirm(token, NEW_PASSWORD)).status).toBe(200);
    expectProblem(await confirm(token, 'another long 99 passphrase here'), 409, 'token_used');
    expect((await login(email, NEW_PASSWORD)).status).toBe(200);
  });

  it(`refuses a link older than ${PASSWORD_RESET_TTL_MS / 60_000} minutes, and the password stays`, async () => {
    const { email, laptop } = await twoSessions();
    await askReset(email);
    const token = await tokenMailedSoon(api, email, 'amisi_pwr_');
    await advance(PASSWORD_RESET_TTL_MS / 1000);
    expectProblem(await confirm(token, NEW_PASSWORD), 410, 'token_expired');
    expect((await me(laptop)).status).toBe(200);
    expect((await login(email, PASSWORD)).status).toBe(200);
  });

  it('refuses a weak password and keeps the link usable for a strong one', async () => {
    const { email, laptop } = await twoSessions();
    await askReset(email);
    const token = await tokenMailedSoon(api, email, 'amisi_pwr_');
    const weak = await confirm(token, 'password123');
    expectProblem(weak, 400, 'validation_failed');
    expect(weak.body.errors[0].field).toBe('body.password');
    expect((await me(laptop)).status).toBe(200);
    expect((await confirm(token, NEW_PASSWORD)).status).toBe(200);
  });

  it('refuses a token of another purpose and a made-up one', async () => {
    const { email } = await twoSessions();
    expectProblem(await confirm('amisi_pwr_madeup', NEW_PASSWORD), 400, 'token_invalid');
    const ev = await tokenMailedSoon(api, email, 'amisi_ev_');
    expectProblem(await confirm(ev, NEW_PASSWORD), 400, 'token_invalid');
  });

  it('mails at most one link a minute per account, and a new link kills the one before', async () => {
    const { email } = await twoSessions();
    await advance(61); // past any link asked for by an earlier test's clock
    await askReset(email);
    const first = await tokenMailedSoon(api, email, 'amisi_pwr_');
    expect((await askReset(email)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 100));
    expect(mailsTo(email).filter((m) => m.text.includes('amisi_pwr_'))).toHaveLength(1);
    await advance(61);
    await askReset(email);
    const sent = async () => mailsTo(email).filter((m) => m.text.includes('amisi_pwr_')).length;
    for (let i = 0; i < 100 && (await sent()) < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await sent()).toBe(2);
    const second = await tokenMailedSoon(api, email, 'amisi_pwr_');
    expect(second).not.toBe(first);
    expectProblem(await confirm(first, NEW_PASSWORD), 400, 'token_invalid');
    expect((await confirm(second, NEW_PASSWORD)).status).toBe(200);
  });

  it('clears the sign-in back-off of the account', async () => {
    const { email } = await twoSessions();
    for (let i = 0; i <= FREE_FAILURES; i++) await login(email, 'wrong password');
    expectProblem(await login(email, PASSWORD), 429, 'rate_limited');
    await askReset(email);
    expect((await confirm(await tokenMailedSoon(api, email, 'amisi_pwr_'), NEW_PASSWORD)).status).toBe(200);
    expect((await login(email, NEW_PASSWORD)).status).toBe(200);
  });

  describe('change while signed in', () => {
    const change = (p: Person, current_password: string, new_password: string) =>
      api.call('POST', '/v1/auth/password', { ...p.as, body: { current_password, new_password } });

    it('ends the other sessions, keeps this one, and tells the address', async () => {
      const { email, laptop, phone } = await twoSessions();
      const r = await change(laptop, PASSWORD, NEW_PASSWORD);
      expect(r.status).toBe(200);
      expect(r.body.sessions_ended).toBe(1);
      expect((await me(laptop)).status).toBe(200);
      expectProblem(await me(phone), 401, 'unauthorized');
      expectProblem(await login(email, PASSWORD), 401, 'unauthorized');
      expect((await login(email, NEW_PASSWORD)).status).toBe(200);
      expect(mailsTo(email).some((m) => m.subject.includes('Your password was changed'))).toBe(true);
    });

    it('needs the current password, and counts a wrong one as a failed sign-in', async () => {
      const { email, laptop, phone } = await twoSessions();
      expectProblem(await change(laptop, 'not my password', NEW_PASSWORD), 403, 'password_incorrect');
      expect((await me(phone)).status).toBe(200);
      for (let i = 1; i < FREE_FAILURES; i++) await change(laptop, 'not my password', NEW_PASSWORD);
      expectProblem(await change(laptop, PASSWORD, NEW_PASSWORD), 429, 'rate_limited');
      expectProblem(await login(email, PASSWORD), 429, 'rate_limited');
    });

    it('refuses a weak new password, naming the new_password field, and changes nothing', async () => {
      const { email, laptop, phone } = await twoSessions();
      const r = await change(laptop, PASSWORD, 'password123');
      expectProblem(r, 400, 'validation_failed');
      expect(r.body.errors[0].field).toBe('body.new_password');
      expect((await me(phone)).status).toBe(200);
      expect((await login(email, PASSWORD)).status).toBe(200);
    });

    it('needs the CSRF token of the session', async () => {
      const { laptop } = await twoSessions();
      const r = await api.call('POST', '/v1/auth/password', {
        key: null,
        cookie: laptop.as.cookie!,
        body: { current_password: PASSWORD, new_password: NEW_PASSWORD },
      });
      expect(r.status).toBe(403);
    });
  });
});
