/**
 * Outgoing webhooks, in-app notifications and email, through the HTTP API: deliveries are
 * verified by the `standardwebhooks` package on a local receiver; retries follow the
 * backoff on the test clock; 410 disables an endpoint; without SMTP mails wait in the
 * outbox, with SMTP they reach a local SMTP server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressVerdict } from '../../src/notifications/targets.ts';
import {
  MAX_ATTEMPTS,
  nextAttemptAt,
  RETRY_SCHEDULE_SECONDS,
  sign,
} from '../../src/notifications/webhooks.ts';
import { type Api, expectProblem, newOrg, startApi } from '../http/harness.ts';
import { Receiver } from './receiver.ts';
import { SmtpSink } from './smtp.ts';

let api: Api;
let rx: Receiver;

beforeAll(async () => {
  rx = await new Receiver().start();
  api = await startApi('sqlite');
});
afterAll(async () => {
  await api?.close();
  await rx?.close();
});

const run = async () => (await api.call('POST', '/v1/admin/renewals/run')).body;
const advance = (seconds: number) => api.call('POST', '/v1/admin/clock/advance', { body: { seconds } });

async function endpoint(org: string, path: string, events: string[]) {
  const r = await api.call('POST', `/v1/orgs/${org}/webhook_endpoints`, {
    body: { url: rx.url + path, events },
  });
  expect(r.status).toBe(201);
  expect(r.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
  rx.expect(path, r.body.secret);
  return r.body as { id: string; secret: string };
}

describe('webhook endpoints', () => {
  it('pages the endpoint list newest first like every list', async () => {
    const org = await newOrg(api);
    const ids: string[] = [];
    for (const path of ['/a', '/b', '/c']) {
      const r = await api.call('POST', `/v1/orgs/${org}/webhook_endpoints`, {
        body: { url: `${rx.url}${path}`, events: ['purchase.completed'] },
      });
      ids.push(r.body.id);
      await api.call('POST', '/v1/admin/clock/advance', { body: { seconds: 1 } });
    }
    const one = await api.call('GET', `/v1/orgs/${org}/webhook_endpoints?limit=2`);
    expect(one.body.data.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
    expect(one.body).toMatchObject({ has_more: true, next_cursor: ids[1] });
    const two = await api.call('GET', `/v1/orgs/${org}/webhook_endpoints?starting_after=${ids[1]}`);
    expect(two.body.data.map((e: { id: string }) => e.id)).toEqual([ids[0]]);
    expect(two.body).toMatchObject({ has_more: false, next_cursor: null });
    expectProblem(
      await api.call('GET', `/v1/orgs/${org}/webhook_endpoints?limit=0`),
      400,
      'validation_failed',
    );
  });

  it('shows the secret once, lists and deletes endpoints, and refuses bad targets', async () => {
    const org = await newOrg(api);
    const body = { url: `${rx.url}/once`, events: ['purchase.completed'] };
    const first = await api.call('POST', `/v1/orgs/${org}/webhook_endpoints`, { body, idem: 'we-1' });
    const again = await api.call('POST', `/v1/orgs/${org}/webhook_endpoints`, { body, idem: 'we-1' });
    expect(first.body.secret).toBeDefined();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(withoutSecret(first.body));
    const list = await api.call('GET', `/v1/orgs/${org}/webhook_endpoints`);
    expect(list.body.data).toEqual([withoutSecret(first.body)]);
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/webhook_endpoints`, {
        body: { url: 'ftp://example.com/x', events: ['*'] },
      }),
      400,
      'validation_failed',
    );
    expectProblem(
      await api.call('POST', `/v1/orgs/${org}/webhook_endpoints`, {
        body: { url: `${rx.url}/x`, events: ['credits.nope'] },
      }),
      400,
      'validation_failed',
    );
    expect((await api.call('DELETE', `/v1/orgs/${org}/webhook_endpoints/${first.body.id}`)).body).toEqual({
      id: first.body.id,
      deleted: true,
    });
    expect((await api.call('GET', `/v1/orgs/${org}/webhook_endpoints`)).body.data).toEqual([]);
    expectProblem(
      await api.call('DELETE', `/v1/orgs/${org}/webhook_endpoints/${first.body.id}`),
      404,
      'not_found',
    );
  });

  it('refuses loopback and private targets when private targets are off (production)', async () => {
    const strict = await startApi('sqlite', { webhooks_allow_private: false });
    try {
      const org = await newOrg(strict);
      for (const url of [
        'http://127.0.0.1:9/x',
        'http://localhost/x',
        'https://10.1.2.3/x',
        'http://[::1]/x',
        'http://169.254.169.254/latest',
      ])
        expectProblem(
          await strict.call('POST', `/v1/orgs/${org}/webhook_endpoints`, { body: { url, events: ['*'] } }),
          400,
          'validation_failed',
        );
      expect(
        (
          await strict.call('POST', `/v1/orgs/${org}/webhook_endpoints`, {
            body: { url: 'https://93.184.215.14/hook', events: ['*'] },
          })
        ).status,
      ).toBe(201);
    } finally {
      await strict.close();
    }
    const isPrivate = (a: string) => !addressVerdict(a, []).allowed;
    expect(
      [
        '127.0.0.1',
        '10.0.0.1',
        '192.168.1.1',
        '172.20.0.1',
        '::1',
        'fd00::1',
        '::ffff:127.0.0.1',
        '100.64.0.1',
      ].every(isPrivate),
    ).toBe(true);
    expect(['93.184.215.14', '2606:4700::1111', '8.8.8.8'].some(isPrivate)).toBe(false);
  });
});

function withoutSecret(b: Record<string, unknown>) {
  const { secret: _s, ...rest } = b;
  return rest;
}

describe('deliveries', () => {
  it('signs each subscribed event per Standard Webhooks and delivers it once', async () => {
    const org = await newOrg(api);
    const all = await endpoint(org, '/all', ['*']);
    await endpoint(org, '/purchases', ['purchase.completed']);
    await api.call('POST', `/v1/orgs/${org}/purchases`, { body: { pack: 'pack_20' } });
    const report = await run();
    expect(report.dispatched).toBeGreaterThanOrEqual(2);
    await run();
    const mine = rx.received.filter((r) => r.data.org_id === org);
    expect(mine.every((r) => r.verified)).toBe(true);
    expect(mine.map((r) => r.type).sort()).toEqual([
      'credits.granted',
      'purchase.completed',
      'purchase.completed',
    ]);
    const completed = mine.find((r) => r.type === 'purchase.completed')!;
    expect(completed.data).toMatchObject({ org_id: org, pack: 'pack_20', credits: 20 });
    expect(completed.data.event_id).toMatch(/^evt_\d+$/);
    expect(Math.abs(completed.timestamp - Date.now() / 1000)).toBeLessThan(60);
    const deliveries = await api.call('GET', `/v1/orgs/${org}/webhook_endpoints/${all.id}/deliveries`);
    expect(deliveries.body.data.map((d: { status: string }) => d.status)).toEqual(['succeeded', 'succeeded']);
    expect(deliveries.body.data[0]).toMatchObject({ attempts: 1, last_status: 200 });
  });

  it('retries a failing endpoint with backoff on the test clock, keeping the webhook-id', async () => {
    const org = await newOrg(api);
    const ep = await endpoint(org, '/flaky', ['purchase.completed']);
    rx.script.push(500, 503);
    await api.call('POST', `/v1/orgs/${org}/purchases`, { body: { pack: 'pack_20' } });
    await run();
    let d = (await api.call('GET', `/v1/orgs/${org}/webhook_endpoints/${ep.id}/deliveries`)).body.data[0];
    expect(d).toMatchObject({ status: 'pending', attempts: 1, last_status: 500 });
    await run(); // not due yet: nothing
    expect(rx.received.filter((r) => r.data.org_id === org)).toHaveLength(1);
    await advance(6);
    await run();
    await advance(400);
    await run();
    d = (await api.call('GET', `/v1/orgs/${org}/webhook_endpoints/${ep.id}/deliveries`)).body.data[0];
    expect(d).toMatchObject({ status: 'succeeded', attempts: 3, last_status: 200 });
    const got = rx.received.filter((r) => r.data.org_id === org);
    expect(got.map((r) => r.answered)).toEqual([500, 503, 200]);
    expect(new Set(got.map((r) => r.id)).size).toBe(1);
  });

  it('disables an endpoint that answers 410 Gone', async () => {
    const org = await newOrg(api);
    const ep = await endpoint(org, '/gone', ['purchase.completed']);
    rx.script.push(410);
    await api.call('POST', `/v1/orgs/${org}/purchases`, { body: { pack: 'pack_20' } });
    await run();
    const list = await api.call('GET', `/v1/orgs/${org}/webhook_endpoints`);
    expect(list.body.data[0]).toMatchObject({ id: ep.id, status: 'disabled' });
    const before = rx.received.length;
    await api.call('POST', `/v1/orgs/${org}/purchases`, { body: { pack: 'pack_20' } });
    await run();
    expect(rx.received.length).toBe(before);
    const ds = (await api.call('GET', `/v1/orgs/${org}/webhook_endpoints/${ep.id}/deliveries`)).body.data;
    expect(ds.map((x: { status: string }) => x.status)).toEqual(['failed']);
    expect(ds[0]).toMatchObject({ last_status: 410, attempts: 1 });
  });

  it('spreads retries over days and gives up after the last attempt', () => {
    const total = RETRY_SCHEDULE_SECONDS.reduce((a, b) => a + b, 0);
    expect(total / 86_400).toBeGreaterThan(4);
    expect(nextAttemptAt(0, MAX_ATTEMPTS)).toBeNull();
    const lo = nextAttemptAt(0, 3, () => 0)!;
    const hi = nextAttemptAt(0, 3, () => 1)!;
    expect(lo).toBeCloseTo(1800_000 * 0.9);
    expect(hi).toBeCloseTo(1800_000 * 1.1);
    // The signature is the documented HMAC: the reference library accepts it (see Receiver).
    expect(sign('whsec_AAAA', 'msg_1', 1, '{}')).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });
});

describe('notifications and email', () => {
  it('lists in-app notifications and keeps emails in the outbox without SMTP', async () => {
    const org = await newOrg(api, { name: 'Team', tier: 'pro' });
    await api.call('POST', `/v1/orgs/${org}/members`, {
      body: { email: 'owner@example.com', role: 'owner' },
    });
    await api.call('POST', `/v1/orgs/${org}/usage`, {
      body: { tool: 'image.generate', operation: '8k', quantity: 11 },
    });
    await run();
    const notes = (await api.call('GET', `/v1/orgs/${org}/notifications`)).body.data;
    expect(notes.map((n: { type: string }) => n.type)).toEqual([
      'credits.low_balance',
      'subscription.changed',
    ]);
    expect(notes[0]).toMatchObject({
      title: 'Your credit balance is low',
      data: { available: 6, threshold: 10 },
    });
    const read = await api.call('POST', `/v1/orgs/${org}/notifications/${notes[0].id}/read`);
    expect(read.body).toEqual({ id: notes[0].id, read: true });
    const emails = (await api.call('GET', `/v1/orgs/${org}/emails`)).body.data;
    expect(emails[0]).toMatchObject({
      to: ['owner@example.com'],
      status: 'stored',
      subject: '[Amisi Credits] Your credit balance is low',
      event_type: 'credits.low_balance',
    });
  });

  it('sends email through SMTP when SMTP_URL is set', async () => {
    const smtp = await new SmtpSink().start();
    const withMail = await startApi('sqlite', {
      smtp_url: `smtp://127.0.0.1:${smtp.port}`,
      email_from: 'credits@example.com',
    });
    try {
      const org = await newOrg(withMail, { name: 'Mail', tier: 'pro' });
      await withMail.call('POST', `/v1/orgs/${org}/members`, {
        body: { email: 'boss@example.com', role: 'owner' },
      });
      await withMail.call('POST', `/v1/orgs/${org}/purchases`, { body: { pack: 'pack_20' } });
      await withMail.call('POST', '/v1/admin/renewals/run');
      const emails = (await withMail.call('GET', `/v1/orgs/${org}/emails`)).body.data;
      // The plan (pro at creation) and the purchase: both told to the owner.
      expect(emails.map((e: { status: string }) => e.status)).toEqual(['succeeded', 'succeeded']);
      expect(smtp.mails).toHaveLength(2);
      expect(smtp.mails.every((m) => m.to.join() === 'boss@example.com')).toBe(true);
      expect(smtp.mails.some((m) => m.data.includes('20 credits were added'))).toBe(true);
    } finally {
      await withMail.close();
      await smtp.close();
    }
  });
});
