/**
 * A CPU profile of the server while it answers POST /v1/orgs/{org}/usage (a diagnosis, not
 * a bench row): `PROFILE_OUT=FILE tsx bench/profile-http.ts [memory|file]` profiles the
 * request thread during the load only; open FILE in Chrome's DevTools or summarise it with
 * `tsx bench/profile-summary.ts FILE`. Without PROFILE_OUT it prints the server's CPU time
 * per request, the figure to compare before and after a change to the request path.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { load, seed, serveOn } from './http.ts';
import { tempDir } from './lib.ts';

const mode = process.argv[2] ?? 'memory';
const dir = tempDir('profile');
const store = await openSqliteStore({ path: mode === 'memory' ? ':memory:' : join(dir, 'amisi.db') });
const { app, url } = await serveOn(store, dir);
const targets = await seed(url, 200, ['usage']);
const session = new Session();
if (process.env.PROFILE_OUT) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const r = await load(url, targets, 'POST', '{"tool":"image.generate","operation":"720p"}');
console.log(`${Math.round(r.rps)} req/s, p99 ${r.p99} ms, server CPU per request ${r.cpuUs.toFixed(1)} µs`);
if (process.env.PROFILE_OUT) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(process.env.PROFILE_OUT, JSON.stringify(profile));
}
await app.close();
await store.close();
