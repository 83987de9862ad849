/**
 * The adapter for OpenAI-compatible image APIs (OpenAI itself, and the many servers that
 * speak its `POST /v1/images/generations`). Real AI output, behind the same interface as
 * the preview renderer.
 *
 * Every attempt has a deadline; 5xx, 408, 429, timeouts and network failures are retried a
 * bounded number of times with exponential backoff; everything else fails at once with a
 * ProviderError whose `reason` says why. The image that comes back is decoded in full and
 * normalized to exactly the requested size and format, so a provider that only makes
 * 1024×1024 still yields a true 1920×1080 (cover-cropped, never stretched).
 */
import sharp from 'sharp';
import { assertRenderRequest, type ImageBackend, type RenderedImage, type RenderRequest } from './backend.ts';
import { ProviderError } from './errors.ts';
import { encode, MIME_OF } from './image-format.ts';
import { MAX_IMAGE_PIXELS, MAX_PROVIDER_RESPONSE_BYTES } from './limits.ts';

export const OPENAI_BACKEND_ID = 'openai-compatible';

export interface OpenAICompatibleOptions {
  /** `https://api.example.com` or `https://api.example.com/v1`; `/v1/images/generations` is appended. */
  baseUrl: string;
  apiKey: string;
  model: string;
  /** Deadline of one attempt, headers and body included. */
  timeoutMs?: number;
  /** Retries after the first attempt, for retryable failures only. */
  maxRetries?: number;
  /** First backoff; doubles per retry, capped by maxBackoffMs (also caps Retry-After). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** The `size` field to send; providers with fixed sizes can map here. Default `WxH`. */
  requestSize?: (width: number, height: number) => string;
  /** Largest answer read, in bytes; a longer one fails as bad_response. */
  maxResponseBytes?: number;
  fetch?: typeof globalThis.fetch;
}

export const OPENAI_DEFAULTS = {
  timeoutMs: 120_000,
  maxRetries: 2,
  backoffMs: 500,
  maxBackoffMs: 8_000,
} as const;

const RETRY_LIMIT = 10;

export function createOpenAICompatibleBackend(options: OpenAICompatibleOptions): ImageBackend {
  const url = endpoint(options.baseUrl);
  if (!options.apiKey) throw new TypeError('apiKey is required');
  if (!options.model) throw new TypeError('model is required');
  const timeoutMs = options.timeoutMs ?? OPENAI_DEFAULTS.timeoutMs;
  const maxRetries = options.maxRetries ?? OPENAI_DEFAULTS.maxRetries;
  const backoffMs = options.backoffMs ?? OPENAI_DEFAULTS.backoffMs;
  const maxBackoffMs = options.maxBackoffMs ?? OPENAI_DEFAULTS.maxBackoffMs;
  if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > RETRY_LIMIT)
    throw new RangeError(`maxRetries must be an integer from 0 to ${RETRY_LIMIT}`);
  const requestSize = options.requestSize ?? ((w: number, h: number) => `${w}x${h}`);
  const doFetch = options.fetch ?? globalThis.fetch;
  const maxResponseBytes = Math.min(
    options.maxResponseBytes ?? MAX_PROVIDER_RESPONSE_BYTES,
    MAX_PROVIDER_RESPONSE_BYTES,
  );

  async function attempt(req: RenderRequest): Promise<Buffer> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
    const why = (e: unknown, during: string): ProviderError => {
      if (req.signal?.aborted) return new ProviderError('aborted', 'the render was cancelled', { cause: e });
      if (deadline.aborted)
        return new ProviderError('timeout', `no complete answer within ${timeoutMs} ms (${during})`, {
          retryable: true,
          cause: e,
        });
      if (e instanceof ProviderError) return e;
      return new ProviderError('network', `${during} failed: ${explain(e)}`, { retryable: true, cause: e });
    };

    let res: Response;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify({
          model: options.model,
          prompt: req.prompt,
          n: 1,
          size: requestSize(req.width, req.height),
          response_format: 'b64_json',
        }),
        signal,
      });
    } catch (e) {
      throw why(e, 'the request');
    }

    let body: Buffer;
    try {
      body = await readCapped(res, res.ok ? maxResponseBytes : 16 * 1024);
    } catch (e) {
      throw why(e, 'reading the answer');
    }
    if (!res.ok) {
      const s = res.status;
      const retryable = s >= 500 || s === 408 || s === 429;
      const err = new ProviderError(
        'http_status',
        `the provider answered ${s}${res.statusText ? ` ${res.statusText}` : ''}${providerMessage(body)}`,
        { status: s, retryable },
      );
      throw Object.assign(err, { retryAfterMs: retryAfter(res.headers.get('retry-after')) });
    }
    return imageBytes(body);
  }

  return {
    id: OPENAI_BACKEND_ID,
    describe: () => ({
      name: `OpenAI-compatible image API (${options.model})`,
      kind: 'ai',
      notice: `Images are generated by the AI model ${options.model} at ${new URL(url).host}.`,
    }),
    async render(req: RenderRequest): Promise<RenderedImage> {
      assertRenderRequest(req);
      let source: Buffer | undefined;
      for (let n = 1; source === undefined; n++) {
        if (req.signal?.aborted)
          throw new ProviderError('aborted', 'the render was cancelled', { attempts: n - 1 });
        try {
          source = await attempt(req);
        } catch (e) {
          const err = e as ProviderError & { retryAfterMs?: number };
          if (!err.retryable || n > maxRetries) throw withAttempts(err, n);
          const wait = Math.min(maxBackoffMs, Math.max(backoffMs * 2 ** (n - 1), err.retryAfterMs ?? 0));
          // Jitter spreads the retries of a batch that failed together.
          await sleep(wait * (0.5 + Math.random() / 2), req.signal);
        }
      }
      return normalize(source, req);
    },
  };
}

function endpoint(baseUrl: string): string {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    throw new TypeError(`baseUrl is not a URL: ${JSON.stringify(baseUrl)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError('baseUrl must be http or https');
  const path = u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${u.origin}${path}/v1/images/generations`;
}

async function readCapped(res: Response, limit: number): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const declared = Number(res.headers.get('content-length'));
  if (res.ok && declared > limit) {
    await res.body.cancel().catch(() => {});
    throw new ProviderError('bad_response', `the answer is ${declared} bytes; the limit is ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    const room = limit - size;
    if (chunk.byteLength > room) {
      // Error bodies are only read for a message: keep the start. An image answer must be whole.
      if (!res.ok) {
        chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, room));
        size = limit;
        break;
      }
      throw new ProviderError('bad_response', `the answer is larger than ${limit} bytes`);
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    size += chunk.byteLength;
  }
  return Buffer.concat(chunks, size);
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function imageBytes(body: Buffer): Buffer {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ProviderError('bad_response', `the answer is not JSON: ${snippet(body.toString('utf8'))}`);
  }
  const data = (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length === 0)
    throw new ProviderError('bad_response', `the answer has no data: ${snippet(JSON.stringify(json))}`);
  const b64 = (data[0] as { b64_json?: unknown } | null)?.b64_json;
  if (typeof b64 !== 'string' || b64.length === 0)
    throw new ProviderError('bad_response', 'the answer has no data[0].b64_json image');
  const compact = b64.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact))
    throw new ProviderError('bad_response', 'data[0].b64_json is not base64');
  return Buffer.from(compact, 'base64');
}

async function normalize(source: Buffer, req: RenderRequest): Promise<RenderedImage> {
  const { width, height, format } = req;
  try {
    // failOn 'error': a truncated or corrupt image is refused, not padded with grey.
    const input = sharp(source, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS });
    const meta = await input.metadata();
    const resized =
      meta.width === width && meta.height === height
        ? input
        : input.resize(width, height, { fit: 'cover', position: 'centre' });
    const { data, info } = await encode(resized, format).toBuffer({ resolveWithObject: true });
    if (info.width !== width || info.height !== height)
      throw new Error(`normalized to ${info.width}×${info.height}`);
    return { bytes: data, mime: MIME_OF[format], format, width, height };
  } catch (e) {
    throw new ProviderError('bad_response', `the image did not decode: ${explain(e)}`, { cause: e });
  }
}

function withAttempts(e: ProviderError, attempts: number): ProviderError {
  if (!(e instanceof ProviderError))
    return new ProviderError('bad_response', explain(e), { attempts, cause: e });
  const err = new ProviderError(
    e.reason,
    attempts > 1 ? `${e.message} (after ${attempts} attempts)` : e.message,
    {
      attempts,
      retryable: e.retryable,
      cause: e.cause,
      ...(e.status === undefined ? {} : { status: e.status }),
    },
  );
  return err;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ProviderError('aborted', 'the render was cancelled'));
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      done();
      reject(new ProviderError('aborted', 'the render was cancelled'));
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function providerMessage(body: Buffer): string {
  try {
    const m = (JSON.parse(body.toString('utf8')) as { error?: { message?: unknown } })?.error?.message;
    if (typeof m === 'string' && m) return `: ${snippet(m)}`;
  } catch {}
  return '';
}

const snippet = (s: string) => {
  // Provider text can carry anything; keep it short and printable.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  const clean = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
};

const explain = (e: unknown): string => {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
  }
  return String(e);
};
