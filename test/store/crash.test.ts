/**
 * Crash test: a child process serves a stream of keyed charges and is killed with SIGKILL
 * at random moments, many times. After every restart each acknowledged charge is in the
 * log, retrying any key (acknowledged or not) never applies it twice, and verify passes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceOf } from '../../src/core/index.ts';
import { DIALECTS, type Harness, openHarness } from './dialects.ts';

const WORKER = new URL('./fixtures/worker.ts', import.meta.url).pathname;
const KILLS = Number(process.env.AMISI_CRASH_KILLS ?? 8);
const T0 = Date.UTC(2026, 5, 1);

function startWorker(dialect: string, location: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, 'serve', dialect, location], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // Writes racing the kill fail with EPIPE: expected, and not what this test is about.
  child.stdin!.on('error', () => {});
  const lines = createInterface({ input: child.stdout! });
  return { child, lines };
}

describe.each(DIALECTS)('crash safety on %s', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(dialect);
    const r = await h.store.createOrg({ id: 'org_crash', name: 'Crash', tier: 'free' }, { now: T0 });
    expect(r.ok).toBe(true);
    await h.store.execute('org_crash', { type: 'adjust', amount: 1_000_000, reason: 'load' }, { now: T0 });
    await h.store.close(); // the child owns the database while it runs
  });
  afterAll(async () => {
    await h.reopen();
    await h.cleanup();
  });

  // Sized by count (KILLS restarts of a child process, each starting Node and tsx); the
  // limit only stops a hung run: a loaded 2-core machine took 51 s for 8.
  it(`loses no acknowledged charge and applies none twice across ${KILLS} SIGKILLs`, {
    timeout: 120_000 + KILLS * 60_000,
  }, async () => {
    const acked = new Map<string, string>();
    const sent: string[] = [];
    let next = 0;
    for (let round = 0; round < KILLS; round++) {
      const { child, lines } = startWorker(dialect, h.location);
      await new Promise<void>((resolve) => {
        let killed = false;
        let armed = false;
        const killAfter = Math.floor(Math.random() * 200);
        let timer: NodeJS.Timeout | undefined;
        lines.on('line', (line) => {
          const msg = JSON.parse(line);
          if (msg.ready) {
            // Stream charges until the kill: keys are never reused for different work.
            const pump = () => {
              if (killed) return;
              for (let i = 0; i < 20; i++) {
                const key = `k${next++}`;
                sent.push(key);
                child.stdin!.write(`${JSON.stringify({ key, org: 'org_crash', now: T0 + 1000 })}\n`);
              }
              timer = setTimeout(pump, 2);
            };
            pump();
          } else if (msg.ack && msg.ok && !armed) {
            // Kill at a random moment once charges are being acknowledged.
            armed = true;
            setTimeout(() => {
              killed = true;
              clearTimeout(timer);
              child.kill('SIGKILL');
            }, killAfter);
          }
          if (msg.ack && msg.ok) acked.set(msg.ack, msg.txn);
        });
        child.on('exit', () => resolve());
      });
      expect(child.signalCode).toBe('SIGKILL');
    }
    expect(acked.size).toBeGreaterThan(0);

    const store = await h.reopen();
    const log = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const page = await store.listTransactions('org_crash', {
        limit: 100,
        type: 'usage',
        ...(cursor ? { starting_after: cursor } : {}),
      });
      for (const t of page.data) log.add(t.id);
      if (!page.has_more) break;
      cursor = page.next_cursor!;
    }
    for (const [, txn] of acked) expect(log.has(txn)).toBe(true);
    const applied = log.size;

    // Retrying every key sent (acknowledged or not) applies each at most once in total.
    const retried = await Promise.all(
      sent.map((key) =>
        store.execute(
          'org_crash',
          { type: 'consume', usage: { tool: 'image.generate', operation: '720p', quantity: 1 } },
          { now: T0 + 1000, idempotencyKey: key },
        ),
      ),
    );
    for (const [i, r] of retried.entries()) {
      expect(r.ok).toBe(true);
      const txn = r.ok ? (r.result as { id: string }).id : '';
      const key = sent[i]!;
      if (acked.has(key)) {
        expect(r.replayed).toBe(true);
        expect(txn).toBe(acked.get(key));
      }
    }
    const state = await store.getOrg('org_crash', T0 + 1000);
    expect(balanceOf(state!)).toBe(1_000_005 - sent.length);
    expect(retried.filter((r) => !r.replayed)).toHaveLength(sent.length - applied);
    expect(await store.verify()).toEqual([]);
  });
});

describe('two processes sharing one PostgreSQL database', () => {
  it('allow exactly 500 of 1,000 concurrent charges against 500 credits', { timeout: 300_000 }, async () => {
    const h = await openHarness('postgres');
    await h.store.createOrg({ id: 'org_pair', name: 'Pair', tier: 'free' }, { now: Date.now() });
    await h.store.execute('org_pair', { type: 'adjust', amount: 495, reason: 'load' }, { now: Date.now() });
    const burst = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const child: ChildProcess = spawn(
          process.execPath,
          ['--import', 'tsx', WORKER, 'burst', 'postgres', h.location, 'org_pair', '500'],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
        });
        child.on('exit', (code) =>
          code === 0 ? resolve(JSON.parse(out).ok) : reject(new Error(`exit ${code}`)),
        );
      });
    const [a, b] = await Promise.all([burst(), burst()]);
    expect(a + b).toBe(500);
    const s = await h.store.getOrg('org_pair', Date.now());
    expect(balanceOf(s!)).toBe(0);
    expect(await h.store.verify()).toEqual([]);
    await h.cleanup();
  });
});
