/**
 * The org event stream (GET /v1/orgs/{org}/events): who may open it, a `balance` event on
 * connecting and after every committed change, a bound on open streams per org, and on
 * PostgreSQL the change made through another server instance on the same database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_STREAMS_PER_ORG } from '../../src/app/org-events.ts';
import { ADMIN_KEY, type Api, DIALECTS, expectProblem, newKey, newOrg, startApi } from './harness.ts';
import { openSse, type SseStream, startSecondInstance } from './sse.ts';

// The live update must reach a client within 2 s; 5 s leaves room for a busy test machine
// while still failing a stream that only polls or never tells.
const LIVE_MS = 5_000;

const charge = (api: Api, org: string, key: string, operation = '720p') =>
  api.call('POST', `/v1/orgs/${org}/usage`, { key, body: { tool: 'image.generate', operation } });

describe.each(DIALECTS)('the org event stream (%s)', (dialect) => {
  let api: Api;
  let org: string;
  let key: string;
  beforeAll(async () => {
    api = await startApi(dialect);
    org = await newOrg(api, { name: 'Events' });
    key = await newKey(api, org, ['read', 'usage']);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('sends the balance on connecting and again after a charge', async () => {
    const s = await openSse(`${api.url}/v1/orgs/${org}/events`, { authorization: `Bearer ${key}` });
    try {
      expect(s.status).toBe(200);
      expect(s.headers.get('content-type')).toContain('text/event-stream');
      const first = await s.next('balance', LIVE_MS);
      expect(first.data).toMatchObject({ org_id: org, available: 5, held: 0, tier: 'free' });
      expect(first.data.by_source.free).toBe(5);
      expect((await charge(api, org, key)).status).toBe(201);
      const after = await s.next('balance', LIVE_MS);
      expect(after.data.available).toBe(4);
    } finally {
      s.close();
    }
  });

  it('answers 401 without a credential and 404 to another org’s key', async () => {
    const none = await api.call('GET', `/v1/orgs/${org}/events`, { key: null });
    expectProblem(none, 401, 'unauthorized');
    const other = await newOrg(api, { name: 'Other' });
    const otherKey = await newKey(api, other, ['read']);
    const hidden = await api.call('GET', `/v1/orgs/${org}/events`, { key: otherKey });
    expectProblem(hidden, 404, 'not_found');
    const noScope = await newKey(api, org, ['usage']);
    expectProblem(await api.call('GET', `/v1/orgs/${org}/events`, { key: noScope }), 403, 'forbidden');
  });

  it(`refuses stream ${MAX_STREAMS_PER_ORG + 1} of one org with 429, and takes it again once one closes`, async () => {
    const target = await newOrg(api, { name: 'Busy' });
    const streams: SseStream[] = [];
    try {
      for (let i = 0; i < MAX_STREAMS_PER_ORG; i++) {
        const s = await openSse(`${api.url}/v1/orgs/${target}/events`, {
          authorization: `Bearer ${ADMIN_KEY}`,
        });
        expect(s.status).toBe(200);
        await s.next('balance', LIVE_MS);
        streams.push(s);
      }
      const over = await api.call('GET', `/v1/orgs/${target}/events`);
      expectProblem(over, 429, 'rate_limited');
      expect(over.body.reason).toBe('too_many_streams');
      expect(over.headers.get('retry-after')).toBe('30');
      streams.pop()!.close();
      // The server frees the slot when it sees the socket close.
      let again: SseStream | null = null;
      for (let i = 0; i < 50 && !again; i++) {
        const s = await openSse(`${api.url}/v1/orgs/${target}/events`, {
          authorization: `Bearer ${ADMIN_KEY}`,
        });
        if (s.status === 200) again = s;
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(again).not.toBeNull();
      streams.push(again!);
    } finally {
      for (const s of streams) s.close();
    }
  });
});

describe('the org event stream across two instances (postgres)', () => {
  let a: Api;
  let b: Awaited<ReturnType<typeof startSecondInstance>>;
  beforeAll(async () => {
    a = await startApi('postgres');
    b = await startSecondInstance(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a charge through instance B reaches a stream open on instance A', async () => {
    const org = await newOrg(a, { name: 'Two instances' });
    const key = await newKey(a, org, ['read', 'usage']);
    const s = await openSse(`${a.url}/v1/orgs/${org}/events`, { authorization: `Bearer ${key}` });
    try {
      expect((await s.next('balance', LIVE_MS)).data.available).toBe(5);
      const r = await fetch(`${b.url}/v1/orgs/${org}/usage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tool: 'image.generate', operation: '1080p' }),
      });
      expect(r.status).toBe(201);
      expect((await s.next('balance', LIVE_MS)).data.available).toBe(3);
    } finally {
      s.close();
    }
  });
});
