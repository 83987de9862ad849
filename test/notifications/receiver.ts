/**
 * A webhook receiver on 127.0.0.1 that verifies every delivery with the `standardwebhooks`
 * package (the reference implementation), records it, and answers with the status the
 * test scripts (default 200).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  timestamp: number;
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: event payloads are loose JSON here
  data: Record<string, any>;
  verified: boolean;
  answered: number;
}

export class Receiver {
  private server!: Server;
  url = '';
  readonly received: Received[] = [];
  private secrets = new Map<string, string>();
  /** Statuses to answer, in order, before falling back to `status`. */
  readonly script: number[] = [];
  status = 200;

  async start() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const secret = this.secrets.get(path);
        const headers = {
          'webhook-id': String(req.headers['webhook-id']),
          'webhook-timestamp': String(req.headers['webhook-timestamp']),
          'webhook-signature': String(req.headers['webhook-signature']),
        };
        let verified = false;
        try {
          if (secret) {
            new Webhook(secret).verify(body, headers);
            verified = true;
          }
        } catch {
          verified = false;
        }
        const parsed = JSON.parse(body);
        const answered = this.script.shift() ?? this.status;
        this.received.push({
          id: headers['webhook-id'],
          timestamp: Number(headers['webhook-timestamp']),
          type: parsed.type,
          data: parsed.data,
          verified,
          answered,
        });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The secret deliveries to `path` must verify with. */
  expect(path: string, secret: string) {
    this.secrets.set(path, secret);
  }

  close() {
    return new Promise<void>((ok) => this.server.close(() => ok()));
  }
}
