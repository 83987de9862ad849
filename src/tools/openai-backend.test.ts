import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from './errors.ts';
import { createOpenAICompatibleBackend, type OpenAICompatibleOptions } from './openai-backend.ts';

/**
 * A stand-in for an OpenAI-compatible provider on 127.0.0.1: each test queues how the next
 * requests are answered, and every request is recorded.
 */
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let server: Server;
let baseUrl: string;
let script: Handler[] = [];
let seen: { method: string; url: string; auth: string | undefined; body: Record<string, unknown> }[] = [];

const KEY = 'sk-test-secret-key-1234';
let png640x360: Buffer;

const json =
  (status: number, value: unknown, headers: Record<string, string> = {}): Handler =>
  (_q, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof value === 'string' ? value : JSON.stringify(value));
  };
const image = (bytes: Buffer = png640x360) =>
  json(200, { created: 1, data: [{ b64_json: bytes.toString('base64') }] });
const stall = (): Handler => () => {}; // never answers; the client's deadline must fire
const headersThenStall = (): Handler => (_q, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"data":[{"b64_json":"iVBOR');
};

beforeAll(async () => {
  png640x360 = await sharp({ create: { width: 640, height: 360, channels: 3, background: '#3a6' } })
    .png()
    .toBuffer();
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        auth: req.headers.authorization,
        body: JSON.parse(body || '{}'),
      });
      const next = script.shift() ?? json(500, { error: { message: 'no scripted answer' } });
      next(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  script = [];
  seen = [];
});

const backend = (o: Partial<OpenAICompatibleOptions> = {}) =>
  createOpenAICompatibleBackend({
    baseUrl,
    apiKey: KEY,
    model: 'img-model-1',
    timeoutMs: 300,
    maxRetries: 2,
    backoffMs: 5,
    maxBackoffMs: 20,
    ...o,
  });
const req = { prompt: 'a red kite over hills', seed: 5, width: 1280, height: 720, format: 'png' as const };

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const e = await p.then(
    () => expect.unreachable('the render should have failed'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProviderError);
  return e as ProviderError;
}

describe('OpenAI-compatible adapter', () => {
  it('posts the prompt with model, n, size and b64_json, bearer key, and returns the exact size', async () => {
    script = [image()];
    const out = await backend().render(req);
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/v1/images/generations',
        auth: `Bearer ${KEY}`,
        body: {
          model: 'img-model-1',
          prompt: req.prompt,
          n: 1,
          size: '1280x720',
          response_format: 'b64_json',
        },
      },
    ]);
    expect([out.width, out.height, out.mime]).toEqual([1280, 720, 'image/png']);
    const meta = await sharp(out.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1280, 720]);
  });

  it('cover-crops an image of another shape to the exact size and format asked, never stretching it', async () => {
    const square = await sharp({ create: { width: 512, height: 512, channels: 4, background: '#fff0' } })
      .png()
      .toBuffer();
    script = [image(square)];
    const out = await backend({ baseUrl: `${baseUrl}/v1/`, requestSize: () => '1024x1024' }).render({
      ...req,
      width: 1920,
      height: 1080,
      format: 'webp',
    });
    expect(seen[0]!.url).toBe('/v1/images/generations');
    expect(seen[0]!.body.size).toBe('1024x1024');
    const meta = await sharp(out.bytes).metadata();
    expect([meta.format, meta.width, meta.height, out.mime]).toEqual(['webp', 1920, 1080, 'image/webp']);
  });

  it('gives up on a provider that does not answer in time, after bounded retries', async () => {
    script = [stall(), stall(), stall()];
    const started = performance.now();
    const e = await failure(backend({ timeoutMs: 150 }).render(req));
    expect([e.reason, e.attempts, e.retryable]).toEqual(['timeout', 3, true]);
    expect(e.message).toMatch(/within 150 ms/);
    expect(seen.length).toBe(3);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('times out an answer whose body stops arriving after the headers', async () => {
    script = [headersThenStall()];
    const e = await failure(backend({ timeoutMs: 150, maxRetries: 0 }).render(req));
    expect([e.reason, e.attempts]).toEqual(['timeout', 1]);
    expect(e.message).toMatch(/reading the answer/);
  });

  it('retries a 500 and succeeds when the provider recovers', async () => {
    script = [json(500, { error: { message: 'overloaded' } }), json(503, 'busy'), image()];
    const out = await backend().render(req);
    expect(out.width).toBe(1280);
    expect(seen.length).toBe(3);
  });

  it('reports the status after the retries run out on repeated 5xx', async () => {
    script = [json(502, {}), json(502, {}), json(502, { error: { message: 'bad gateway upstream' } })];
    const e = await failure(backend().render(req));
    expect([e.reason, e.status, e.attempts]).toEqual(['http_status', 502, 3]);
    expect(e.message).toMatch(/answered 502 .*bad gateway upstream.*after 3 attempts/);
  });

  it('retries a 429, waiting as Retry-After asks within the cap', async () => {
    script = [json(429, { error: { message: 'slow down' } }, { 'retry-after': '0' }), image()];
    await backend().render(req);
    expect(seen.length).toBe(2);
  });

  it('fails a 401 at once, without retrying, with the provider message and never the key', async () => {
    script = [json(401, { error: { message: 'Incorrect API key provided' } }), image()];
    const e = await failure(backend().render(req));
    expect([e.reason, e.status, e.attempts, e.retryable]).toEqual(['http_status', 401, 1, false]);
    expect(e.message).toBe('the provider answered 401 Unauthorized: Incorrect API key provided');
    expect(JSON.stringify({ m: e.message, j: e })).not.toContain(KEY);
    expect(seen.length).toBe(1);
  });

  it.each([
    ['garbage instead of JSON', json(200, '<html>gateway</html>'), /not JSON: <html>gateway<\/html>/],
    ['JSON without data', json(200, { created: 1 }), /has no data/],
    ['an empty data list', json(200, { data: [] }), /has no data/],
    ['data without b64_json', json(200, { data: [{ url: 'https://x/y.png' }] }), /no data\[0\]\.b64_json/],
    ['b64_json that is not base64', json(200, { data: [{ b64_json: 'not base64!!' }] }), /not base64/],
    [
      'base64 of something that is not an image',
      json(200, { data: [{ b64_json: Buffer.from('hello, not a picture').toString('base64') }] }),
      /did not decode/,
    ],
  ])('fails %s as bad_response, without retrying', async (_what, answer, message) => {
    script = [answer, image()];
    const e = await failure(backend().render(req));
    expect([e.reason, e.attempts, e.retryable]).toEqual(['bad_response', 1, false]);
    expect(e.message).toMatch(message);
    expect(seen.length).toBe(1);
  });

  it('fails a truncated PNG as bad_response instead of returning a half-grey image', async () => {
    const big = await sharp({
      create: {
        width: 800,
        height: 600,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .png()
      .toBuffer();
    script = [image(big.subarray(0, Math.floor(big.length / 2)))];
    const e = await failure(backend().render(req));
    expect(e.reason).toBe('bad_response');
    expect(e.message).toMatch(/did not decode/);
  });

  it('fails an answer larger than the byte limit as bad_response, declared or streamed', async () => {
    const streamed: Handler = (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no content-length
      res.write(`{"data":[{"b64_json":"${png640x360.toString('base64')}`);
      res.end('"}]}');
    };
    const body = JSON.stringify({ data: [{ b64_json: png640x360.toString('base64') }] });
    const declared: Handler = (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    script = [declared, streamed];
    const early = await failure(backend({ maxResponseBytes: 1000 }).render(req));
    expect([early.reason, early.attempts, early.message]).toEqual([
      'bad_response',
      1,
      expect.stringMatching(/ bytes; the limit is 1000$/),
    ]);
    const read = await failure(backend({ maxResponseBytes: 1000 }).render(req));
    expect([read.reason, read.message]).toEqual(['bad_response', 'the answer is larger than 1000 bytes']);
  });

  it('fails as network when nothing listens, after the retries', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const e = await failure(backend({ baseUrl: `http://127.0.0.1:${port}`, maxRetries: 1 }).render(req));
    expect([e.reason, e.attempts]).toEqual(['network', 2]);
  });

  it("stops at once when the caller's signal aborts, without retrying", async () => {
    script = [stall(), stall()];
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const e = await failure(backend({ timeoutMs: 5_000 }).render({ ...req, signal: controller.signal }));
    expect(e.reason).toBe('aborted');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(seen.length).toBe(1);
  });

  it('describes itself as AI output from the configured model', () => {
    const d = backend().describe();
    expect(d.kind).toBe('ai');
    expect(d.notice).toContain('img-model-1');
  });

  it('refuses a configuration without a usable URL, key or model', () => {
    expect(() => backend({ baseUrl: 'not a url' })).toThrow(/baseUrl/);
    expect(() => backend({ baseUrl: 'ftp://x' })).toThrow(/http or https/);
    expect(() => backend({ apiKey: '' })).toThrow(/apiKey/);
    expect(() => backend({ maxRetries: 100 })).toThrow(/maxRetries/);
  });
});
