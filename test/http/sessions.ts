/**
 * Signed-in people for API tests: sign up, sign in, and the options `api.call` needs to act
 * as them (the session cookie, the CSRF token, no Bearer key). A team is an org on Pro with
 * an owner, an admin and a member, each signed in.
 */
import type { Api, CallOptions } from './harness.ts';
import { uniqueEmail } from './harness.ts';
import { acceptInvitation, verifyEmail } from './mail.ts';

export const PASSWORD = 'violet quartz harbour 7 lanterns';

export interface Person {
  email: string;
  /** Spread into `api.call` options: `{ ...person.as, body }`. */
  as: Pick<CallOptions, 'key' | 'cookie' | 'headers'>;
  /** The person's member id in each org they belong to. */
  memberIn: Record<string, string>;
}

export async function signIn(api: Api, email: string, password = PASSWORD): Promise<Person> {
  const r = await api.call('POST', '/v1/auth/login', { key: null, body: { email, password } });
  if (r.status !== 200) throw new Error(`sign-in failed: ${r.status} ${r.text}`);
  const memberIn: Record<string, string> = {};
  for (const m of r.body.memberships as { org_id: string; member_id: string }[])
    memberIn[m.org_id] = m.member_id;
  return {
    email,
    as: {
      key: null,
      cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!,
      headers: { 'x-csrf-token': r.body.csrf_token as string },
    },
    memberIn,
  };
}

/** Signs a new person up (with an org of their own on Free), verifies their email and signs them in. */
export async function signUp(api: Api, tag = 'person'): Promise<{ person: Person; org: string }> {
  return signUpAs(api, uniqueEmail(tag));
}

export async function signUpAs(api: Api, email: string): Promise<{ person: Person; org: string }> {
  const r = await api.call('POST', '/v1/auth/signup', { key: null, body: { email, password: PASSWORD } });
  if (r.status !== 202) throw new Error(`sign-up failed: ${r.status} ${r.text}`);
  await verifyEmail(api, email);
  const person = await signIn(api, email);
  const org = Object.keys(person.memberIn)[0];
  if (!org) throw new Error(`no org after sign-up for ${email}`);
  return { person, org };
}

export interface Team {
  org: string;
  owner: Person;
  admin: Person;
  member: Person;
}

/** An org on Pro whose owner signed up with it, with an admin and a member the owner invited. */
export async function newTeam(api: Api): Promise<Team> {
  const { person: first, org } = await signUp(api, 'owner');
  const pro = await api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'pro' } });
  if (pro.status !== 200) throw new Error(`upgrade failed: ${pro.status} ${pro.text}`);
  const join = async (role: 'admin' | 'member') => {
    const email = uniqueEmail(role);
    const added = await api.call('POST', `/v1/orgs/${org}/members`, { ...first.as, body: { email, role } });
    if (added.status !== 202) throw new Error(`inviting a ${role} failed: ${added.status} ${added.text}`);
    const { person } = await signUpAs(api, email);
    const accepted = await acceptInvitation(
      api,
      { key: null, cookie: person.as.cookie!, headers: person.as.headers as { 'x-csrf-token': string } },
      email,
    );
    if (accepted.status !== 200) throw new Error(`accepting failed: ${accepted.status} ${accepted.text}`);
    return signIn(api, email);
  };
  const admin = await join('admin');
  const member = await join('member');
  return { org, owner: await signIn(api, first.email), admin, member };
}
