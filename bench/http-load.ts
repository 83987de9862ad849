/**
 * The load generator for bench/http.ts, in its own process so it does not share the
 * server's event loop: autocannon against one URL, spreading requests over the orgs
 * (and their API keys) it is given, each with a fresh Idempotency-Key.
 * argv: <json: {url, connections, seconds, targets:[{path, key}], body}>
 */
import autocannon from 'autocannon';

const spec = JSON.parse(process.argv[2]!) as {
  url: string;
  connections: number;
  seconds: number;
  method: 'GET' | 'POST';
  targets: { path: string; key: string | null }[];
  body: string | null;
};
let n = 0;
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.seconds,
  requests: [
    {
      method: spec.method,
      setupRequest: (req) => {
        const t = spec.targets[n++ % spec.targets.length]!;
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'idempotency-key': `b${process.pid}_${n}`,
        };
        if (t.key) headers.authorization = `Bearer ${t.key}`;
        return { ...req, path: t.path, headers, ...(spec.body ? { body: spec.body } : {}) };
      },
    },
  ],
});
process.stdout.write(
  JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  }),
);
