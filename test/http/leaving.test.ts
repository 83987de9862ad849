/**
 * Changing an account's email, leaving an org, handing it over, closing it and deleting an
 * account (docs/accounts.md): every rule on both databases, with the refusals a hostile
 * member, admin, key or stranger meets, and the mail each step owes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_CHANGE_TTL_MS } from '../../src/app/email-change.ts';
import { type Api, DIALECTS, expectProblem, newKey, startApi, uniqueEmail } from './harness.ts';
import { mailbox, tokenMailedTo } from './mail.ts';
import { newTeam, PASSWORD, type Person, signIn, signUp, signUpAs } from './sessions.ts';

describe.each(DIALECTS)('leaving and changing on %s', (dialect) => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(async () => {
    await api?.close();
  });

  const advance = async (seconds: number) =>
    expect((await api.call('POST', '/v1/admin/clock/advance', { body: { seconds } })).status).toBe(200);
  const me = (p: Person) => api.call('GET', '/v1/auth/me', p.as);
  const login = (email: string, password = PASSWORD) =>
    api.call('POST', '/v1/auth/login', { key: null, body: { email, password } });
  const mailsTo = (email: string) => mailbox(api).filter((m) => m.to.includes(email));
  const askChange = (p: Person, new_email: string, password = PASSWORD) =>
    api.call('POST', '/v1/auth/email', { ...p.as, body: { new_email, password } });
  const confirmChange = (token: string, as: Partial<Person['as']> = { key: null }) =>
    api.call('POST', '/v1/auth/email/confirm', { ...as, body: { token } });
  const members = async (org: string) =>
    (await api.call('GET', `/v1/orgs/${org}/members?limit=100`)).body.data as {
      id: string;
      email: string;
      role: string;
    }[];
  const roles = async (org: string) => Object.fromEntries((await members(org)).map((m) => [m.email, m.role]));

  describe('changing the email', () => {
    it('moves the account and every membership to the new address once the link is opened, and tells the old one', async () => {
      const t = await newTeam(api);
      const old = t.member.email;
      const next = uniqueEmail('moved');
      const asked = await askChange(t.member, next.toUpperCase());
      expect(asked.status).toBe(202);
      expect(asked.body.new_email).toBe(next);
      // Nothing changes until the link is opened.
      expect((await me(t.member)).body.user.email).toBe(old);
      const token = tokenMailedTo(api, next, 'amisi_emc_');
      const done = await confirmChange(token);
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({
        user: { email: next, email_verified: true },
        old_email: old,
        memberships_moved: 2,
      });
      // The same session, the same member ids and roles, under the new address.
      const after = await me(t.member);
      expect(after.body.user.email).toBe(next);
      expect(
        Object.fromEntries(
          after.body.memberships.map((m: { org_id: string; member_id: string }) => [m.org_id, m.member_id]),
        ),
      ).toEqual(t.member.memberIn);
      expect((await roles(t.org))[next]).toBe('member');
      expect((await roles(t.org))[old]).toBeUndefined();
      expectProblem(await login(old), 401, 'unauthorized');
      expect((await login(next)).status).toBe(200);
      expect(mailsTo(old).filter((m) => m.subject.includes('Your email address was changed'))).toHaveLength(
        1,
      );
      // Whoever takes the old address later reaches only their own sign-up org.
      const { person: stranger } = await signUpAs(api, old);
      expect(Object.keys(stranger.memberIn)).toHaveLength(1);
      expect(Object.keys(stranger.memberIn)).not.toContain(t.org);
    });

    it('finishes a move a crash interrupted between the account and its orgs, at the next scheduler pass', async () => {
      const t = await newTeam(api);
      const old = t.member.email;
      const next = uniqueEmail('crashed');
      const user = (await me(t.member)).body.user as { id: string };
      // The confirmation's first step alone, as if the process died right after it: the
      // account has the new address, its orgs still list the old one.
      expect(await api.store.setUserEmail(user.id, old, next, Date.now(), true)).toBe(true);
      expect((await roles(t.org))[old]).toBe('member');
      expect((await me(t.member)).body.memberships).toHaveLength(0);
      expect((await api.call('POST', '/v1/admin/renewals/run', { body: {} })).status).toBe(200);
      expect((await roles(t.org))[next]).toBe('member');
      expect((await roles(t.org))[old]).toBeUndefined();
      const after = await me(t.member);
      expect(
        Object.fromEntries(
          after.body.memberships.map((m: { org_id: string; member_id: string }) => [m.org_id, m.member_id]),
        ),
      ).toEqual(t.member.memberIn);
      expect(await api.store.emailMovesInFlight(10)).toEqual([]);
    });

    it('finishes only the sign-up org of an account that was unverified when it moved', async () => {
      const t = await newTeam(api);
      const old = t.member.email;
      const next = uniqueEmail('crashed-unverified');
      const user = (await me(t.member)).body.user as { id: string };
      expect(await api.store.setUserEmail(user.id, old, next, Date.now(), false)).toBe(true);
      expect((await api.call('POST', '/v1/admin/renewals/run', { body: {} })).status).toBe(200);
      // The team org is not the member's sign-up org: it keeps the old address.
      expect((await roles(t.org))[old]).toBe('member');
      expect(await api.store.emailMovesInFlight(10)).toEqual([]);
    });

    it('refuses a wrong password and mails nothing', async () => {
      const { person } = await signUp(api, 'wrongpw');
      const next = uniqueEmail('nowhere');
      expectProblem(await askChange(person, next, 'not the password at all'), 403, 'password_incorrect');
      expect(mailsTo(next)).toEqual([]);
    });

    it("answers the same for another account's address, mails that address a warning and never a link", async () => {
      const { person } = await signUp(api, 'taker');
      const { person: other } = await signUp(api, 'owned');
      const free = uniqueEmail('free');
      const a = await askChange(person, other.email);
      await advance(61);
      const b = await askChange(person, free);
      expect(a.status).toBe(202);
      expect(b.status).toBe(202);
      expect(Object.keys(a.body).sort()).toEqual(Object.keys(b.body).sort());
      expect(b.body.message.replaceAll(free, '@')).toBe(a.body.message.replaceAll(other.email, '@'));
      expect(mailsTo(other.email).some((m) => m.text.includes('amisi_emc_'))).toBe(false);
      expect(mailsTo(other.email).some((m) => m.subject.includes('Someone tried to move an account'))).toBe(
        true,
      );
      expect((await me(person)).body.user.email).toBe(person.email);
    });

    it('refuses a used link, an expired one and one of another purpose', async () => {
      const { person } = await signUp(api, 'tokens');
      await advance(61);
      const first = uniqueEmail('first');
      await askChange(person, first);
      const used = tokenMailedTo(api, first, 'amisi_emc_');
      expect((await confirmChange(used)).status).toBe(200);
      expectProblem(await confirmChange(used), 409, 'token_used');

      await advance(61);
      const second = uniqueEmail('second');
      await askChange(person, second);
      const late = tokenMailedTo(api, second, 'amisi_emc_');
      await advance(EMAIL_CHANGE_TTL_MS / 1000);
      expectProblem(await confirmChange(late), 410, 'token_expired');
      expect((await me(person)).body.user.email).toBe(first);

      const ev = tokenMailedTo(api, person.email, 'amisi_ev_');
      expectProblem(await confirmChange(ev), 400, 'token_invalid');
      expectProblem(await confirmChange('amisi_emc_madeup'), 400, 'token_invalid');
    });

    it('changes only the account that asked, whoever opens the link', async () => {
      const { person: asker } = await signUp(api, 'asker');
      const { person: other } = await signUp(api, 'bystander');
      const next = uniqueEmail('asked');
      await askChange(asker, next);
      const r = await confirmChange(tokenMailedTo(api, next, 'amisi_emc_'), other.as);
      expect(r.status).toBe(200);
      expect((await me(other)).body.user.email).toBe(other.email);
      expect((await me(asker)).body.user.email).toBe(next);
    });

    it('is for signed-in people only, at most once a minute', async () => {
      const { person, org } = await signUp(api, 'keys');
      const key = await newKey(api, org, ['read', 'usage', 'billing', 'admin']);
      const body = { new_email: uniqueEmail('k'), password: PASSWORD };
      expectProblem(await api.call('POST', '/v1/auth/email', { key, body }), 403, 'forbidden');
      expectProblem(await api.call('POST', '/v1/auth/email', { key: null, body }), 401, 'unauthorized');
      expectProblem(
        await api.call('POST', '/v1/auth/email', { ...person.as, headers: {}, body }),
        403,
        'forbidden',
      );
      await advance(61);
      expect((await askChange(person, uniqueEmail('once'))).status).toBe(202);
      expectProblem(await askChange(person, uniqueEmail('twice')), 429, 'rate_limited');
    });
  });

  describe('leaving and handing over', () => {
    it('lets a member leave: the org no longer lists them and they no longer reach it', async () => {
      const t = await newTeam(api);
      const r = await api.call('POST', `/v1/orgs/${t.org}/leave`, { ...t.member.as, body: {} });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ left: true, member: { email: t.member.email, role: 'member' } });
      expect((await roles(t.org))[t.member.email]).toBeUndefined();
      expectProblem(await api.call('GET', `/v1/orgs/${t.org}/balance`, t.member.as), 404, 'not_found');
    });

    it('replays a retried leave with the same idempotency key after it succeeded, instead of 404', async () => {
      const t = await newTeam(api);
      const leave = () =>
        api.call('POST', `/v1/orgs/${t.org}/leave`, { ...t.member.as, idem: 'leave-1', body: {} });
      const first = await leave();
      expect(first.status).toBe(200);
      const again = await leave();
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      // Without the key, or with another one, the former member no longer reaches the org.
      expectProblem(
        await api.call('POST', `/v1/orgs/${t.org}/leave`, { ...t.member.as, body: {} }),
        404,
        'not_found',
      );
      expectProblem(
        await api.call('POST', `/v1/orgs/${t.org}/leave`, { ...t.member.as, idem: 'leave-2', body: {} }),
        404,
        'not_found',
      );
    });

    it('answers 404 to a stranger leaving with an idempotency key, as without one', async () => {
      const t = await newTeam(api);
      const { person: outsider } = await signUp(api, 'stranger-leaves');
      for (const idem of [undefined, 'leave-stranger'])
        expectProblem(
          await api.call('POST', `/v1/orgs/${t.org}/leave`, {
            ...outsider.as,
            ...(idem ? { idem } : {}),
            body: {},
          }),
          404,
          'not_found',
        );
    });

    it('tells a non-owner refused a transfer their role, as the core refuses it', async () => {
      const t = await newTeam(api);
      const r = await api.call('POST', `/v1/orgs/${t.org}/transfer_ownership`, {
        ...t.admin.as,
        body: { member_id: t.member.memberIn[t.org] },
      });
      expectProblem(r, 403, 'forbidden');
      expect(r.body.detail).toBe('only an owner can transfer ownership; you are an admin');
    });

    it('refuses the last owner, saying to transfer ownership first', async () => {
      const t = await newTeam(api);
      const r = await api.call('POST', `/v1/orgs/${t.org}/leave`, { ...t.owner.as, body: {} });
      expectProblem(r, 409, 'conflict');
      expect(r.body.detail).toMatch(/transfer ownership/);
    });

    it('transfers ownership to a member, makes the previous owner an admin and tells both', async () => {
      const t = await newTeam(api);
      const r = await api.call('POST', `/v1/orgs/${t.org}/transfer_ownership`, {
        ...t.owner.as,
        body: { email: t.member.email },
      });
      expect(r.status).toBe(200);
      expect(r.body.owner).toMatchObject({ email: t.member.email, role: 'owner' });
      expect(r.body.previous_owner).toMatchObject({ email: t.owner.email, role: 'admin' });
      expect(await roles(t.org)).toMatchObject({ [t.owner.email]: 'admin', [t.member.email]: 'owner' });
      expect(mailsTo(t.member.email).some((m) => m.subject.includes('You now own'))).toBe(true);
      expect(mailsTo(t.owner.email).some((m) => m.subject.includes('You transferred'))).toBe(true);
      // The former owner may now leave.
      expect((await api.call('POST', `/v1/orgs/${t.org}/leave`, { ...t.owner.as, body: {} })).status).toBe(
        200,
      );
    });

    it('refuses a transfer by an admin, a member, a key, or to a stranger', async () => {
      const t = await newTeam(api);
      const to = { member_id: t.member.memberIn[t.org] };
      const path = `/v1/orgs/${t.org}/transfer_ownership`;
      expectProblem(await api.call('POST', path, { ...t.admin.as, body: to }), 403, 'forbidden');
      expectProblem(
        await api.call('POST', path, { ...t.member.as, body: { member_id: t.admin.memberIn[t.org] } }),
        403,
        'forbidden',
      );
      const key = await newKey(api, t.org, ['read', 'usage', 'billing', 'admin']);
      expectProblem(await api.call('POST', path, { key, body: to }), 403, 'forbidden');
      expectProblem(
        await api.call('POST', path, { ...t.owner.as, body: { email: uniqueEmail('stranger') } }),
        404,
        'not_found',
      );
      expectProblem(await api.call('POST', path, { ...t.owner.as, body: {} }), 400, 'validation_failed');
      expectProblem(
        await api.call('POST', path, { ...t.owner.as, body: { ...to, email: t.member.email } }),
        400,
        'validation_failed',
      );
      const { person: outsider } = await signUp(api, 'outsider');
      expectProblem(await api.call('POST', path, { ...outsider.as, body: to }), 404, 'not_found');
      expect((await roles(t.org))[t.owner.email]).toBe('owner');
    });
  });

  describe('closing an org', () => {
    it('is refused to an admin, a member and a key, and without the org name typed', async () => {
      const t = await newTeam(api);
      const path = `/v1/orgs/${t.org}/close`;
      const name = (await api.call('GET', `/v1/orgs/${t.org}`)).body.name;
      expectProblem(
        await api.call('POST', path, { ...t.admin.as, body: { confirm: name } }),
        403,
        'forbidden',
      );
      expectProblem(
        await api.call('POST', path, { ...t.member.as, body: { confirm: name } }),
        403,
        'forbidden',
      );
      const key = await newKey(api, t.org, ['read', 'usage', 'billing', 'admin']);
      expectProblem(await api.call('POST', path, { key, body: { confirm: name } }), 403, 'forbidden');
      const typo = await api.call('POST', path, { ...t.owner.as, body: { confirm: `${name}x` } });
      expectProblem(typo, 400, 'validation_failed');
      expect(typo.body.errors[0].field).toBe('body.confirm');
      expect((await api.call('GET', `/v1/orgs/${t.org}`)).body.closed_at).toBeNull();
    });

    it('replays a retried close or transfer with the same idempotency key instead of refusing it', async () => {
      const t = await newTeam(api);
      const transfer = () =>
        api.call('POST', `/v1/orgs/${t.org}/transfer_ownership`, {
          ...t.owner.as,
          idem: 'transfer-1',
          body: { member_id: t.admin.memberIn[t.org] },
        });
      const first = await transfer();
      expect(first.status).toBe(200);
      const again = await transfer();
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      const name = (await api.call('GET', `/v1/orgs/${t.org}`)).body.name;
      const close = () =>
        api.call('POST', `/v1/orgs/${t.org}/close`, {
          ...t.admin.as,
          idem: 'close-1',
          body: { confirm: name },
        });
      const closed = await close();
      expect(closed.status).toBe(200);
      const retried = await close();
      expect(retried.status).toBe(200);
      expect(retried.body).toEqual(closed.body);
    });

    it('is done by the operator key through the route: the paid plan is cancelled and owners and admins are told', async () => {
      const t = await newTeam(api);
      const name = (await api.call('GET', `/v1/orgs/${t.org}`)).body.name;
      const r = await api.call('POST', `/v1/orgs/${t.org}/close`, { body: { confirm: name } });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ id: t.org, closed_at: expect.any(String) });
      const sub = await api.call('GET', `/v1/orgs/${t.org}/subscription`, t.owner.as);
      expect(sub.body).toMatchObject({ tier: 'pro', cancel_at_period_end: true, pending_tier: 'free' });
      for (const p of [t.owner, t.admin])
        expect(
          mailsTo(p.email).some(
            (m) =>
              m.subject === `[Amisi Credits] ${name} was closed` && m.text.includes('closed by the operator'),
          ),
        ).toBe(true);
      expect(mailsTo(t.member.email).some((m) => m.subject.endsWith(`${name} was closed`))).toBe(false);
    });

    it('cancels the plan, revokes keys, refuses every change with 410 and keeps the log readable', async () => {
      const t = await newTeam(api);
      const key = await newKey(api, t.org, ['read', 'usage']);
      const charge = { tool: 'image.generate', operation: '1080p' };
      expect((await api.call('POST', `/v1/orgs/${t.org}/usage`, { key, body: charge })).status).toBe(201);
      const name = (await api.call('GET', `/v1/orgs/${t.org}`)).body.name;
      const r = await api.call('POST', `/v1/orgs/${t.org}/close`, { ...t.owner.as, body: { confirm: name } });
      expect(r.status).toBe(200);
      expect(r.body.closed_at).toEqual(expect.any(String));
      const sub = await api.call('GET', `/v1/orgs/${t.org}/subscription`, t.owner.as);
      expect(sub.body).toMatchObject({ cancel_at_period_end: true, pending_tier: 'free' });
      expectProblem(
        await api.call('POST', `/v1/orgs/${t.org}/usage`, { key, body: charge }),
        401,
        'unauthorized',
      );
      expectProblem(await api.call('POST', `/v1/orgs/${t.org}/usage`, { body: charge }), 410, 'org_closed');
      expectProblem(
        await api.call('POST', `/v1/orgs/${t.org}/api_keys`, {
          ...t.owner.as,
          body: { name: 'again', scopes: ['read'] },
        }),
        410,
        'org_closed',
      );
      expectProblem(
        await api.call('POST', `/v1/orgs/${t.org}/members`, {
          ...t.owner.as,
          body: { email: uniqueEmail('late'), role: 'member' },
        }),
        410,
        'org_closed',
      );
      expectProblem(
        await api.call('POST', `/v1/orgs/${t.org}/close`, { ...t.owner.as, body: { confirm: name } }),
        410,
        'org_closed',
      );
      // A POST that changes nothing (a price quote) still answers on a closed org.
      const quote = await api.call('POST', `/v1/orgs/${t.org}/quotes`, {
        ...t.owner.as,
        body: { items: [charge] },
      });
      expect(quote.status).toBe(200);
      // A webhook endpoint (beside the ledger) is refused like a key.
      expectProblem(
        await api.call('POST', `/v1/orgs/${t.org}/webhook_endpoints`, {
          ...t.owner.as,
          body: { url: 'https://hooks.example.com/amisi' },
        }),
        410,
        'org_closed',
      );
      const log = await api.call('GET', `/v1/orgs/${t.org}/transactions?limit=100`, t.owner.as);
      expect(log.status).toBe(200);
      expect(log.body.data.some((x: { type: string }) => x.type === 'usage')).toBe(true);
      expect((await api.call('GET', `/v1/orgs/${t.org}/transactions.csv`, t.owner.as)).status).toBe(200);
      for (const p of [t.owner, t.admin])
        expect(mailsTo(p.email).some((m) => m.subject === `[Amisi Credits] ${name} was closed`)).toBe(true);
      // People may still leave a closed org.
      expect((await api.call('POST', `/v1/orgs/${t.org}/leave`, { ...t.member.as, body: {} })).status).toBe(
        200,
      );
    });
  });

  describe('deleting an account', () => {
    const del = (p: Person, password = PASSWORD) =>
      api.call('DELETE', '/v1/auth/account', { ...p.as, body: { password } });

    it('is refused while the person is the last owner of an org with a paid plan or other members, saying what to do', async () => {
      const t = await newTeam(api);
      const r = await del(t.owner);
      expectProblem(r, 409, 'conflict');
      expect(r.body.detail).toMatch(/transfer ownership to another member or close the org first/);
      expect(r.body.orgs).toEqual([{ org_id: t.org, reason: expect.stringMatching(/paid pro plan/) }]);
      expect((await me(t.owner)).status).toBe(200);
    });

    it('refuses a wrong password and changes nothing', async () => {
      const { person } = await signUp(api, 'keepme');
      expectProblem(await del(person, 'not the password at all'), 403, 'password_incorrect');
      expect((await me(person)).status).toBe(200);
    });

    it('removes a member from their orgs, closes the org that was theirs alone and ends every session', async () => {
      const t = await newTeam(api);
      const phone = await signIn(api, t.member.email);
      const own = Object.keys(t.member.memberIn).find((o) => o !== t.org)!;
      const r = await del(t.member);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ deleted: true, orgs_closed: [own] });
      expect(r.body.orgs_left.sort()).toEqual([own, t.org].sort());
      expectProblem(await me(t.member), 401, 'unauthorized');
      expectProblem(await me(phone), 401, 'unauthorized');
      expectProblem(await login(t.member.email), 401, 'unauthorized');
      expect((await roles(t.org))[t.member.email]).toBeUndefined();
      const closed = await api.call('GET', `/v1/orgs/${own}`);
      expect(closed.body.closed_at).toEqual(expect.any(String));
      expect((await api.call('GET', `/v1/orgs/${own}/transactions`)).status).toBe(200);
      expect(mailsTo(t.member.email).some((m) => m.subject.includes('Your account was deleted'))).toBe(true);
      // The address is free again, and a new account with it reaches none of the old orgs.
      const { person: again } = await signUpAs(api, t.member.email);
      expect(Object.keys(again.memberIn).some((o) => o === t.org || o === own)).toBe(false);
    });

    it('is for signed-in people only', async () => {
      const { org } = await signUp(api, 'keydel');
      const key = await newKey(api, org, ['read', 'usage', 'billing', 'admin']);
      expectProblem(
        await api.call('DELETE', '/v1/auth/account', { key, body: { password: PASSWORD } }),
        403,
        'forbidden',
      );
      expectProblem(
        await api.call('DELETE', '/v1/auth/account', { body: { password: PASSWORD } }),
        403,
        'forbidden',
      );
    });
  });

  describe('new sign-in mail', () => {
    it('mails the person on a sign-in from a browser the account has not used, once per browser', async () => {
      const { person } = await signUp(api, 'devices');
      const subject = '[Amisi Credits] New sign-in to your account';
      const from = (ua: string) =>
        api.call('POST', '/v1/auth/login', {
          key: null,
          headers: { 'user-agent': ua },
          body: { email: person.email, password: PASSWORD },
        });
      const count = () => mailsTo(person.email).filter((m) => m.subject === subject).length;
      expect((await from('TestBrowser/1 (laptop)')).status).toBe(200);
      for (let i = 0; i < 250 && count() < 1; i++) await new Promise((r) => setTimeout(r, 20));
      expect(count()).toBe(1);
      expect(mailsTo(person.email).find((m) => m.subject === subject)?.text).toContain(
        'TestBrowser/1 (laptop)',
      );
      expect((await from('TestBrowser/1 (laptop)')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      expect(count()).toBe(1);
    });
  });
});
