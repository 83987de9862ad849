/**
 * `AMISI_ORGS_PER_USER` holds under concurrency (issue 13, defect 4): counting the orgs a
 * person owns and creating one more is one atomic step, on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, DIALECTS, expectProblem, startApi } from './harness.ts';
import { signUp } from './sessions.ts';

const LIMIT = 3;
const CONCURRENT = 30;

describe.each(DIALECTS)('orgs a person may own under concurrency, on %s', (dialect) => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(dialect, { orgs_per_user: LIMIT });
  });
  afterAll(async () => {
    await api?.close();
  });

  it(`creates exactly AMISI_ORGS_PER_USER orgs from ${CONCURRENT} concurrent requests, refusing the rest`, async () => {
    const { person } = await signUp(api, 'racer');
    const all = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) =>
        api.call('POST', '/v1/orgs', { ...person.as, body: { name: `Race ${i}` } }),
      ),
    );
    const created = all.filter((r) => r.status === 201);
    const refused = all.filter((r) => r.status !== 201);
    // The sign-up org is the first of the LIMIT.
    expect(created).toHaveLength(LIMIT - 1);
    expect(refused).toHaveLength(CONCURRENT - (LIMIT - 1));
    for (const r of refused) {
      expectProblem(r, 409, 'conflict');
      expect(r.body).toMatchObject({ limit: LIMIT });
      expect(r.body.detail).toContain(`the most one person may own`);
    }
    const me = await api.call('GET', '/v1/auth/me', { key: null, cookie: person.as.cookie! });
    expect(me.body.memberships.filter((m: { role: string }) => m.role === 'owner')).toHaveLength(LIMIT);
    // Refused requests made nothing: the next one is refused too.
    expectProblem(
      await api.call('POST', '/v1/orgs', { ...person.as, body: { name: 'One more' } }),
      409,
      'conflict',
    );
  });
});
