/**
 * Outgoing webhooks per Standard Webhooks: each delivery is a POST of the event JSON with
 * `webhook-id` (the message id, the same on every retry, so receivers can deduplicate),
 * `webhook-timestamp` (seconds, wall clock: receivers check it against theirs) and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the
 * base64 part of the endpoint's `whsec_` secret.
 *
 * A 2xx answer delivers; 410 Gone disables the endpoint; anything else (or no answer within
 * the timeout) is retried on the schedule below, with jitter, for about four and a half days.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { checkWebhookUrl, type Resolver, refuseUnlessAllowed, resolveTarget } from './targets.ts';

export const SECRET_PREFIX = 'whsec_';

export const newWebhookSecret = () => `${SECRET_PREFIX}${randomBytes(24).toString('base64')}`;

/** Seconds to wait before attempt n+1 after attempt n failed (attempt 1 runs at once). */
export const RETRY_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18_000, 36_000, 50_400, 86_400, 172_800] as const;
export const MAX_ATTEMPTS = RETRY_SCHEDULE_SECONDS.length + 1;

/** When to try again after `attempts` failures (±10% jitter), or null when out of attempts. */
export function nextAttemptAt(now: number, attempts: number, random = Math.random): number | null {
  const base = RETRY_SCHEDULE_SECONDS[attempts - 1];
  if (base === undefined) return null;
  return now + Math.round(base * 1000 * (0.9 + 0.2 * random()));
}

export function sign(secret: string, msgId: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
  const mac = createHmac('sha256', key).update(`${msgId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export interface DeliveryResult {
  /** HTTP status, or null when no answer came. */
  status: number | null;
  error: string | null;
}

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  /** Wall-clock seconds for `webhook-timestamp` (tests may pin it). */
  nowSeconds?: number;
  /** How names become addresses (tests stand in for DNS; default: the system resolver). */
  lookup?: Resolver;
}

const MAX_RESPONSE_BYTES = 64 * 1024;
/** A delivery's last_error is for a person reading the deliveries list, not a log dump. */
const MAX_ERROR_CHARS = 300;

/**
 * One attempt. The address is resolved here, checked, and the connection is pinned to it,
 * so the address checked is the address dialled, literals included (Node skips `lookup`
 * for those); the socket's peer is checked once more when it connects.
 */
export async function deliver(
  url: string,
  secret: string,
  msgId: string,
  payload: unknown,
  o: SendOptions,
): Promise<DeliveryResult> {
  // The timeout covers the whole attempt, name resolution included.
  const deadline = Date.now() + o.timeoutMs;
  let target: URL;
  let dial: LookupAddress;
  try {
    target = checkWebhookUrl(url, o.allowPrivate);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`no address within ${o.timeoutMs} ms`)), o.timeoutMs);
    });
    dial = await Promise.race([resolveTarget(target, o.allowPrivate, o.lookup), late]).finally(() =>
      clearTimeout(timer),
    );
  } catch (e) {
    return { status: null, error: (e as Error).message.slice(0, MAX_ERROR_CHARS) };
  }
  const body = JSON.stringify(payload);
  const ts = o.nowSeconds ?? Math.floor(Date.now() / 1000);
  const headers = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'user-agent': 'amisi-credits-webhooks/1',
    'webhook-id': msgId,
    'webhook-timestamp': String(ts),
    'webhook-signature': sign(secret, msgId, ts, body),
  };
  const lib = target.protocol === 'https:' ? https : http;
  const pinned = (_host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) =>
    opts.all ? cb(null, [dial]) : cb(null, dial.address, dial.family);
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: DeliveryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = lib.request(
      target,
      {
        method: 'POST',
        headers,
        lookup: pinned as never,
        // A connection of its own: a pooled socket would skip the connect-time check below.
        agent: false,
      },
      (res) => {
        let seen = 0;
        res.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          if (seen > MAX_RESPONSE_BYTES) res.destroy();
        });
        res.on('end', () => done({ status: res.statusCode ?? null, error: null }));
        res.on('close', () => done({ status: res.statusCode ?? null, error: null }));
        res.on('error', () => done({ status: res.statusCode ?? null, error: null }));
      },
    );
    if (!o.allowPrivate) req.on('socket', refuseUnlessAllowed);
    const timer = setTimeout(
      () => {
        req.destroy(new Error(`no answer within ${o.timeoutMs} ms`));
      },
      Math.max(0, deadline - Date.now()),
    );
    req.on('error', (e) => done({ status: null, error: e.message.slice(0, MAX_ERROR_CHARS) }));
    req.end(body);
  });
}
