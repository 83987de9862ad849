/**
 * Signed-in people for API tests: sign up, sign in, and the options `api.call` needs to act
 * as them (the session cookie, the CSRF token, no Bearer key). A team is an org on Pro with
 * an owner, an admin and a member, each signed in.
 */
import type { Api, CallOptions } from './harness.ts';
import { uniqueEmail } from './harness.ts';

export const PASSWORD = 'correct horse battery';

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

/** Signs a new person up (with an org of their own on Free) and in. */
export async function signUp(api: Api, tag = 'person'): Promise<{ person: Person; org: string }> {
  const email = uniqueEmail(tag);
  const r = await api.call('POST', '/v1/auth/signup', { key: null, body: { email, password: PASSWORD } });
  if (r.status !== 201) throw new Error(`sign-up failed: ${r.status} ${r.text}`);
  return { person: await signIn(api, email), org: r.body.org.id as string };
}

export interface Team {
  org: string;
  owner: Person;
  admin: Person;
  member: Person;
}

/** An org on Pro whose owner signed up with it, with an admin and a member the owner added. */
export async function newTeam(api: Api): Promise<Team> {
  const { person: first, org } = await signUp(api, 'owner');
  const pro = await api.call('POST', `/v1/orgs/${org}/subscription`, { body: { tier: 'pro' } });
  if (pro.status !== 200) throw new Error(`upgrade failed: ${pro.status} ${pro.text}`);
  const join = async (role: 'admin' | 'member') => {
    const email = uniqueEmail(role);
    const added = await api.call('POST', `/v1/orgs/${org}/members`, { ...first.as, body: { email, role } });
    if (added.status !== 201) throw new Error(`adding a ${role} failed: ${added.status} ${added.text}`);
    const up = await api.call('POST', '/v1/auth/signup', { key: null, body: { email, password: PASSWORD } });
    if (up.status !== 201) throw new Error(`sign-up failed: ${up.status} ${up.text}`);
    return signIn(api, email);
  };
  const admin = await join('admin');
  const member = await join('member');
  return { org, owner: await signIn(api, first.email), admin, member };
}
