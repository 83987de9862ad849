/** /metrics reports the holds open right now, read from the store, on both dialects. */
import { afterEach, describe, expect, it } from 'vitest';
import { type Api, DIALECTS, newOrg, startApi } from './harness.ts';

const gauge = async (api: Api) => {
  const m = await api.call('GET', '/metrics', { key: null });
  const line = m.text.split('\n').find((l) => l.startsWith('amisi_holds_open '));
  return Number(line?.split(' ')[1]);
};

describe.each(DIALECTS)('the open holds gauge on %s', (dialect) => {
  let api: Api;
  afterEach(async () => {
    await api.close();
  });

  it('counts holds while open and stops counting them once captured, released or expired', async () => {
    api = await startApi(dialect);
    const a = await newOrg(api);
    const b = await newOrg(api);
    expect(await gauge(api)).toBe(0);
    const h1 = await api.call('POST', `/v1/orgs/${a}/holds`, { body: { amount: 1, ttl_seconds: 60 } });
    const h2 = await api.call('POST', `/v1/orgs/${a}/holds`, { body: { amount: 2, ttl_seconds: 600 } });
    await api.call('POST', `/v1/orgs/${b}/holds`, { body: { amount: 1, ttl_seconds: 600 } });
    expect([h1.status, h2.status]).toEqual([201, 201]);
    expect(await gauge(api)).toBe(3);
    const r = await api.call('POST', `/v1/orgs/${a}/holds/${h2.body.id}/release`);
    expect(r.status).toBe(200);
    expect(await gauge(api)).toBe(2);
    // h1 expires after 60 s; the renewals run persists the expiry.
    await api.call('POST', '/v1/admin/clock/advance', { body: { seconds: 61 } });
    await api.call('POST', '/v1/admin/renewals/run');
    expect(await gauge(api)).toBe(1);
  });
});
