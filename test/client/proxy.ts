/**
 * A tiny HTTP proxy on 127.0.0.1 for the client's retry tests: each request is handled by
 * the next planned behaviour — forwarded, forwarded and then its answer dropped (the
 * server acted, the client never hears), or answered by the proxy itself — and recorded.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour =
  | 'forward'
  /** Forward, wait for the server's full answer, then cut the connection. */
  | 'drop_after_forward'
  | { status: number; headers?: Record<string, string>; body?: unknown };

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  behaviour: Behaviour;
}

export interface LossyProxy {
  url: string;
  seen: Seen[];
  /** Behaviours for the next requests, in order; afterwards every request is forwarded. */
  plan(...behaviours: Behaviour[]): void;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<LossyProxy> {
  const upstream = new URL(target);
  const queue: Behaviour[] = [];
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const behaviour = queue.shift() ?? 'forward';
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, behaviour });
      if (typeof behaviour === 'object') {
        const body = behaviour.body === undefined ? '' : JSON.stringify(behaviour.body);
        res.writeHead(behaviour.status, {
          'content-type': 'application/problem+json',
          ...behaviour.headers,
        });
        res.end(body);
        return;
      }
      const up = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (upRes) => {
          const body: Buffer[] = [];
          upRes.on('data', (c: Buffer) => body.push(c));
          upRes.on('end', () => {
            if (behaviour === 'drop_after_forward') {
              req.socket.destroy();
              return;
            }
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      up.on('error', () => req.socket.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    plan: (...b) => queue.push(...b),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
