/**
 * POST /v1/orgs/{org}/holds/{hold}/capture over real HTTP on both databases: an amount
 * that disagrees with quantity × price is refused naming both figures, and a capture of 0
 * is recorded as a release (no 0-credit usage line in the log).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, DIALECTS, expectProblem, newOrg, startApi } from './harness.ts';

describe.each(DIALECTS)('hold captures on %s', (dialect) => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(async () => {
    await api?.close();
  });

  const hold = async (org: string, amount: number) => {
    const r = await api.call('POST', `/v1/orgs/${org}/holds`, { body: { amount } });
    expect(r.status, r.text).toBe(201);
    return r.body.id as string;
  };
  const capture = (org: string, h: string, body: Record<string, unknown>) =>
    api.call('POST', `/v1/orgs/${org}/holds/${h}/capture`, {
      body: { tool: 'image.generate', operation: '720p', ...body },
    });

  it('refuses an amount that disagrees with quantity × price, naming both figures', async () => {
    const org = await newOrg(api, { name: 'Mismatch', tier: 'basic' });
    const h = await hold(org, 5);
    const r = await capture(org, h, { amount: 3, quantity: 2 });
    expectProblem(r, 400, 'validation_failed');
    expect(r.body.detail).toContain('amount 3 disagrees with quantity 2 × 1 credit');
    const holds = await api.call('GET', `/v1/orgs/${org}/holds?status=open`);
    expect(holds.body.data.map((x: { id: string }) => x.id)).toEqual([h]);
    const ok = await capture(org, h, { amount: 2, quantity: 2 });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toMatchObject({ type: 'usage', amount: -2 });
  });

  it('records a capture of 0 as a release, with no 0-credit usage line', async () => {
    const org = await newOrg(api, { name: 'Zero', tier: 'basic' });
    const h = await hold(org, 4);
    const r = await capture(org, h, { amount: 0 });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ type: 'release', amount: 0, hold_id: h });
    const usage = await api.call('GET', `/v1/orgs/${org}/transactions?type=usage`);
    expect(usage.body.data).toEqual([]);
    const b = await api.call('GET', `/v1/orgs/${org}/balance`);
    expect(b.body).toMatchObject({ available: 20, held: 0 });
    const got = await api.call('GET', `/v1/orgs/${org}/holds`);
    expect(got.body.data[0]).toMatchObject({ id: h, status: 'released', captured: 0 });
  });
});
