/**
 * Test helpers for Server-Sent Events and for a second server instance on the same
 * PostgreSQL schema (several stateless instances sharing one database, as operators run them).
 */
import { buildServer } from '../../src/main.ts';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres.ts';
import { PG_URL } from '../store/dialects.ts';
import type { Api } from './harness.ts';

export interface SseEvent {
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read event data loosely
  data: any;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** The next event named `event` (others are skipped), or a rejection after `timeout_ms`. */
  next(event: string, timeout_ms?: number): Promise<SseEvent>;
  /** Everything received so far, comments included. */
  raw(): string;
  close(): void;
}

/** Opens an event stream with fetch; a non-200 answer is returned with its body as `raw()`. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const ctl = new AbortController();
  const r = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ctl.signal });
  let text = '';
  const queue: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  let done = false;
  if (r.status !== 200) {
    text = await r.text();
    done = true;
  } else {
    void (async () => {
      const reader = r.body!.getReader();
      const dec = new TextDecoder();
      let buf = '';
      try {
        for (;;) {
          const { value, done: end } = await reader.read();
          if (end) break;
          const chunk = dec.decode(value, { stream: true });
          text += chunk;
          buf += chunk;
          let i = buf.indexOf('\n\n');
          while (i >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length > 0) queue.push({ event, data: JSON.parse(data.join('\n')) });
            i = buf.indexOf('\n\n');
          }
          for (const w of waiters.splice(0)) w();
        }
      } catch {
        // aborted
      } finally {
        done = true;
        for (const w of waiters.splice(0)) w();
      }
    })();
  }
  return {
    status: r.status,
    headers: r.headers,
    raw: () => text,
    close: () => ctl.abort(),
    async next(event, timeout_ms = 5_000) {
      const deadline = Date.now() + timeout_ms;
      for (;;) {
        const i = queue.findIndex((e) => e.event === event);
        if (i >= 0) return queue.splice(i, 1)[0]!;
        if (done) throw new Error(`the stream ended without a ${event} event: ${text.slice(-500)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${event} event within ${timeout_ms} ms: ${text.slice(-500)}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
  };
}

/**
 * A second server on the PostgreSQL schema of `api` (same config): an instance B that
 * shares A's database, as operators run several behind a load balancer.
 */
export async function startSecondInstance(api: Api): Promise<{ url: string; close(): Promise<void> }> {
  const schema = (api.store as PostgresStore).schema;
  if (api.store.dialect !== 'postgres' || !schema) throw new Error('a second instance needs PostgreSQL');
  const store = await openPostgresStore({ url: PG_URL, schema });
  const app = await buildServer({ config: api.config, store, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    async close() {
      await app.close();
      await store.close();
    },
  };
}
