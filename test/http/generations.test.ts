/**
 * Generation over real HTTP and a real database: one hold per batch, only delivered images
 * charged, failures released, refusals up front, images served at their exact size to
 * their org only, progress as Server-Sent Events, finalize at a higher resolution, and the
 * hard cases — a hold that expires mid-render, a server killed mid-batch (SIGKILL, then a
 * new server on the same database settles what it left), a server shut down mid-batch.
 * AI output comes from a stand-in for an OpenAI-compatible API on 127.0.0.1 that answers,
 * fails, hangs or waits for a gate depending on the prompt.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchRecord } from '../../src/app/generations-records.ts';
import { loadConfig } from '../../src/config/config.ts';
import { buildServer } from '../../src/main.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { ADMIN_KEY, type Api, expectProblem, newKey, newOrg, startApi } from './harness.ts';

// --- the stand-in provider ------------------------------------------------------------

let provider: Server;
let providerUrl: string;
let tinyPng: Buffer;
const gates = new Map<string, { promise: Promise<void>; open: () => void }>();
function gate(name: string) {
  let g = gates.get(name);
  if (!g) {
    let open = () => {};
    const promise = new Promise<void>((resolve) => {
      open = resolve;
    });
    g = { promise, open };
    gates.set(name, g);
  }
  return g;
}

/** Prompts decide the answer: "fail" → 500, "hang" → no answer, "gate:<name>" → waits for the gate. */
async function startProvider() {
  tinyPng = await sharp({ create: { width: 64, height: 36, channels: 3, background: '#2a7' } })
    .png()
    .toBuffer();
  provider = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', async () => {
      const prompt = String(JSON.parse(body || '{}').prompt ?? '');
      if (prompt.includes('fail')) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'the stand-in refuses this prompt' } }));
        return;
      }
      if (prompt.includes('hang')) return;
      const g = /gate:(\w+)/.exec(prompt);
      if (g) await gate(g[1]!).promise;
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ created: 1, data: [{ b64_json: tinyPng.toString('base64') }] }));
    });
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
}

// --- helpers -------------------------------------------------------------------------

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'amisi-gen-'));
  dirs.push(d);
  return d;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const aiSettings = (timeoutMs = 20_000) => ({
  image_backend: 'openai',
  openai_base_url: providerUrl,
  openai_api_key: 'sk-stand-in-key',
  openai_model: 'stand-in-1',
  openai_timeout_ms: timeoutMs,
  openai_max_retries: 0,
});

async function generate(api: Api, org: string, body: Record<string, unknown>, idem?: string) {
  return api.call('POST', `/v1/orgs/${org}/generations`, { body, ...(idem ? { idem } : {}) });
}

/** Polls the batch until `until` holds (default: settled). */
// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely
async function waitFor(api: Api, org: string, id: string, until = (b: any) => b.status !== 'running') {
  for (let i = 0; i < 400; i++) {
    const r = await api.call('GET', `/v1/orgs/${org}/generations/${id}`);
    expect(r.status).toBe(200);
    if (until(r.body)) return r.body;
    await sleep(50);
  }
  throw new Error(`batch ${id} did not get there`);
}

async function balance(api: Api, org: string) {
  return (await api.call('GET', `/v1/orgs/${org}/balance`)).body as {
    balance: number;
    available: number;
    held: number;
  };
}

async function usageOf(api: Api, org: string, jobId: string) {
  const r = await api.call('GET', `/v1/orgs/${org}/transactions?type=usage&limit=100`);
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely
  return r.body.data.filter((t: any) => t.usage?.job_id === jobId);
}

async function fund(api: Api, org: string, amount: number) {
  const r = await api.call('POST', `/v1/orgs/${org}/adjustments`, {
    body: { amount, reason: 'test credits' },
  });
  expect(r.status).toBe(201);
}

async function fetchImage(api: Api, url: string, key = ADMIN_KEY) {
  const r = await fetch(api.url + url, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, type: r.headers.get('content-type'), bytes: Buffer.from(await r.arrayBuffer()) };
}

async function events(api: Api, org: string, id: string) {
  const r = await fetch(`${api.url}/v1/orgs/${org}/generations/${id}/events`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
    signal: AbortSignal.timeout(20_000),
  });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await r.text(); // the server ends the stream after `done`
  return text
    .split('\n\n')
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      return event && data ? { event, data: JSON.parse(data) } : null;
    })
    .filter((e) => e !== null);
}

async function expectVerified(api: Api) {
  expect(await api.store.verify()).toEqual([]);
}

beforeAll(startProvider);
afterAll(async () => {
  for (const g of gates.values()) g.open();
  provider.closeAllConnections();
  await new Promise((r) => provider.close(r));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// --- the preview renderer on SQLite ----------------------------------------------------

describe('generation with the preview renderer (SQLite)', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi('sqlite', { data_dir: tempDir() });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('says which backend renders, plainly that the preview renderer is not an AI model', async () => {
    const r = await api.call('GET', '/v1/tools', { key: null });
    expect(r.status).toBe(200);
    expect(r.body.backend).toMatchObject({ id: 'local', kind: 'preview' });
    expect(r.body.backend.notice).toMatch(/not an AI model/);
    expect(r.body.limits).toMatchObject({ max_prompt_chars: 2000, max_batch_size: 16, batches_per_org: 2 });
    const ops = r.body.tools.find((t: { id: string }) => t.id === 'image.generate').operations;
    expect(ops.map((o: { id: string }) => o.id)).toEqual(['720p', '1080p', '4k', '8k']);
  });

  it('holds the whole batch once, then charges exactly n × price under the batch’s job id', async () => {
    const org = await newOrg(api);
    const r = await generate(api, org, {
      prompts: ['a red kite', 'a blue boat', 'a green hill'],
      operation: '720p',
      seed: 7,
    });
    expect(r.status).toBe(202);
    expect(r.headers.get('location')).toBe(`/v1/orgs/${org}/generations/${r.body.id}`);
    expect(r.body).toMatchObject({ status: 'running', operation: '720p', width: 1280, height: 720 });
    expect(r.body.credits.held).toBe(3);
    expect(r.body.images.map((i: { seed: number }) => i.seed)).toEqual([7, 8, 9]);
    const holds = await api.call('GET', `/v1/orgs/${org}/holds`);
    expect(holds.body.data.filter((h: { id: string }) => h.id === r.body.hold_id)).toHaveLength(1);
    expect(holds.body.data).toHaveLength(1); // one hold for the batch, not one per image

    const done = await waitFor(api, org, r.body.id);
    expect(done.status).toBe('succeeded');
    expect(done.credits).toEqual({ held: 0, charged: 3, released: 0 });
    expect(done.summary).toBe('3 of 3 images delivered, 3 credits charged');
    expect(
      done.images.every((i: { status: string; url: string | null }) => i.status === 'succeeded' && i.url),
    ).toBe(true);
    expect(await balance(api, org)).toMatchObject({ balance: 2, available: 2, held: 0 });

    const usage = await usageOf(api, org, r.body.id);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({
      id: done.transaction_id,
      amount: -3,
      hold_id: r.body.hold_id,
      usage: { tool: 'image.generate', operation: '720p', quantity: 3, job_id: r.body.id },
    });
    expect(usage[0].usage.metadata).toMatchObject({ images_requested: 3, images_delivered: 3 });
    await expectVerified(api);
  });

  it('replays a POST with the same Idempotency-Key: one batch, one hold', async () => {
    const org = await newOrg(api);
    const body = { prompts: ['one lighthouse'], operation: '720p' };
    const first = await generate(api, org, body, 'gen-key-1');
    expect(first.status).toBe(202);
    const again = await generate(api, org, body, 'gen-key-1');
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    const other = await generate(api, org, { ...body, operation: '1080p' }, 'gen-key-1');
    expectProblem(other, 422, 'idempotency_key_reuse');
    await waitFor(api, org, first.body.id);
    expect(await balance(api, org)).toMatchObject({ balance: 4, held: 0 });
  });

  it('refuses bad requests with clear 400s before anything is held', async () => {
    const org = await newOrg(api);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ prompts: [], operation: '720p' }, /prompts must not be empty/],
      [{ prompts: Array.from({ length: 17 }, (_, i) => `p${i}`), operation: '720p' }, /at most 16 items/],
      [{ prompts: ['x'.repeat(2001)], operation: '720p' }, /at most 2000 characters/],
      [{ prompts: ['fine', '   '], operation: '720p' }, /prompt 2 is empty/],
      [{ prompts: ['a\u0007bell'], operation: '720p' }, /control character U\+0007/],
      [
        { prompts: ['fine'], operation: '16k' },
        /unknown operation "16k"; expected one of 720p, 1080p, 4k, 8k/,
      ],
      [{ prompts: ['fine'], operation: '720p', seed: -1 }, /seed must be >= 0/],
    ];
    for (const [body, detail] of cases) {
      const r = await generate(api, org, body);
      expectProblem(r, 400, 'validation_failed');
      expect(r.body.detail).toMatch(detail);
      // Whichever layer refused it (schema or generation limits), the field is listed.
      expect(r.body.errors).toEqual(
        expect.arrayContaining([
          { field: expect.stringMatching(/prompts|operation|seed/), message: expect.any(String) },
        ]),
      );
    }
    expect(await balance(api, org)).toMatchObject({ balance: 5, held: 0 });
  });

  it('refuses a batch it cannot afford up front, with available and required', async () => {
    const org = await newOrg(api); // 5 free credits
    const r = await generate(api, org, { prompts: ['a', 'b', 'c', 'd'], operation: '1080p' });
    expectProblem(r, 402, 'insufficient_credits');
    expect(r.body).toMatchObject({ available: 5, required: 8 });
    expect(await balance(api, org)).toMatchObject({ balance: 5, held: 0 });
    expect((await api.call('GET', `/v1/orgs/${org}/holds`)).body.data).toEqual([]);
  });

  it('refuses a batch over a hard project budget, with the budget and what remains', async () => {
    const org = await newOrg(api, { name: 'Team', tier: 'pro' });
    const project = (await api.call('POST', `/v1/orgs/${org}/projects`, { body: { name: 'Posters' } })).body
      .id;
    const budget = await api.call('PUT', `/v1/orgs/${org}/budgets`, {
      body: { scope: 'project', scope_id: project, limit: 2, enforcement: 'hard' },
    });
    expect(budget.status).toBe(200);
    const r = await generate(api, org, { prompts: ['a', 'b', 'c'], operation: '720p', project_id: project });
    expectProblem(r, 402, 'budget_exceeded');
    expect(r.body).toMatchObject({ budget_id: budget.body.id, remaining: 2 });
    const ok = await generate(api, org, { prompts: ['a', 'b'], operation: '720p', project_id: project });
    expect(ok.status).toBe(202);
    const done = await waitFor(api, org, ok.body.id);
    expect(done).toMatchObject({ status: 'succeeded', project_id: project });
    const usage = await usageOf(api, org, ok.body.id);
    expect(usage[0].usage.project_id).toBe(project);
  });

  it('serves a delivered image at exactly its size, and 404 to any other org', async () => {
    const org = await newOrg(api);
    await fund(api, org, 20);
    const r = await generate(api, org, { prompts: ['a quiet harbour'], operation: '1080p', format: 'webp' });
    const done = await waitFor(api, org, r.body.id);
    const url = done.images[0].url as string;
    const img = await fetchImage(api, url);
    expect(img.status).toBe(200);
    expect(img.type).toBe('image/webp');
    const meta = await sharp(img.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 1920, 1080]);

    const other = await newOrg(api, { name: 'Other' });
    const otherKey = await newKey(api, other, ['read', 'usage']);
    expect((await fetchImage(api, url, otherKey)).status).toBe(404); // another org's path
    const crossed = url.replace(`/orgs/${org}/`, `/orgs/${other}/`);
    expect((await fetchImage(api, crossed, otherKey)).status).toBe(404); // the id under its own org
    expect((await fetchImage(api, crossed)).status).toBe(404); // even for the operator
    expect((await api.call('GET', `/v1/orgs/${other}/generations/${r.body.id}`)).status).toBe(404);
    const ownKey = await newKey(api, org, ['read']);
    expect((await fetchImage(api, url, ownKey)).status).toBe(200);
  });

  it('finalizes a draft at a higher resolution and that resolution’s price; refuses same or lower', async () => {
    const org = await newOrg(api);
    await fund(api, org, 20); // 25
    const draft = await waitFor(
      api,
      org,
      (await generate(api, org, { prompts: ['a tall tower'], operation: '1080p', seed: 42 })).body.id,
    );
    const image = draft.images[0];
    const path = `/v1/orgs/${org}/generations/${draft.id}/images/${image.id}/finalize`;
    for (const operation of ['1080p', '720p']) {
      const refused = await api.call('POST', path, { body: { operation } });
      expectProblem(refused, 400, 'validation_failed');
      expect(refused.body.detail).toMatch(/higher resolution/);
    }
    const r = await api.call('POST', path, { body: { operation: '4k' } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      finalize_of: { batch_id: draft.id, image_id: image.id },
      operation: '4k',
    });
    expect(r.body.images).toMatchObject([{ prompt: 'a tall tower', seed: 42, credits: 3 }]);
    const final = await waitFor(api, org, r.body.id);
    expect(final.credits).toEqual({ held: 0, charged: 3, released: 0 });
    expect(await balance(api, org)).toMatchObject({ balance: 25 - 2 - 3 });
    const usage = await usageOf(api, org, final.id);
    expect(usage[0]).toMatchObject({ amount: -3, usage: { operation: '4k', quantity: 1 } });
    expect(usage[0].usage.metadata).toMatchObject({ finalize_of: image.id, draft_batch: draft.id });
    const meta = await sharp((await fetchImage(api, final.images[0].url)).bytes).metadata();
    expect([meta.width, meta.height]).toEqual([3840, 2160]);
    // The same picture: the 4K final scaled down to the draft's size is the draft, near enough.
    const small = await sharp((await fetchImage(api, final.images[0].url)).bytes)
      .resize(96, 54)
      .raw()
      .toBuffer();
    const ref = await sharp((await fetchImage(api, image.url)).bytes)
      .resize(96, 54)
      .raw()
      .toBuffer();
    let diff = 0;
    for (let i = 0; i < small.length; i++) diff += Math.abs(small[i]! - ref[i]!);
    expect(diff / small.length).toBeLessThan(8);
  });

  it('streams progress per image and then done as Server-Sent Events', async () => {
    const org = await newOrg(api);
    const r = await generate(api, org, { prompts: ['one', 'two', 'three'], operation: '720p' });
    const got = await events(api, org, r.body.id);
    const progress = got.filter((e) => e.event === 'progress');
    expect(progress).toHaveLength(3);
    expect(new Set(progress.map((e) => e.data.image.id)).size).toBe(3);
    expect(progress.map((e) => e.data.done)).toEqual([1, 2, 3]);
    expect(progress.every((e) => e.data.total === 3 && e.data.image.status === 'rendered')).toBe(true);
    expect(got.at(-1)).toMatchObject({ event: 'done', data: { id: r.body.id, status: 'succeeded' } });
    expect(got.filter((e) => e.event === 'done')).toHaveLength(1);
    // Connecting after the end replays it all.
    const late = await events(api, org, r.body.id);
    expect(late.map((e) => e.event)).toEqual(['progress', 'progress', 'progress', 'done']);
    expect(
      (
        await fetch(`${api.url}/v1/orgs/${org}/generations/gen_nope/events`, {
          headers: { authorization: `Bearer ${ADMIN_KEY}` },
        })
      ).status,
    ).toBe(404);
  });
});

// --- an OpenAI-compatible backend (the stand-in) on SQLite -----------------------------

describe('generation with an OpenAI-compatible backend (SQLite)', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi('sqlite', { data_dir: tempDir(), ...aiSettings() });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('shows the AI backend in /v1/tools', async () => {
    const r = await api.call('GET', '/v1/tools', { key: null });
    expect(r.body.backend).toMatchObject({ id: 'openai-compatible', kind: 'ai' });
    expect(r.body.backend.notice).toMatch(/stand-in-1/);
  });

  it('charges only the images delivered when some fail; the rest is released', async () => {
    const org = await newOrg(api);
    const r = await generate(api, org, {
      prompts: ['a fine kite', 'please fail', 'a fine boat', 'a fine lake'],
      operation: '720p',
    });
    expect(r.status).toBe(202);
    const done = await waitFor(api, org, r.body.id);
    expect(done.status).toBe('partially_succeeded');
    expect(done.images.map((i: { status: string }) => i.status)).toEqual([
      'succeeded',
      'failed',
      'succeeded',
      'succeeded',
    ]);
    expect(done.images[1]).toMatchObject({ credits: 0, url: null, error: { code: 'http_status' } });
    expect(done.credits).toEqual({ held: 0, charged: 3, released: 1 });
    expect(done.summary).toBe('3 of 4 images delivered, 3 credits charged, 1 credit released');
    expect(await balance(api, org)).toMatchObject({ balance: 2, held: 0 });
    const usage = await usageOf(api, org, r.body.id);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ amount: -3, usage: { quantity: 3 } });
    expect(usage[0].usage.metadata.summary).toBe(
      '3 of 4 images delivered, 3 credits charged, 1 credit released',
    );
    expect(usage[0].description).toMatch(/3 of 4 held credits charged, 1 released/);
    const meta = await sharp((await fetchImage(api, done.images[0].url)).bytes).metadata();
    expect([meta.width, meta.height]).toEqual([1280, 720]); // the provider's 64×36 made exact
    expect(
      (await fetchImage(api, `/v1/orgs/${org}/generations/${r.body.id}/images/${done.images[1].id}`)).status,
    ).toBe(404);
    await expectVerified(api);
  });

  it('charges nothing when every image fails, and releases the hold', async () => {
    const org = await newOrg(api);
    const r = await generate(api, org, { prompts: ['fail one', 'fail two'], operation: '1080p' });
    const done = await waitFor(api, org, r.body.id);
    expect(done).toMatchObject({
      status: 'failed',
      credits: { held: 0, charged: 0, released: 4 },
      transaction_id: null,
    });
    expect(done.summary).toBe('0 of 2 images delivered, 4 credits released');
    expect(await balance(api, org)).toMatchObject({ balance: 5, available: 5, held: 0 });
    expect(await usageOf(api, org, r.body.id)).toEqual([]);
    const released = await api.call('GET', `/v1/orgs/${org}/holds?status=released`);
    expect(released.body.data.map((h: { id: string }) => h.id)).toEqual([r.body.hold_id]);
    await expectVerified(api);
  });

  it('refuses a third concurrent batch of one org with 429, and a retry with the same key runs later', async () => {
    const org = await newOrg(api);
    await fund(api, org, 20);
    const a = await generate(api, org, { prompts: ['gate:limit a'], operation: '720p' });
    const b = await generate(api, org, { prompts: ['gate:limit b'], operation: '720p' });
    expect([a.status, b.status]).toEqual([202, 202]);
    const c = await generate(api, org, { prompts: ['third'], operation: '720p' }, 'third-key');
    expectProblem(c, 429, 'rate_limited');
    expect(c.body).toMatchObject({ reason: 'too_many_generations', limit: 2 });
    expect(c.headers.get('retry-after')).toBe('5');
    const elsewhere = await newOrg(api); // the limit is per org
    expect((await generate(api, elsewhere, { prompts: ['free to go'], operation: '720p' })).status).toBe(202);
    gate('limit').open();
    await waitFor(api, org, a.body.id);
    await waitFor(api, org, b.body.id);
    const retry = await generate(api, org, { prompts: ['third'], operation: '720p' }, 'third-key');
    expect(retry.status).toBe(202); // the 429 was not stored as the key's outcome
    expect((await waitFor(api, org, retry.body.id)).status).toBe('succeeded');
  });

  it('charges nothing and delivers nothing when the hold expires while rendering', async () => {
    const org = await newOrg(api);
    const r = await generate(api, org, {
      prompts: ['a fine first', 'gate:expiry second'],
      operation: '720p',
    });
    await waitFor(api, org, r.body.id, (b) => b.images[0].status === 'rendered');
    const now = Date.parse((await api.call('GET', '/v1/admin/clock')).body.now);
    const seconds = Math.ceil((Date.parse(r.body.hold_expires_at) - now) / 1000) + 1;
    expect((await api.call('POST', '/v1/admin/clock/advance', { body: { seconds } })).status).toBe(200);
    gate('expiry').open();
    const done = await waitFor(api, org, r.body.id);
    expect(done).toMatchObject({
      status: 'failed',
      error: { code: 'hold_expired' },
      credits: { held: 0, charged: 0, released: 2 },
      transaction_id: null,
    });
    expect(done.images.map((i: { status: string; url: string | null }) => [i.status, i.url])).toEqual([
      ['failed', null],
      ['failed', null],
    ]);
    expect(done.images[0].error.code).toBe('hold_expired');
    const path = `/v1/orgs/${org}/generations/${r.body.id}/images/${done.images[0].id}`;
    expect((await fetchImage(api, path)).status).toBe(404);
    expect(await balance(api, org)).toMatchObject({ balance: 5, held: 0 });
    expect(await usageOf(api, org, r.body.id)).toEqual([]);
    const expired = await api.call('GET', `/v1/orgs/${org}/holds?status=expired`);
    expect(expired.body.data.map((h: { id: string }) => h.id)).toEqual([r.body.hold_id]);
    await expectVerified(api);
  });
});

describe('generation deadlines and shutdown', () => {
  it('fails an image whose provider does not answer in time, and releases its credits', async () => {
    const api = await startApi('sqlite', { data_dir: tempDir(), ...aiSettings(300) });
    try {
      const org = await newOrg(api);
      const r = await generate(api, org, { prompts: ['hang on'], operation: '4k' });
      const done = await waitFor(api, org, r.body.id);
      expect(done).toMatchObject({ status: 'failed', credits: { charged: 0, released: 3 } });
      expect(done.images[0].error).toMatchObject({ code: 'timeout', retryable: true });
      expect(await balance(api, org)).toMatchObject({ balance: 5, held: 0 });
      await expectVerified(api);
    } finally {
      await api.close();
    }
  });

  it('on shutdown cancels a batch mid-render: delivered images charged, the rest released', async () => {
    const api = await startApi('sqlite', { data_dir: tempDir(), ...aiSettings() });
    const org = await newOrg(api);
    const r = await generate(api, org, {
      prompts: ['a fine one', 'gate:never second', 'a fine third'],
      operation: '720p',
    });
    await waitFor(
      api,
      org,
      r.body.id,
      (b) => b.images.filter((i: { status: string }) => i.status === 'rendered').length === 2,
    );
    await api.app.close(); // the store stays open: settling happens inside close
    // A captured hold has left the org's state: the holds list reads it from history.
    const holds = await api.store.listHistory(org, 'hold', Date.now() + 1000, { limit: 100 });
    expect(holds!.data.find((h) => h.id === r.body.hold_id)).toMatchObject({
      status: 'captured',
      captured: 2,
    });
    expect(await api.store.verify()).toEqual([]);
    await api.close();
  });
});

// --- the hold commits beside the render --------------------------------------------------

describe('a batch the org can afford starts rendering while its hold commits (SQLite)', () => {
  let api: Api;
  let dataDir: string;
  /** Holds wait here until the test lets them commit. */
  let holdGate: { promise: Promise<void>; open: () => void } | null = null;
  let holdsAsked = 0;
  beforeAll(async () => {
    dataDir = tempDir();
    api = await startApi('sqlite', { data_dir: dataDir }, (store) => {
      const execute = store.execute.bind(store);
      return new Proxy(store, {
        get(target, prop, receiver) {
          if (prop !== 'execute') return Reflect.get(target, prop, receiver);
          return async (...args: Parameters<typeof execute>) => {
            if (args[1].type === 'hold') {
              holdsAsked++;
              await holdGate?.promise;
            }
            return execute(...args);
          };
        },
      });
    });
  });
  afterAll(async () => {
    holdGate?.open();
    await api?.close();
  });
  const openGate = () => {
    let open = () => {};
    const promise = new Promise<void>((resolve) => {
      open = resolve;
    });
    holdGate = { promise, open };
    return holdGate;
  };
  const earlyRenders = async (outcome: 'kept' | 'dropped') => {
    const m = await api.call('GET', '/metrics', { key: null });
    const line = new RegExp(`^amisi_generation_early_renders_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm');
    return Number(line.exec(m.text)?.[1] ?? 0);
  };
  const storedFiles = (org: string) => {
    try {
      return readdirSync(join(dataDir, 'outputs', org));
    } catch {
      return [];
    }
  };

  it('stores, shows and charges nothing until the hold is durable, then delivers what was rendered', async () => {
    const org = await newOrg(api);
    await fund(api, org, 10);
    const kept = await earlyRenders('kept');
    const gate = openGate();
    const asked = holdsAsked;
    const posting = generate(api, org, { prompts: ['a lighthouse', 'a harbour'], operation: '720p' });
    while (holdsAsked === asked) await sleep(5);
    // The preview renderer draws a 720p image in well under this, even cold (its threads
    // start with the first render) on a busy machine: a wide margin, not a speed requirement.
    await sleep(1_000);
    expect(storedFiles(org)).toEqual([]);
    expect(await balance(api, org)).toMatchObject({ balance: 15, held: 0 });
    gate.open();
    const r = await posting;
    expect(r.status).toBe(202);
    const done = await waitFor(api, org, r.body.id);
    expect(done.status).toBe('succeeded');
    expect(storedFiles(org)).toHaveLength(2);
    expect(await balance(api, org)).toMatchObject({ balance: 13, held: 0 });
    // The images were rendered before the hold committed, and waited for it.
    // The batch reads as done once settled; its record file is saved just after: wait for it.
    const saved = () =>
      JSON.parse(readFileSync(join(dataDir, 'generations', org, `${r.body.id}.json`), 'utf8')) as BatchRecord;
    let record = saved();
    for (let i = 0; i < 400 && record.status !== 'succeeded'; i++) {
      await sleep(50);
      record = saved();
    }
    expect(record.status).toBe('succeeded');
    expect(record.timings_ms.hold).toBeGreaterThanOrEqual(250);
    expect(record.timings_ms.hold_wait).toBeGreaterThan(100);
    expect(await earlyRenders('kept')).toBe(kept + 1);
    await expectVerified(api);
  });

  it('drops what it rendered when the hold is refused: no image stored, no batch, nothing held', async () => {
    const org = await newOrg(api, { name: 'Team', tier: 'pro' });
    const project = (await api.call('POST', `/v1/orgs/${org}/projects`, { body: { name: 'Posters' } })).body
      .id;
    await api.call('PUT', `/v1/orgs/${org}/budgets`, {
      body: { scope: 'project', scope_id: project, limit: 1, enforcement: 'hard' },
    });
    const before = await balance(api, org);
    const dropped = await earlyRenders('dropped');
    const gate = openGate();
    const asked = holdsAsked;
    // The org can afford it, so rendering starts; the project's hard budget refuses the hold.
    const posting = generate(api, org, { prompts: ['a', 'b'], operation: '720p', project_id: project });
    while (holdsAsked === asked) await sleep(5);
    await sleep(300);
    gate.open();
    const r = await posting;
    expectProblem(r, 402, 'budget_exceeded');
    await sleep(100);
    expect(storedFiles(org)).toEqual([]);
    expect(
      readdirSync(join(dataDir, 'generations')).includes(org)
        ? readdirSync(join(dataDir, 'generations', org))
        : [],
    ).toEqual([]);
    expect(await balance(api, org)).toEqual(before);
    expect((await api.call('GET', `/v1/orgs/${org}/holds`)).body.data).toEqual([]);
    expect(await earlyRenders('dropped')).toBe(dropped + 1);
    // The budget refusal gave no available figure: the org's next batch waits for its hold.
    holdGate = null;
    const again = await generate(api, org, { prompts: ['a', 'b'], operation: '720p', project_id: project });
    expectProblem(again, 402, 'budget_exceeded');
    expect(await earlyRenders('dropped')).toBe(dropped + 1);
    expect(storedFiles(org)).toEqual([]);
    await expectVerified(api);
  });
});

// --- a server killed mid-batch ---------------------------------------------------------

describe('a server killed in the middle of a batch (SQLite)', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('is settled by the next server on the same store: stored images captured, the rest released, once', async () => {
    const dir = tempDir();
    const dbPath = join(dir, 'amisi.db');
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: {
        ...process.env,
        DATABASE_URL: `sqlite:${dbPath}`,
        AMISI_ADMIN_KEY: ADMIN_KEY,
        PORT: '0',
        HOST: '127.0.0.1',
        AMISI_RATE_LIMIT: 'false',
        AMISI_SCHEDULER_INTERVAL_SECONDS: '0',
        LOG_LEVEL: 'info',
        AMISI_IMAGE_BACKEND: 'openai',
        AMISI_OPENAI_BASE_URL: providerUrl,
        AMISI_OPENAI_API_KEY: 'sk-stand-in-key',
        AMISI_OPENAI_MAX_RETRIES: '0',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child!.stdout! });
      lines.on('line', (line) => {
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (m) resolve(m[1]!);
      });
      child!.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
    });
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(url + path, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_KEY}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: r.status, body: await r.json() };
    };
    const org = (await call('POST', '/v1/orgs', { name: 'Crashy' })).body.id as string;
    const started = await call('POST', `/v1/orgs/${org}/generations`, {
      prompts: ['a fine first', 'a fine second', 'gate:never third'],
      operation: '720p',
    });
    expect(started.status).toBe(202);
    const id = started.body.id as string;
    for (let i = 0; ; i++) {
      const b = (await call('GET', `/v1/orgs/${org}/generations/${id}`)).body;
      if (b.images.filter((im: { status: string }) => im.status === 'rendered').length === 2) break;
      if (i > 400) throw new Error('the first two images never landed');
      await sleep(50);
    }
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    child = undefined;

    // What the crash left, kept to replay the recovery later.
    const recordPath = join(dir, 'generations', org, `${id}.json`);
    const marker = readdirSync(join(dir, 'generations', '.running'));
    expect(marker).toEqual([`${org}.${id}`]);
    copyFileSync(recordPath, `${recordPath}.crashed`);

    const store = await openSqliteStore({ path: dbPath });
    const config = loadConfig({
      env: {},
      overrides: { admin_key: ADMIN_KEY, rate_limit: false, log_level: 'silent', data_dir: dir },
    });
    const boot = async () => {
      const app = await buildServer({ config, store, logger: false });
      await app.ready(); // recovery runs before the server is ready
      return app;
    };
    const get = async (app: Awaited<ReturnType<typeof boot>>, path: string) =>
      (
        await app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${ADMIN_KEY}` } })
      ).json();
    try {
      let app = await boot();
      const batch = await get(app, `/v1/orgs/${org}/generations/${id}`);
      expect(batch.status).toBe('partially_succeeded');
      expect(batch.images.map((i: { status: string }) => i.status)).toEqual([
        'succeeded',
        'succeeded',
        'failed',
      ]);
      expect(batch.images[2].error.code).toBe('interrupted');
      expect(batch.credits).toEqual({ held: 0, charged: 2, released: 1 });
      expect(await get(app, `/v1/orgs/${org}/balance`)).toMatchObject({ balance: 3, held: 0 });
      const img = await app.inject({
        method: 'GET',
        url: batch.images[0].url,
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      expect(img.statusCode).toBe(200);
      expect((await sharp(img.rawPayload).metadata()).width).toBe(1280);
      expect(readdirSync(join(dir, 'generations', '.running'))).toEqual([]);
      await app.close();

      // As if that recovery had crashed after its capture and before its record: run it again.
      copyFileSync(`${recordPath}.crashed`, recordPath);
      copyFileSync(`${recordPath}.crashed`, join(dir, 'generations', '.running', `${org}.${id}`));
      app = await boot();
      expect((await get(app, `/v1/orgs/${org}/generations/${id}`)).credits).toEqual({
        held: 0,
        charged: 2,
        released: 1,
      });
      expect(await get(app, `/v1/orgs/${org}/balance`)).toMatchObject({ balance: 3, held: 0 });
      const log = await get(app, `/v1/orgs/${org}/transactions?type=usage`);
      expect(log.data).toHaveLength(1); // charged once
      expect(log.data[0]).toMatchObject({ amount: -2, usage: { quantity: 2, job_id: id } });
      expect(await store.verify()).toEqual([]);
      await app.close();
    } finally {
      await store.close();
    }
  });
});

// --- the main flow on PostgreSQL -------------------------------------------------------

describe('generation on PostgreSQL', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi('postgres', { data_dir: tempDir() });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('holds once, charges the delivered images under the job id, and verifies', async () => {
    const org = await newOrg(api);
    const r = await generate(api, org, { prompts: ['a', 'b'], operation: '1080p' });
    expect(r.status).toBe(202);
    const done = await waitFor(api, org, r.body.id);
    expect(done).toMatchObject({ status: 'succeeded', credits: { held: 0, charged: 4, released: 0 } });
    expect(await balance(api, org)).toMatchObject({ balance: 1, held: 0 });
    const usage = await usageOf(api, org, r.body.id);
    expect(usage).toMatchObject([{ amount: -4, usage: { quantity: 2, job_id: r.body.id } }]);
    const meta = await sharp((await fetchImage(api, done.images[1].url)).bytes).metadata();
    expect([meta.width, meta.height]).toEqual([1920, 1080]);
    expect((await generate(api, org, { prompts: ['x'], operation: '1080p' })).body).toMatchObject({
      code: 'insufficient_credits',
      available: 1,
      required: 2,
    });
    await expectVerified(api);
  });
});
