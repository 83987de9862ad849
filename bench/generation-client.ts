/**
 * The client of bench/generation.ts, in its own process so that posting batches and
 * reading their event streams does not share the server's event loop (a real client never
 * does): one batch at a time, POST then the SSE stream to its `done` event, for at least
 * `seconds` and `min` batches after one warm-up batch.
 * argv: <json: {url, org, key, operation, batch, seconds, min, label}>
 * stdout: {"times": [ms per batch], "ids": [batch ids]} (the warm-up batch excluded)
 */
const spec = JSON.parse(process.argv[2]!) as {
  url: string;
  org: string;
  key: string;
  operation: string;
  batch: number;
  seconds: number;
  min: number;
  label: string;
};
const headers = { authorization: `Bearer ${spec.key}`, 'content-type': 'application/json' };

async function one(i: number): Promise<string> {
  const prompts = Array.from({ length: spec.batch }, (_, k) => `bench ${spec.label} ${i} ${k}`);
  const r = await fetch(`${spec.url}/v1/orgs/${spec.org}/generations`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ prompts, operation: spec.operation }),
  });
  const batch = (await r.json()) as { id: string };
  if (r.status >= 300) throw new Error(`POST generations: ${r.status} ${JSON.stringify(batch)}`);
  // The stream ends at `done`: reading it to the end is waiting for the settlement.
  const events = await fetch(`${spec.url}/v1/orgs/${spec.org}/generations/${batch.id}/events`, { headers });
  const text = await events.text();
  if (!text.includes('event: done')) throw new Error(`batch ${batch.id} did not finish`);
  return batch.id;
}

await one(-1);
const times: number[] = [];
const ids: string[] = [];
const started = performance.now();
while (times.length < spec.min || performance.now() - started < spec.seconds * 1000) {
  const t = performance.now();
  ids.push(await one(times.length));
  times.push(performance.now() - t);
}
process.stdout.write(JSON.stringify({ times, ids }));
