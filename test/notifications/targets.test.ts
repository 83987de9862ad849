/**
 * Where a webhook may go when private targets are refused (production): the rules of
 * `src/notifications/targets.ts` through the API at creation, and on the address actually
 * dialled at delivery. Only 127.0.0.1 is ever dialled here (the local receiver); every other
 * address is only checked for refusal, never connected to.
 */
import type { LookupAddress } from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressVerdict, checkWebhookUrl, TargetRefused } from '../../src/notifications/targets.ts';
import { deliver } from '../../src/notifications/webhooks.ts';
import { outboxOf } from '../../src/store/outbox.ts';
import { type Api, expectProblem, newOrg, startApi } from '../http/harness.ts';
import { Receiver } from './receiver.ts';

let strict: Api;
let rx: Receiver;

/**
 * Every IP literal this file's process connects to. Anything but loopback is stopped before
 * a packet leaves, so a regression in the rules fails these tests instead of reaching out.
 */
const strayDials: string[] = [];
const realConnect = net.Socket.prototype.connect;
function guardDials() {
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const host = typeof first === 'object' && first !== null ? (first as { host?: unknown }).host : args[1];
    if (typeof host === 'string' && net.isIP(host) && ipaddr.process(host).range() !== 'loopback') {
      strayDials.push(host);
      process.nextTick(() => this.destroy(new Error(`test guard: would have dialled ${host}`)));
      return this;
    }
    return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof realConnect;
}

beforeAll(async () => {
  guardDials();
  rx = await new Receiver().start();
  strict = await startApi('sqlite', { webhooks_allow_private: false });
});
afterAll(async () => {
  await strict?.close();
  await rx?.close();
  net.Socket.prototype.connect = realConnect;
});

const rxPort = () => new URL(rx.url).port;

describe('webhook targets at creation (private targets refused)', () => {
  const refused: [url: string, why: RegExp][] = [
    ['http://[64:ff9b::a9fe:a9fe]/x', /169\.254\.169\.254.*link-local/],
    ['http://[2002:a9fe:a9fe::]/x', /169\.254\.169\.254.*link-local/],
    ['http://[::127.0.0.1]/x', /127\.0\.0\.1.*loopback/],
    ['http://[::ffff:127.0.0.1]/x', /127\.0\.0\.1.*loopback/],
    ['http://[::ffff:0:a9fe:a9fe]/x', /169\.254\.169\.254.*link-local/],
    ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/x', /127\.0\.0\.1.*loopback/],
    ['http://192.0.2.10/x', /192\.0\.2\.10 is reserved/],
    ['http://198.51.100.7/x', /198\.51\.100\.7 is reserved/],
    ['https://203.0.113.200/x', /203\.0\.113\.200 is reserved/],
    ['http://[2001:db8::1]/x', /reserved/],
    ['http://[fd00::1]/x', /unique local/],
    ['http://0x7f.1/x', /127\.0\.0\.1.*loopback/],
    ['http://127.0.0.1:9/x', /loopback/],
    ['http://169.254.169.254/latest', /link-local/],
  ];
  for (const [url, why] of refused)
    it(`refuses ${url} with a 400 that says why`, async () => {
      const org = await newOrg(strict);
      const r = await strict.call('POST', `/v1/orgs/${org}/webhook_endpoints`, {
        body: { url, events: ['*'] },
      });
      expectProblem(r, 400, 'validation_failed');
      expect(r.body.errors).toEqual([{ field: 'url', message: expect.stringMatching(why) }]);
      expect(r.body.detail).toMatch(/^url: url must not point at this machine or a private network/);
    });

  it("refuses this machine's own addresses, whatever their range", () => {
    const own = ['93.184.215.14', '2606:4700::1111'];
    for (const a of ['93.184.215.14', '::ffff:93.184.215.14', '2606:4700:0:0::1111'])
      expect(addressVerdict(a, own)).toEqual({
        allowed: false,
        why: expect.stringMatching(/this machine's own addresses/),
      });
    expect(addressVerdict('93.184.215.15', own)).toEqual({ allowed: true });
  });

  it('accepts public unicast addresses and names, and every target when private targets are allowed', async () => {
    for (const a of [
      '93.184.215.14',
      '2606:4700::1111',
      '8.8.8.8',
      '64:ff9b::5db8:d70e',
      '2002:5db8:d70e::1',
    ])
      expect(addressVerdict(a, [])).toEqual({ allowed: true });
    const org = await newOrg(strict);
    for (const url of ['https://93.184.215.14/hook', 'https://hooks.example.com/amisi']) {
      const r = await strict.call('POST', `/v1/orgs/${org}/webhook_endpoints`, {
        body: { url, events: ['*'] },
      });
      expect(r.status).toBe(201);
      // Gone before any delivery is planned: this file never sends anything off this machine.
      await strict.call('DELETE', `/v1/orgs/${org}/webhook_endpoints/${r.body.id}`);
    }
    expect(checkWebhookUrl('http://127.0.0.1:9/x', true).hostname).toBe('127.0.0.1');
    expect(() => checkWebhookUrl('http://localhost/x', false)).toThrow(TargetRefused);
  });
});

describe('webhook targets at delivery (private targets refused)', () => {
  it('refuses at delivery, before dialling, a stored endpoint whose literal address is this machine', async () => {
    const org = await newOrg(strict);
    const outbox = await outboxOf(strict.store);
    // Stored as an older server would have stored them: the creation check never saw them.
    const urls = [
      `http://[::ffff:127.0.0.1]:${rxPort()}/stored-mapped`,
      `http://127.0.0.1:${rxPort()}/stored-v4`,
      `http://[::127.0.0.1]:${rxPort()}/stored-compatible`,
      `http://[64:ff9b::7f00:1]:${rxPort()}/stored-nat64`,
      `http://[2002:7f00:1::]:${rxPort()}/stored-6to4`,
    ];
    for (const [i, url] of urls.entries())
      await outbox.createWebhookEndpoint({
        org_id: org,
        id: `we_stored${i}_${org}`,
        url,
        events: ['*'],
        secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        description: null,
        created_at: Date.now(),
        disabled_at: null,
        disabled_reason: null,
      });
    await strict.call('POST', `/v1/orgs/${org}/purchases`, { body: { pack: 'pack_20' } });
    await strict.call('POST', '/v1/admin/renewals/run');
    expect(rx.received.filter((r) => r.data.org_id === org)).toEqual([]);
    expect(strayDials).toEqual([]);
    for (const i of urls.keys()) {
      const ds = (
        await strict.call('GET', `/v1/orgs/${org}/webhook_endpoints/we_stored${i}_${org}/deliveries`)
      ).body.data;
      expect(ds.length).toBeGreaterThan(0);
      for (const d of ds)
        expect(d).toMatchObject({
          last_status: null,
          last_error: expect.stringMatching(/must not point at this machine or a private network/),
        });
    }
  });

  it('refuses a name whose DNS answer turns private after the endpoint was created', async () => {
    const seen: string[] = [];
    const lookup = async (hostname: string): Promise<LookupAddress[]> => {
      seen.push(hostname);
      return [
        { address: '93.184.215.14', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ];
    };
    const before = rx.received.length;
    const r = await deliver(
      `http://rebind.example.com:${rxPort()}/rebind`,
      'whsec_AAAA',
      'msg_rebind',
      {},
      {
        timeoutMs: 5000,
        allowPrivate: false,
        lookup,
      },
    );
    expect(seen).toEqual(['rebind.example.com']);
    expect(r).toEqual({
      status: null,
      error: expect.stringMatching(/rebind\.example\.com resolves to 127\.0\.0\.1, which is loopback/),
    });
    expect(rx.received.length).toBe(before);
  });

  it('dials the address it checked: a name resolving to the receiver is delivered when private targets are allowed', async () => {
    rx.expect('/pinned', 'whsec_AAAA');
    const r = await deliver(
      `http://receiver.example.com:${rxPort()}/pinned`,
      'whsec_AAAA',
      'msg_pinned',
      {
        type: 'test.pinned',
        data: {},
      },
      { timeoutMs: 5000, allowPrivate: true, lookup: async () => [{ address: '127.0.0.1', family: 4 }] },
    );
    expect(r).toEqual({ status: 200, error: null });
  });
});
