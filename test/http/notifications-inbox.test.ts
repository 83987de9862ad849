/**
 * The in-app inbox behind the web app's bell, over real HTTP on both databases: the
 * unread count for the badge, mark one read, mark all read (idempotent per key).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, DIALECTS, expectProblem, newKey, newOrg, startApi } from './harness.ts';

describe.each(DIALECTS)('notification inbox on %s', (dialect) => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(async () => {
    await api?.close();
  });

  const unread = async (org: string, key?: string) => {
    const r = await api.call('GET', `/v1/orgs/${org}/notifications/unread_count`, key ? { key } : {});
    expect(r.status, r.text).toBe(200);
    return r.body as { unread: number; more: boolean };
  };

  it('counts unread notifications, marks one read, then all read', async () => {
    const org = await newOrg(api, { name: 'Inbox', tier: 'pro' });
    expect(await unread(org)).toEqual({ unread: 0, more: false });
    // A pro org is told of its plan; spending under the threshold raises a low-balance alert.
    const alert = await api.call('PUT', `/v1/orgs/${org}/alerts`, { body: { low_balance_threshold: 30 } });
    expect(alert.status, alert.text).toBe(200);
    const spent = await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '8k', quantity: 6 },
    });
    expect(spent.status, spent.text).toBe(201);
    await api.call('POST', '/v1/admin/renewals/run');
    const list = (await api.call('GET', `/v1/orgs/${org}/notifications`)).body.data as {
      id: string;
      type: string;
    }[];
    expect(list.map((n) => n.type)).toContain('credits.low_balance');
    expect((await unread(org)).unread).toBe(list.length);

    // A reader (scope read) may see and clear the badge.
    const reader = await newKey(api, org, ['read']);
    await api.call('POST', `/v1/orgs/${org}/notifications/${list[0]!.id}/read`, { key: reader, body: {} });
    expect((await unread(org, reader)).unread).toBe(list.length - 1);

    const all = await api.call('POST', `/v1/orgs/${org}/notifications/read_all`, {
      key: reader,
      body: {},
      idem: 'read-all-1',
    });
    expect(all.body).toEqual({ marked: list.length - 1 });
    const again = await api.call('POST', `/v1/orgs/${org}/notifications/read_all`, {
      key: reader,
      body: {},
      idem: 'read-all-1',
    });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual({ marked: list.length - 1 });
    expect(await unread(org)).toEqual({ unread: 0, more: false });
    const after = (await api.call('GET', `/v1/orgs/${org}/notifications`)).body.data as { read_at: string }[];
    expect(after.every((n) => n.read_at !== null)).toBe(true);
    // A fresh mark-all finds nothing left to mark.
    expect((await api.call('POST', `/v1/orgs/${org}/notifications/read_all`, { body: {} })).body).toEqual({
      marked: 0,
    });
  });

  it('answers 404 for an unknown org or another org’s key, and keeps orgs apart', async () => {
    expectProblem(await api.call('GET', '/v1/orgs/org_nope/notifications/unread_count'), 404, 'not_found');
    const a = await newOrg(api, { name: 'A', tier: 'pro' });
    const b = await newOrg(api, { name: 'B', tier: 'pro' });
    await api.call('POST', '/v1/admin/renewals/run');
    const before = (await unread(b)).unread;
    await api.call('POST', `/v1/orgs/${a}/notifications/read_all`, { body: {} });
    expect((await unread(b)).unread).toBe(before);
    const keyA = await newKey(api, a, ['read']);
    expectProblem(
      await api.call('POST', `/v1/orgs/${b}/notifications/read_all`, { key: keyA, body: {} }),
      404,
      'not_found',
    );
  });
});
