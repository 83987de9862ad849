/**
 * Who joins an org: only the person who reads the invited address. Adding someone sends an
 * invitation with a single-use, expiring link; joining needs that link, a session, and the
 * invited address verified on the account. Every rule on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, DIALECTS, expectProblem, newKey, newOrg, startApi, uniqueEmail } from './harness.ts';
import { acceptInvitation, mailbox, signIn, tokenMailedTo, verifiedUser, verifyEmail } from './mail.ts';

const PASSWORD = 'violet quartz harbour 7 lanterns';

describe.each(DIALECTS)('invitations and email verification on %s', (dialect) => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(async () => {
    await api?.close();
  });

  const advance = async (seconds: number) =>
    expect((await api.call('POST', '/v1/admin/clock/advance', { body: { seconds } })).status).toBe(200);

  /** A Pro org (team access) and an admin-scoped key for it. */
  async function teamOrg() {
    const org = await newOrg(api, { name: 'Team B', tier: 'pro' });
    await api.call('POST', `/v1/orgs/${org}/members`, {
      body: { email: uniqueEmail('owner'), role: 'owner' },
    });
    // Every scope: a key may only invite to roles whose scopes it holds (docs/security.md).
    return { org, adminKey: await newKey(api, org, ['read', 'usage', 'billing', 'admin']) };
  }

  const invite = (org: string, key: string, email: string, role = 'member') =>
    api.call('POST', `/v1/orgs/${org}/members`, { key, body: { email, role } });

  it('does not let a person who signs up with an invited email join the org', async () => {
    const { org, adminKey } = await teamOrg();
    const email = uniqueEmail('BMember');
    const added = await invite(org, adminKey, email.replace('BMember', 'bmember').toUpperCase());
    expect(added.status).toBe(202);
    expect(added.body.invitation).toMatchObject({
      email: email.toLowerCase(),
      role: 'member',
      status: 'pending',
    });

    // Someone else signs up with the invited address: no membership, no access.
    expect(
      (await api.call('POST', '/v1/auth/signup', { key: null, body: { email, password: PASSWORD } })).status,
    ).toBe(202);
    const session = await signIn(api, email, PASSWORD);
    const me = await api.call('GET', '/v1/auth/me', session);
    expect(me.body.user.email_verified).toBe(false);
    expect(me.body.memberships.map((m: { org_id: string }) => m.org_id)).not.toContain(org);
    expectProblem(await api.call('GET', `/v1/orgs/${org}/balance`, session), 404, 'not_found');
    expect((await api.call('GET', `/v1/orgs/${org}/members`)).body.data).toHaveLength(1);
  });

  it('keeps orgs that list an address away from an account until it verifies that address', async () => {
    const org = await newOrg(api, { name: 'Operator set up', tier: 'pro' });
    const email = uniqueEmail('listed');
    // The operator may still add a member directly (201, the member at once).
    const direct = await api.call('POST', `/v1/orgs/${org}/members`, { body: { email, role: 'admin' } });
    expect(direct.status).toBe(201);
    expect(direct.body).toMatchObject({ email, role: 'admin' });
    await api.call('POST', '/v1/auth/signup', { key: null, body: { email, password: PASSWORD } });
    const session = await signIn(api, email, PASSWORD);
    expectProblem(await api.call('GET', `/v1/orgs/${org}/balance`, session), 404, 'not_found');
    await verifyEmail(api, email);
    expect((await api.call('GET', `/v1/orgs/${org}/balance`, session)).status).toBe(200);
  });

  it('joins the invited person with the invited role once they verify their email and open the link', async () => {
    const { org, adminKey } = await teamOrg();
    const email = uniqueEmail('artist');
    const sent = await invite(org, adminKey, email, 'admin');
    const invitation = sent.body.invitation;
    const { session } = await verifiedUser(api, email);

    const token = tokenMailedTo(api, email, 'amisi_inv_');
    const preview = await api.call('POST', '/v1/invitations/preview', { key: null, body: { token } });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ org: { id: org, name: 'Team B' }, email, role: 'admin' });

    const accepted = await acceptInvitation(api, session, email);
    expect(accepted.status).toBe(200);
    expect(accepted.body.member).toMatchObject({ email, role: 'admin' });
    expect(accepted.body.invitation).toMatchObject({ id: invitation.id, status: 'accepted' });
    expect((await api.call('GET', `/v1/orgs/${org}/balance`, session)).status).toBe(200);
    const listed = await api.call('GET', `/v1/orgs/${org}/invitations`, { key: adminKey });
    expect(listed.body.data[0]).toMatchObject({
      id: invitation.id,
      status: 'accepted',
      member_id: accepted.body.member.id,
    });
  });

  it('refuses an invitation link after it expires', async () => {
    const { org, adminKey } = await teamOrg();
    const email = uniqueEmail('late');
    await invite(org, adminKey, email);
    const { session } = await verifiedUser(api, email);
    await advance(7 * 86_400 + 1);
    expectProblem(await acceptInvitation(api, session, email), 410, 'token_expired');
    const listed = await api.call('GET', `/v1/orgs/${org}/invitations`, { key: adminKey });
    expect(listed.body.data[0].status).toBe('expired');
  });

  it('refuses an email verification link after it expires', async () => {
    const email = uniqueEmail('slow');
    await api.call('POST', '/v1/auth/signup', { key: null, body: { email, password: PASSWORD } });
    await advance(24 * 3600 + 1);
    const token = tokenMailedTo(api, email, 'amisi_ev_');
    expectProblem(
      await api.call('POST', '/v1/auth/verify-email', { key: null, body: { token } }),
      410,
      'token_expired',
    );
  });

  it('refuses a link that was already used', async () => {
    const { org, adminKey } = await teamOrg();
    const email = uniqueEmail('twice');
    await invite(org, adminKey, email);
    const { session } = await verifiedUser(api, email);
    expect((await acceptInvitation(api, session, email)).status).toBe(200);
    expectProblem(await acceptInvitation(api, session, email), 409, 'token_used');

    const token = tokenMailedTo(api, email, 'amisi_ev_');
    expectProblem(
      await api.call('POST', '/v1/auth/verify-email', { key: null, body: { token } }),
      409,
      'token_used',
    );
  });

  it('refuses a link opened by another account, and the invited person can still use it', async () => {
    const { org, adminKey } = await teamOrg();
    const invited = uniqueEmail('invited');
    await invite(org, adminKey, invited);
    const other = await verifiedUser(api, uniqueEmail('other'));
    const token = tokenMailedTo(api, invited, 'amisi_inv_');
    expectProblem(
      await api.call('POST', '/v1/invitations/accept', { ...other.session, body: { token } }),
      403,
      'invitation_email_mismatch',
    );
    expectProblem(await api.call('GET', `/v1/orgs/${org}/balance`, other.session), 404, 'not_found');
    expectProblem(
      await api.call('POST', '/v1/invitations/accept', { key: null, body: { token } }),
      401,
      'unauthorized',
    );
    const right = await verifiedUser(api, invited);
    expect((await acceptInvitation(api, right.session, invited)).status).toBe(200);
  });

  it('lets an unverified account neither accept an invitation nor create a second org', async () => {
    const { org, adminKey } = await teamOrg();
    const email = uniqueEmail('unverified');
    await invite(org, adminKey, email);
    await api.call('POST', '/v1/auth/signup', { key: null, body: { email, password: PASSWORD } });
    const session = await signIn(api, email, PASSWORD);
    expectProblem(await acceptInvitation(api, session, email), 403, 'email_not_verified');
    expectProblem(
      await api.call('POST', '/v1/orgs', { ...session, body: { name: 'Second' } }),
      403,
      'email_not_verified',
    );

    await verifyEmail(api, email);
    expect((await api.call('GET', '/v1/auth/me', session)).body.user.email_verified).toBe(true);
    expect((await acceptInvitation(api, session, email)).status).toBe(200);
    expect((await api.call('POST', '/v1/orgs', { ...session, body: { name: 'Second' } })).status).toBe(201);
  });

  it('revokes an invitation: its link stops working and only admins may list or revoke', async () => {
    const { org, adminKey } = await teamOrg();
    const email = uniqueEmail('revoked');
    const sent = await invite(org, adminKey, email);
    const id = sent.body.invitation.id;
    const reader = await newKey(api, org, ['read', 'usage']);
    expectProblem(await api.call('GET', `/v1/orgs/${org}/invitations`, { key: reader }), 403, 'forbidden');
    expectProblem(
      await api.call('DELETE', `/v1/orgs/${org}/invitations/${id}`, { key: reader }),
      403,
      'forbidden',
    );

    const revoked = await api.call('DELETE', `/v1/orgs/${org}/invitations/${id}`, { key: adminKey });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id, status: 'revoked' });
    expect(
      (await api.call('DELETE', `/v1/orgs/${org}/invitations/${id}`, { key: adminKey })).body.status,
    ).toBe('revoked');
    const { session } = await verifiedUser(api, email);
    expectProblem(await acceptInvitation(api, session, email), 400, 'token_invalid');
    expectProblem(await api.call('GET', `/v1/orgs/${org}/balance`, session), 404, 'not_found');
    const other = await teamOrg();
    expectProblem(
      await api.call('DELETE', `/v1/orgs/${other.org}/invitations/${id}`, { key: other.adminKey }),
      404,
      'not_found',
    );
  });

  it('replaces the open invitation of an address invited again, so only the newest link works', async () => {
    const { org, adminKey } = await teamOrg();
    const email = uniqueEmail('again');
    const first = await invite(org, adminKey, email);
    const oldToken = tokenMailedTo(api, email, 'amisi_inv_');
    const second = await invite(org, adminKey, email, 'admin');
    expect(second.body.invitation.id).not.toBe(first.body.invitation.id);
    const { session } = await verifiedUser(api, email);
    expectProblem(
      await api.call('POST', '/v1/invitations/accept', { ...session, body: { token: oldToken } }),
      400,
      'token_invalid',
    );
    const ok = await acceptInvitation(api, session, email);
    expect(ok.body.member.role).toBe('admin');
    const listed = (await api.call('GET', `/v1/orgs/${org}/invitations`, { key: adminKey })).body.data;
    const status = (id: string) => listed.find((i: { id: string }) => i.id === id)?.status;
    expect(status(first.body.invitation.id)).toBe('revoked');
    expect(status(second.body.invitation.id)).toBe('accepted');
  });

  it('lets only an owner or the operator invite an owner', async () => {
    const { org, adminKey } = await teamOrg();
    expectProblem(await invite(org, adminKey, uniqueEmail('boss'), 'owner'), 403, 'forbidden');
    const admin = uniqueEmail('admin');
    await invite(org, adminKey, admin, 'admin');
    const { session } = await verifiedUser(api, admin);
    await acceptInvitation(api, session, admin);
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/invitations`, {
        ...session,
        body: { email: uniqueEmail('boss'), role: 'owner' },
      }),
      403,
      'forbidden',
    );
    const byOperator = await api.call('POST', `/v1/orgs/${org}/invitations`, {
      body: { email: uniqueEmail('boss'), role: 'owner' },
    });
    expect(byOperator.status).toBe(201);
    expect(byOperator.body).toMatchObject({ role: 'owner', status: 'pending', invited_by: 'admin' });
  });

  it('refuses invitations on a tier without team access', async () => {
    const email = uniqueEmail('solo');
    const { session, org } = await verifiedUser(api, email);
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/members`, {
        ...session,
        body: { email: uniqueEmail('friend'), role: 'member' },
      }),
      409,
      'tier_not_allowed',
    );
  });

  it('resends a verification link that replaces the earlier one, at most once a minute', async () => {
    const email = uniqueEmail('resend');
    await api.call('POST', '/v1/auth/signup', { key: null, body: { email, password: PASSWORD } });
    const first = tokenMailedTo(api, email, 'amisi_ev_');
    const session = await signIn(api, email, PASSWORD);
    const soon = await api.call('POST', '/v1/auth/verify-email/resend', session);
    expectProblem(soon, 429, 'rate_limited');
    expect(Number(soon.headers.get('retry-after'))).toBeGreaterThan(0);
    await advance(61);
    const again = await api.call('POST', '/v1/auth/verify-email/resend', session);
    expect(again.status).toBe(202);
    expectProblem(
      await api.call('POST', '/v1/auth/verify-email', { key: null, body: { token: first } }),
      400,
      'token_invalid',
    );
    await verifyEmail(api, email);
    expectProblem(await api.call('POST', '/v1/auth/verify-email/resend', session), 409, 'conflict');
  });

  it('mails tokens only to the invited person, never into the org’s readable outbox', async () => {
    const { org, adminKey } = await teamOrg();
    const email = uniqueEmail('private');
    await invite(org, adminKey, email);
    const token = tokenMailedTo(api, email, 'amisi_inv_');
    expect(mailbox(api).some((m) => m.text.includes(token) && m.to.includes(email))).toBe(true);
    const outbox = await api.call('GET', `/v1/orgs/${org}/emails`);
    expect(outbox.text).not.toContain(token);
    expect(JSON.stringify((await api.call('GET', `/v1/orgs/${org}/invitations`)).body)).not.toContain(token);
  });
});
