/**
 * The TypeScript client against a real server (SQLite, manual clock): every method once,
 * typed errors, the pagination iterator, and retries — through a local proxy that loses
 * answers — that reuse one idempotency key, so a lost answer is never a double charge.
 */
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import {
  AmisiClient,
  AmisiConnectionError,
  AmisiError,
  type ClientOptions,
  type ResponseInfo,
} from 'amisi/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, type Api, startApi, uniqueEmail } from '../http/harness.ts';
import { tokenMailedTo } from '../http/mail.ts';
import { type LossyProxy, startProxy } from './proxy.ts';

let api: Api;
let admin: AmisiClient;
const client = (o: Partial<ClientOptions> = {}) =>
  new AmisiClient({ baseUrl: api.url, apiKey: ADMIN_KEY, retryBaseMs: 5, ...o });

/** Runs `fn` and returns what it threw (failing the test if it did not). */
async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  api = await startApi('sqlite');
  admin = client();
});
afterAll(async () => {
  await api?.close();
});

const IMG = 'image.generate';

describe('AmisiClient: every endpoint', () => {
  it('reads health, readiness and the catalog', async () => {
    expect(await admin.health()).toEqual({ status: 'ok' });
    expect(await admin.ready()).toEqual({ status: 'ready' });
    const c = await client({ apiKey: undefined }).catalog.get(); // public
    expect(c.packs.map((p) => p.id)).toEqual(['pack_20', 'pack_50', 'pack_100', 'pack_200']);
    expect(c.tiers.find((t) => t.id === 'pro')?.price).toMatchObject({ example: true });
    expect(c.tools[0]!.operations.map((o) => [o.id, o.credits])).toEqual([
      ['720p', 1],
      ['1080p', 2],
      ['4k', 3],
      ['8k', 4],
    ]);
  });

  it('creates an org, reads it and its balance, and changes and cancels its plan', async () => {
    const org = await admin.orgs.create({ name: 'Acme' });
    expect(org).toMatchObject({ name: 'Acme', tier: 'free' });
    expect(await admin.orgs.get(org.id)).toEqual(org);
    expect(await admin.orgs.balance(org.id)).toMatchObject({
      balance: 5,
      available: 5,
      held: 0,
      tier: 'free',
    });
    expect(await admin.subscription.get(org.id)).toMatchObject({ tier: 'free', status: 'none' });
    const up = await admin.subscription.change(org.id, { tier: 'pro' });
    expect(up).toMatchObject({ tier: 'pro', status: 'active', cancel_at_period_end: false });
    expect((await admin.orgs.balance(org.id)).balance).toBe(55);
    const cancelled = await admin.subscription.cancel(org.id);
    expect(cancelled).toMatchObject({ tier: 'pro', cancel_at_period_end: true });
  });

  it('quotes, charges usage, and holds, captures, releases and lists holds', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Spender', tier: 'basic' });
    const q = await admin.quotes.create(org, { items: [{ tool: IMG, operation: '4k', quantity: 2 }] });
    expect(q).toMatchObject({ total: 6, affordable: true, budget_ok: true, available: 20 });
    const t = await admin.usage.record(org, {
      tool: IMG,
      operation: '1080p',
      job_id: 'job_1',
      metadata: { prompt: 'a cat' },
    });
    expect(t).toMatchObject({ type: 'usage', amount: -2, balance_after: 18 });
    expect(t.usage).toMatchObject({
      tool: IMG,
      operation: '1080p',
      job_id: 'job_1',
      metadata: { prompt: 'a cat' },
    });
    const h = await admin.holds.create(org, { items: [{ tool: IMG, operation: '8k' }], ttl_seconds: 600 });
    expect(h).toMatchObject({ amount: 4, status: 'open' });
    const c = await admin.holds.capture(org, h.id, { amount: 3, tool: IMG, operation: '4k' });
    expect(c).toMatchObject({ type: 'usage', amount: -3, hold_id: h.id });
    const h2 = await admin.holds.create(org, { amount: 5 });
    expect((await admin.holds.release(org, h2.id)).status).toBe('released');
    expect((await admin.holds.list(org).toArray()).map((x) => x.status)).toEqual(['released', 'captured']);
    expect(await admin.holds.list(org, { status: 'open' }).toArray()).toEqual([]);
    expect((await admin.orgs.balance(org)).balance).toBe(15);
  });

  it('reads the transaction log (pages, filters, CSV) and grants', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Reader' });
    await admin.usage.record(org, { tool: IMG, operation: '720p', quantity: 2 });
    const page = await admin.transactions.page(org, { limit: 1 });
    expect(page.data.map((x) => x.type)).toEqual(['usage']);
    expect(page).toMatchObject({ has_more: true, next_cursor: page.data[0]!.id });
    const usage = await admin.transactions.list(org, { type: 'usage' }).toArray();
    expect(usage).toHaveLength(1);
    const csv = await admin.transactions.csv(org);
    expect(csv.split('\r\n')[0]).toMatch(/^id,created_at,type,amount,balance_after/);
    expect(csv).toContain(',usage,-2,3,');
    const grants = await admin.grants.list(org).toArray();
    expect(grants).toMatchObject([{ source: 'free', amount: 5, remaining: 3 }]);
    expect(await admin.grants.list(org, { status: 'closed' }).toArray()).toEqual([]);
  });

  it('buys, lists, reads and refunds packs, and adjusts credits', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Buyer' });
    const p = await admin.purchases.create(org, 'pack_20');
    expect(p).toMatchObject({ pack: 'pack_20', credits: 20, status: 'completed', price: { amount: 999 } });
    expect((await admin.purchases.list(org).toArray()).map((x) => x.id)).toEqual([p.id]);
    const r = await admin.purchases.refund(org, p.id);
    expect(r).toMatchObject({ status: 'refunded', revoked: 20 });
    expect(await admin.purchases.get(org, p.id)).toEqual(r);
    const adj = await admin.adjustments.create(org, { amount: 7, reason: 'goodwill' });
    expect(adj).toMatchObject({ type: 'adjustment', amount: 7, balance_after: 12 });
    // The billing history mirrors it: the payment (refunded) and the refund, each with a receipt.
    const history = await admin.billing.history(org).toArray();
    expect(history.map((e) => [e.kind, e.status])).toEqual([
      ['refund', 'succeeded'],
      ['pack_purchase', 'refunded'],
    ]);
    const receipt = await admin.billing.receipt(org, history[1]!.id);
    expect(receipt).toMatchObject({ total: 999, line_items: [{ credits: 20 }], buyer: { name: 'Buyer' } });
  });

  it('adds members and projects and sets budgets', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Team', tier: 'pro' });
    const added = await admin.members.create(org, { email: uniqueEmail(), role: 'member' });
    if ('invitation' in added) throw new Error('the operator key adds members at once');
    const m = added;
    expect(m.role).toBe('member');
    const prj = await admin.projects.create(org, { name: 'Launch' });
    expect(prj.name).toBe('Launch');
    const b = await admin.budgets.set(org, {
      scope: 'project',
      scope_id: prj.id,
      limit: 10,
      enforcement: 'hard',
    });
    expect(b).toMatchObject({ scope: 'project', scope_id: prj.id, limit: 10, spent: 0, remaining: 10 });
    expect((await admin.members.list(org).toArray()).map((x) => x.id)).toEqual([m.id]);
    expect((await admin.projects.list(org).toArray()).map((x) => x.id)).toEqual([prj.id]);
    expect((await admin.budgets.list(org).toArray()).map((x) => x.id)).toEqual([b.id]);
  });

  it('invites with an org credential, lists and revokes invitations, and previews a token', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Inviting', tier: 'pro' });
    const key = await admin.apiKeys.create(org, {
      name: 'admin',
      scopes: ['read', 'usage', 'billing', 'admin'],
    });
    const team = client({ apiKey: key.secret! });
    const email = uniqueEmail('invited');
    const sent = await team.members.create(org, { email, role: 'member' });
    if (!('invitation' in sent)) throw new Error('an org credential invites');
    expect(sent.invitation).toMatchObject({ email, role: 'member', status: 'pending' });
    const again = await team.invitations.create(org, { email: uniqueEmail('other'), role: 'admin' });
    expect((await team.invitations.list(org).toArray()).map((i) => i.id).sort()).toEqual(
      [sent.invitation.id, again.id].sort(),
    );
    expect(await team.invitations.get(org, again.id)).toEqual(again);
    expect((await team.invitations.revoke(org, again.id)).status).toBe('revoked');
    const token = tokenMailedTo(api, email, 'amisi_inv_');
    expect(await client({ apiKey: undefined }).invitations.preview(token)).toMatchObject({
      org: { id: org, name: 'Inviting' },
      email,
      role: 'member',
    });
    expect(
      await thrown(() => client({ apiKey: undefined }).invitations.preview('amisi_inv_nothing')),
    ).toMatchObject({ status: 400, code: 'token_invalid' });
  });

  it('verifies an email and accepts an invitation as the signed-in person', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Joining', tier: 'pro' });
    const email = uniqueEmail('joiner');
    const invited = await admin.invitations.create(org, { email, role: 'member' });
    const person = client({ apiKey: undefined });
    const up = await person.auth.signup({ email, password: 'violet quartz harbour 7 lanterns' });
    expect(up.email).toBe(email);
    expect((await person.auth.login(email, 'violet quartz harbour 7 lanterns')).user.email_verified).toBe(
      false,
    );
    expect(
      await thrown(() => person.invitations.accept(tokenMailedTo(api, email, 'amisi_inv_'))),
    ).toMatchObject({ status: 403, code: 'email_not_verified' });
    const verified = await person.auth.verifyEmail(tokenMailedTo(api, email, 'amisi_ev_'));
    expect(verified.user.email_verified).toBe(true);
    const joined = await person.invitations.accept(tokenMailedTo(api, email, 'amisi_inv_'));
    expect(joined).toMatchObject({ org: { id: org }, member: { email }, invitation: { id: invited.id } });
    expect((await person.auth.me()).memberships.map((m) => m.org_id)).toContain(org);
  });

  it('reads the usage report and the insights', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Insightful', tier: 'basic' });
    for (let i = 0; i < 3; i++)
      await admin.usage.record(org, { tool: IMG, operation: '4k', metadata: { prompt: 'owl' } });
    const rep = await admin.reports.usage(org, { group_by: 'operation' });
    expect(rep).toMatchObject({
      group_by: 'operation',
      rows: [{ key: `${IMG}/4k`, credits: 9, count: 3 }],
      total: 9,
    });
    const ins = await admin.insights.get(org, { periods: 3, burn_window_days: 7 });
    expect(ins.advice.action).toBe('stay');
    expect(ins.efficiency).toMatchObject({ actual: 9, iterative: 5, savings: 4 });
    expect(ins.forecast.used_in_window).toBe(9);
  });

  it('creates, lists and revokes API keys, and a client with a key reaches only its org and scopes', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Keys' });
    const k = await admin.apiKeys.create(org, { name: 'reader', scopes: ['read'] });
    expect(k.secret).toMatch(/^amisi_sk_/);
    const listed = await admin.apiKeys.list(org).toArray();
    expect(listed.map((x) => x.id)).toEqual([k.id]);
    expect(listed[0]).not.toHaveProperty('secret');
    const reader = client({ apiKey: k.secret! });
    expect((await reader.orgs.balance(org)).balance).toBe(5);
    const e = (await thrown(() => reader.usage.record(org, { tool: IMG, operation: '720p' }))) as AmisiError;
    expect(e).toBeInstanceOf(AmisiError);
    expect(e).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await admin.apiKeys.revoke(org, k.id)).revoked_at).not.toBeNull();
    expect(await thrown(() => reader.orgs.get(org))).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('signs up, signs in with a session (CSRF sent for it), reads me and signs out', async () => {
    const email = uniqueEmail('client');
    const anon = client({ apiKey: undefined });
    const s = await anon.auth.signup({ email, password: 'correct horse battery', org_name: 'Mine' });
    expect(s).toEqual({ email, message: expect.stringContaining(email) });
    expect(anon.signedIn).toBe(false);
    const me = await anon.auth.login(email, 'correct horse battery');
    expect(anon.signedIn).toBe(true);
    expect(me.memberships).toEqual([
      {
        org_id: expect.any(String),
        member_id: expect.any(String),
        role: 'owner',
        scopes: ['read', 'usage', 'billing', 'admin'],
      },
    ]);
    const org = me.memberships[0]!.org_id;
    expect(await anon.orgs.get(org)).toMatchObject({ name: 'Mine', tier: 'free' });
    expect((await anon.auth.me()).user.email).toBe(email);
    // A mutation with the session: the client sends the CSRF token the server asks for.
    const prj = await anon.projects.create(org, { name: 'By session' });
    expect(prj.name).toBe('By session');
    expect(await anon.auth.logout()).toEqual({ signed_out: true });
    expect(anon.signedIn).toBe(false);
    expect(await thrown(() => anon.auth.me())).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('moves the test clock and runs due renewals (operator)', async () => {
    const before = Date.parse((await admin.admin.clock.get()).now);
    const { id: org } = await admin.orgs.create({ name: 'Renewing', tier: 'basic' });
    const after = Date.parse((await admin.admin.clock.advance(32 * 86_400)).now);
    expect(after - before).toBe(32 * 86_400 * 1000);
    expect((await admin.admin.renewals.run()).renewed).toBeGreaterThanOrEqual(1);
    const types = (await admin.transactions.list(org).toArray()).map((t) => t.type);
    expect(types.filter((t) => t === 'allocation')).toHaveLength(2);
  });
});

describe('AmisiClient: alerts, notifications, email, auto top-up and webhooks', () => {
  it('sets the low-balance alert, then lists and marks notifications and reads the email outbox', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Alerted', tier: 'pro' });
    await admin.members.create(org, { email: 'owner.client@example.com', role: 'owner' });
    expect(await admin.alerts.get(org)).toEqual({
      low_balance_threshold: null,
      effective_threshold: 10,
      armed: true,
    });
    expect(await admin.alerts.set(org, 20)).toEqual({
      low_balance_threshold: 20,
      effective_threshold: 20,
      armed: true,
    });
    await admin.usage.record(org, { tool: IMG, operation: '8k', quantity: 8 }); // 50 − 32 = 18 < 20
    const work = await admin.admin.renewals.run();
    expect(work.dispatched).toBeGreaterThanOrEqual(1);
    const notes = await admin.notifications.list(org).toArray();
    const low = notes.find((n) => n.type === 'credits.low_balance')!;
    expect(low).toMatchObject({ read_at: null, data: { available: 18, threshold: 20 } });
    expect(await admin.notifications.markRead(org, low.id)).toEqual({ id: low.id, read: true });
    expect(
      (await admin.notifications.list(org).toArray()).find((n) => n.id === low.id)?.read_at,
    ).not.toBeNull();
    const emails = await admin.emails.list(org).toArray();
    expect(emails.find((e) => e.event_type === 'credits.low_balance')).toMatchObject({
      to: ['owner.client@example.com'],
      status: 'stored',
    });
  });

  it('sets and reads auto top-up (404 before it is set)', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Topped', tier: 'basic' });
    expect(await thrown(() => admin.autoTopup.get(org))).toMatchObject({ status: 404, code: 'not_found' });
    const a = await admin.autoTopup.set(org, { threshold: 5, pack: 'pack_20', monthly_max: 2 });
    expect(a).toMatchObject({
      enabled: true,
      threshold: 5,
      pack: 'pack_20',
      monthly_max: 2,
      used_this_period: 0,
    });
    expect(await admin.autoTopup.get(org)).toEqual(a);
  });

  it('creates a webhook endpoint (secret once), lists it, reads its deliveries and deletes it', async () => {
    const hits: string[] = [];
    const rx = createHttpServer((req, res) => {
      hits.push(String(req.headers['webhook-id']));
      req.resume();
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(rx.address() as AddressInfo).port}/hook`;
      const { id: org } = await admin.orgs.create({ name: 'Hooked' });
      const ep = await admin.webhookEndpoints.create(org, { url, events: ['purchase.completed'] });
      expect(ep.secret).toMatch(/^whsec_/);
      expect(ep).toMatchObject({ url, events: ['purchase.completed'], status: 'enabled' });
      const data = await admin.webhookEndpoints.list(org).toArray();
      expect(data.map((e) => e.id)).toEqual([ep.id]);
      expect(data[0]).not.toHaveProperty('secret');
      await admin.purchases.create(org, 'pack_20');
      await admin.admin.renewals.run();
      await admin.admin.renewals.run();
      const deliveries = await admin.webhookEndpoints.deliveries(org, ep.id).toArray();
      expect(deliveries).toMatchObject([
        { event_type: 'purchase.completed', status: 'succeeded', attempts: 1 },
      ]);
      expect(hits).toContain(deliveries[0]!.id);
      expect(await admin.webhookEndpoints.delete(org, ep.id)).toEqual({ id: ep.id, deleted: true });
      expect(await admin.webhookEndpoints.list(org).toArray()).toEqual([]);
    } finally {
      rx.closeAllConnections();
      await new Promise((r) => rx.close(r));
    }
  });
});

describe('AmisiClient: generation', () => {
  it('lists the tools, generates a batch, follows it, fetches an image and finalizes a draft', async () => {
    const tools = await admin.tools.list();
    expect(tools.tools.map((t) => t.id)).toContain(IMG);
    expect(tools.limits.formats).toEqual(['png', 'webp']);
    const { id: org } = await admin.orgs.create({ name: 'Studio', tier: 'basic' });
    const b = await admin.generations.create(org, {
      prompts: ['a red fox', 'a blue owl'],
      operation: '720p',
      seed: 7,
    });
    expect(b).toMatchObject({ operation: '720p', credits_per_image: 1 });
    expect(b.images.map((i) => i.prompt)).toEqual(['a red fox', 'a blue owl']);
    const events: string[] = [];
    for await (const e of admin.generations.events(org, b.id)) {
      events.push(e.event);
      if (e.event === 'done') expect(e.data.id).toBe(b.id);
    }
    expect(events.at(-1)).toBe('done');
    const done = await admin.generations.wait(org, b.id, { interval_ms: 20 });
    expect(done).toMatchObject({ status: 'succeeded', credits: { charged: 2, released: 0 } });
    expect(await admin.generations.get(org, b.id)).toEqual(done);
    const png = await admin.generations.image(org, b.id, done.images[0]!.id);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');

    const fin = await admin.generations.finalize(org, b.id, done.images[0]!.id, { operation: '4k' });
    expect(fin.finalize_of).toEqual({ batch_id: b.id, image_id: done.images[0]!.id });
    expect((await admin.generations.wait(org, fin.id, { interval_ms: 20 })).credits.charged).toBe(3);
    // Drafts at 720p, then one final at 4k: the iterative approach already, nothing to save.
    const ins = await admin.insights.get(org);
    expect(ins.efficiency).toMatchObject({ groups: 1, generations: 3, actual: 5, iterative: 5, savings: 0 });
    expect((await admin.orgs.balance(org)).balance).toBe(15);
  });
});

describe('AmisiClient: typed errors', () => {
  it('throws insufficient_credits as a 402 AmisiError with available and required', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Poor' });
    const e = (await thrown(() =>
      admin.usage.record(org, { tool: IMG, operation: '8k', quantity: 2 }),
    )) as AmisiError;
    expect(e).toBeInstanceOf(AmisiError);
    expect(e).toMatchObject({ status: 402, code: 'insufficient_credits', available: 5, required: 8 });
    expect(e.detail).toBe('8 credits required, 5 available');
    expect(e.request_id).toEqual(expect.any(String));
    expect(e.problem.type).toBe('/problems/insufficient_credits');
  });

  it('throws budget_exceeded with the budget and what is left of it', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Budgeted', tier: 'pro' });
    const prj = await admin.projects.create(org, { name: 'Small' });
    const b = await admin.budgets.set(org, {
      scope: 'project',
      scope_id: prj.id,
      limit: 3,
      enforcement: 'hard',
    });
    await admin.usage.record(org, { tool: IMG, operation: '1080p', project_id: prj.id });
    const e = await thrown(() =>
      admin.usage.record(org, { tool: IMG, operation: '1080p', project_id: prj.id }),
    );
    expect(e).toMatchObject({ status: 402, code: 'budget_exceeded', budget_id: b.id, remaining: 1 });
  });

  it('throws validation_failed with the fields at fault, and not_found', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Strict' });
    const e = (await thrown(() => admin.usage.record(org, { tool: IMG, operation: '16k' }))) as AmisiError;
    expect(e).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(e.errors ?? e.detail).toBeTruthy();
    expect(await thrown(() => admin.orgs.get('org_missing'))).toMatchObject({
      status: 404,
      code: 'not_found',
    });
  });

  it('reuses a key the caller passes: the second call is a replay of the first', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Replay' });
    const seen: ResponseInfo[] = [];
    const c = client({ onResponse: (i) => seen.push(i) });
    const a = await c.usage.record(org, { tool: IMG, operation: '720p' }, { idempotencyKey: 'my-job-42' });
    const b = await c.usage.record(org, { tool: IMG, operation: '720p' }, { idempotencyKey: 'my-job-42' });
    expect(b.id).toBe(a.id);
    expect(seen.map((s) => s.replayed)).toEqual([false, true]);
    expect((await c.orgs.balance(org)).balance).toBe(4);
    const reuse = await thrown(() =>
      c.usage.record(org, { tool: IMG, operation: '4k' }, { idempotencyKey: 'my-job-42' }),
    );
    expect(reuse).toMatchObject({ status: 422, code: 'idempotency_key_reuse' });
  });

  it('gives up on a server that never answers with an AmisiConnectionError, after its retries', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const dead = new AmisiClient({
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: 'x',
      maxRetries: 2,
      retryBaseMs: 1,
    });
    const e = (await thrown(() => dead.catalog.get())) as AmisiConnectionError;
    expect(e).toBeInstanceOf(AmisiConnectionError);
    expect(e.attempts).toBe(3);
  });
});

describe('AmisiClient: pagination', () => {
  it('walks every page of the log with for await, newest first, one request per page', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Pages', tier: 'business' });
    for (let i = 0; i < 45; i++)
      await admin.usage.record(org, { tool: IMG, operation: '720p', job_id: `job_${i}` });
    const seen: ResponseInfo[] = [];
    const c = client({ onResponse: (i) => seen.push(i) });
    const jobs: string[] = [];
    for await (const t of c.transactions.list(org, { type: 'usage', limit: 10 })) jobs.push(t.usage!.job_id!);
    expect(jobs).toHaveLength(45);
    expect(jobs[0]).toBe('job_44');
    expect(jobs[44]).toBe('job_0');
    expect(new Set(jobs).size).toBe(45);
    expect(seen).toHaveLength(5);
    const all = await c.transactions.list(org, { limit: 100 }).toArray(12);
    expect(all).toHaveLength(12);
  });

  it('stops asking for pages when the loop stops', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Early', tier: 'basic' });
    for (let i = 0; i < 5; i++) await admin.usage.record(org, { tool: IMG, operation: '720p' });
    const seen: ResponseInfo[] = [];
    const c = client({ onResponse: (i) => seen.push(i) });
    for await (const t of c.transactions.list(org, { limit: 2 })) {
      expect(t.type).toBe('usage');
      break;
    }
    expect(seen).toHaveLength(1);
  });
});

describe('AmisiClient: retries', () => {
  let proxy: LossyProxy;
  beforeAll(async () => {
    proxy = await startProxy(api.url);
  });
  afterAll(async () => {
    await proxy?.close();
  });
  const via = (o: Partial<ClientOptions> = {}) => client({ baseUrl: proxy.url, ...o });

  it('retries a charge whose answer was lost with the same idempotency key: charged once', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Lost answer' });
    const seen: ResponseInfo[] = [];
    proxy.seen.length = 0;
    proxy.plan('drop_after_forward');
    const t = await via({ onResponse: (i) => seen.push(i) }).usage.record(org, {
      tool: IMG,
      operation: '4k',
    });
    expect(t).toMatchObject({ type: 'usage', amount: -3, balance_after: 2 });
    // The server got the charge twice, with one key; the second was a replay.
    expect(proxy.seen.map((s) => s.behaviour)).toEqual(['drop_after_forward', 'forward']);
    const keys = proxy.seen.map((s) => s.headers['idempotency-key']);
    expect(keys[0]).toEqual(expect.any(String));
    expect(keys[1]).toBe(keys[0]);
    expect(seen).toMatchObject([{ attempt: 2, replayed: true, status: 201, idempotency_key: keys[0] }]);
    expect((await admin.orgs.balance(org)).balance).toBe(2);
    expect(await admin.transactions.list(org, { type: 'usage' }).toArray()).toHaveLength(1);
  });

  it('generates a new key for each call', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Two calls' });
    proxy.seen.length = 0;
    const c = via();
    await c.usage.record(org, { tool: IMG, operation: '720p' });
    await c.usage.record(org, { tool: IMG, operation: '720p' });
    const [a, b] = proxy.seen.map((s) => s.headers['idempotency-key']);
    expect(a).not.toBe(b);
    expect((await admin.orgs.balance(org)).balance).toBe(3);
  });

  it('waits what Retry-After says on 429, then succeeds', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Limited' });
    proxy.seen.length = 0;
    proxy.plan({
      status: 429,
      headers: { 'retry-after': '1' },
      body: {
        type: '/problems/rate_limited',
        title: 'Too many requests',
        status: 429,
        detail: 'slow down',
        code: 'rate_limited',
        retry_after: 1,
      },
    });
    const started = Date.now();
    const b = await via().orgs.balance(org);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(b.balance).toBe(5);
    expect(proxy.seen).toHaveLength(2);
  });

  it('throws a 429 whose Retry-After is longer than it is willing to wait', async () => {
    proxy.plan({
      status: 429,
      headers: { 'retry-after': '3600' },
      body: {
        type: '/problems/rate_limited',
        title: 'Too many requests',
        status: 429,
        detail: 'later',
        code: 'rate_limited',
        retry_after: 3600,
      },
    });
    const e = await thrown(() => via().catalog.get());
    expect(e).toMatchObject({ status: 429, code: 'rate_limited', retry_after: 3600 });
  });

  it('retries 5xx with backoff and gives the last refusal once retries run out', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Flaky' });
    const outage = {
      status: 503,
      body: {
        type: '/problems/not_ready',
        title: 'Not ready',
        status: 503,
        detail: 'db down',
        code: 'not_ready',
      },
    };
    proxy.seen.length = 0;
    proxy.plan(outage, { status: 502, body: 'bad gateway' });
    const t = await via().usage.record(org, { tool: IMG, operation: '720p' });
    expect(t.balance_after).toBe(4);
    expect(proxy.seen).toHaveLength(3);
    proxy.plan(outage, outage, outage);
    const e = await thrown(() => via({ maxRetries: 2 }).orgs.get(org));
    expect(e).toMatchObject({ status: 503, code: 'not_ready' });
  });

  it('does not retry a refusal: 4xx answers are final', async () => {
    const { id: org } = await admin.orgs.create({ name: 'Final' });
    proxy.seen.length = 0;
    await thrown(() => via().usage.record(org, { tool: IMG, operation: '8k', quantity: 9 }));
    expect(proxy.seen).toHaveLength(1);
  });

  it('never resends a request the server cannot replay (moving the test clock) once it may have acted', async () => {
    const before = Date.parse((await admin.admin.clock.get()).now);
    proxy.plan('drop_after_forward');
    const e = await thrown(() => via().admin.clock.advance(60));
    expect(e).toBeInstanceOf(AmisiConnectionError);
    expect(Date.parse((await admin.admin.clock.get()).now) - before).toBe(60_000); // once, not twice
  });
});
