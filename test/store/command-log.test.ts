/**
 * The write path of decision 0013: an operation is durable once its command row is; the
 * rows derived from it are projected behind. What must hold:
 *  - every read, in this process or another, sees every acknowledged write;
 *  - a retried key finds its outcome while it is only in the unprojected tail;
 *  - two processes writing one SQLite file go through the same log (neither loses or
 *    doubles a charge);
 *  - a kill during a projection, or during the replay that recovers from one, loses no
 *    acknowledged operation and applies none twice.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { balanceOf } from '../../src/core/index.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { DIALECTS, openHarness } from './dialects.ts';

const WORKER = new URL('./fixtures/worker.ts', import.meta.url).pathname;
const T0 = Date.UTC(2026, 5, 1);
const consume = {
  type: 'consume' as const,
  usage: { tool: 'image.generate', operation: '720p', quantity: 1 },
};
const dir = mkdtempSync(join(tmpdir(), 'amisi-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function child(args: string[], env: Record<string, string> = {}) {
  const c = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  c.stdin!.on('error', () => {});
  return { c, lines: createInterface({ input: c.stdout! }) };
}

/** The next line a child prints, parsed. */
const nextLine = (lines: Interface) =>
  new Promise<Record<string, unknown>>((resolve) => lines.once('line', (l) => resolve(JSON.parse(l))));

describe('the command log on SQLite', () => {
  it('makes a charge durable by its command row and projects the derived rows behind it, per org for a read of one org', async () => {
    const path = join(dir, 'durable.db');
    // No lone writes (a quiet store's single write is projected in its own transaction).
    const store = await openSqliteStore({
      path,
      projection: { maxOps: 1_000_000, maxMs: 600_000 },
      batch: { quietMs: Number.POSITIVE_INFINITY },
    });
    try {
      await store.createOrg({ id: 'org_d', name: 'D', tier: 'free' }, { now: T0 });
      const before = new Database(path, { readonly: true });
      const txnsBefore = before.prepare(`SELECT count(*) FROM transactions WHERE org_id = 'org_d'`).pluck();
      const logged = before.prepare(`SELECT count(*) FROM command_log WHERE org_id = 'org_d'`).pluck();
      const n0 = txnsBefore.get() as number;
      const charges = await Promise.all(
        [1, 2, 3].map((k) => store.execute('org_d', consume, { now: T0 + k, idempotencyKey: `d${k}` })),
      );
      expect(charges.every((r) => r.ok)).toBe(true);
      // Acknowledged: in the log, not yet in the transactions table.
      expect(logged.get()).toBe(3);
      expect(txnsBefore.get()).toBe(n0);
      // A retried key finds its outcome in the tail, with the same transaction.
      const again = await store.execute('org_d', consume, { now: T0 + 9, idempotencyKey: 'd2' });
      expect(again).toMatchObject({ ok: true, replayed: true });
      expect((again as { result: { id: string } }).result.id).toBe(
        (charges[1] as { result: { id: string } }).result.id,
      );
      // Another org's charge waits in the tail too.
      await store.createOrg({ id: 'org_e', name: 'E', tier: 'free' }, { now: T0 });
      expect(await store.execute('org_e', consume, { now: T0 + 5 })).toMatchObject({ ok: true });
      const otherTxns = before.prepare(`SELECT count(*) FROM transactions WHERE org_id = 'org_e'`).pluck();
      const e0 = otherTxns.get() as number;
      // A read of one org projects that org's rows first, and only them.
      const state = await store.getOrg('org_d', T0 + 10);
      expect(balanceOf(state!)).toBe(2);
      expect(txnsBefore.get()).toBe(n0 + 3);
      expect(otherTxns.get()).toBe(e0);
      // A read about every org projects the rest, and the log is emptied up to them.
      await store.openHoldsTotal();
      expect(otherTxns.get()).toBe(e0 + 1);
      expect(logged.get()).toBe(0);
      before.close();
      expect(await store.verify()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('commits a projection without waiting for the disk, and every acknowledged write with it', async () => {
    // SQLite's synchronous level is per connection: read on the writer's own connection
    // (inline writer), inside the projection's transaction and around it.
    const FULL = 2;
    const NORMAL = 1;
    const during: number[] = [];
    let fail = false;
    const store = await openSqliteStore({
      path: join(dir, 'sync.db'),
      writerThread: false,
      projection: { maxOps: 1_000_000, maxMs: 600_000 },
      batch: { quietMs: Number.POSITIVE_INFINITY },
      onProjecting: () => {
        during.push(store.db.pragma('synchronous', { simple: true }) as number);
        if (fail) throw new Error('a projection that fails');
      },
    });
    const level = () => store.db.pragma('synchronous', { simple: true }) as number;
    try {
      await store.createOrg({ id: 'org_s', name: 'S', tier: 'free' }, { now: T0 });
      expect(level()).toBe(FULL);
      await store.execute('org_s', consume, { now: T0 + 1 });
      expect(level()).toBe(FULL);
      during.length = 0;
      expect(balanceOf((await store.getOrg('org_s', T0 + 2))!)).toBe(4); // the read projects
      expect(during).toEqual([NORMAL]);
      expect(level()).toBe(FULL);
      // A projection that throws leaves the connection waiting for the disk again too.
      await store.execute('org_s', consume, { now: T0 + 3 });
      fail = true;
      await expect(store.getOrg('org_s', T0 + 4)).rejects.toThrow('a projection that fails');
      expect(level()).toBe(FULL);
      fail = false;
      expect(balanceOf((await store.getOrg('org_s', T0 + 5))!)).toBe(3);
    } finally {
      await store.close();
    }
  });

  it('two processes writing one file allow exactly 500 of 1,000 concurrent charges against 500 credits', {
    timeout: 300_000,
  }, async () => {
    const path = join(dir, 'pair.db');
    const store = await openSqliteStore({ path });
    await store.createOrg({ id: 'org_pair', name: 'Pair', tier: 'free' }, { now: Date.now() });
    await store.execute('org_pair', { type: 'adjust', amount: 495, reason: 'load' }, { now: Date.now() });
    await store.close();
    const burst = () =>
      new Promise<number>((resolve, reject) => {
        const { c, lines } = child(['burst', 'sqlite', path, 'org_pair', '500']);
        lines.once('line', (l) => resolve(JSON.parse(l).ok));
        c.on('exit', (code) => code !== 0 && reject(new Error(`exit ${code}`)));
      });
    const [a, b] = await Promise.all([burst(), burst()]);
    expect(a + b).toBe(500);
    const again = await openSqliteStore({ path });
    try {
      expect(balanceOf((await again.getOrg('org_pair', Date.now()))!)).toBe(0);
      expect(await again.verify()).toEqual([]);
    } finally {
      await again.close();
    }
  });

  // Sized by count: each round restarts a child (Node and tsx); the limit only stops a hang.
  it('loses no acknowledged charge and applies none twice when killed between and inside projection slices and their replays', {
    timeout: 600_000,
  }, async () => {
    const path = join(dir, 'projection-crash.db');
    // Five orgs, projected two per slice (the fixture's policy): a kill after a slice
    // leaves some orgs projected past the mark, which a replay must not apply again.
    const orgs = ['org_pc0', 'org_pc1', 'org_pc2', 'org_pc3', 'org_pc4'];
    const setup = await openSqliteStore({ path });
    for (const id of orgs) {
      await setup.createOrg({ id, name: id, tier: 'free' }, { now: T0 });
      await setup.execute(id, { type: 'adjust', amount: 100_000, reason: 'load' }, { now: T0 });
    }
    await setup.close();
    const acked = new Map<string, string>();
    // Every other charge has no idempotency key (its job id names it in the log): only the
    // replay's rules keep it from being applied twice, where a key would catch it.
    const sent: { key: string; org: string; keyed: boolean }[] = [];
    let killedInProjection = 0;
    let killedAfterASlice = 0;
    let killedInRecovery = 0;
    for (let round = 0; round < 6; round++) {
      const { c, lines } = child(['serve', 'sqlite', path], { AMISI_TEST_PAUSE_IN_PROJECTION: '1' });
      // Each round after the first starts by replaying what the last kill left. Rounds 1
      // and 4 kill inside that replay; the others let it finish and kill inside the first
      // slice of a later projection (round 0) or the second (rounds 2, 3, 5), when the
      // first slice is committed and the mark is behind orgs it projected.
      const killInRecovery = round === 1 || round === 4;
      const killAtSlice = round === 0 ? 1 : 2;
      await new Promise<void>((resolve) => {
        let ready = false;
        let killed = false;
        let slices = 0;
        lines.on('line', (line) => {
          const msg = JSON.parse(line);
          if (msg.projecting && !killed) {
            if (ready) slices++;
            if ((ready && slices === killAtSlice) || (!ready && killInRecovery)) {
              killed = true;
              if (!ready) killedInRecovery++;
              else if (slices > 1) killedAfterASlice++;
              else killedInProjection++;
              c.kill('SIGKILL');
            }
          }
          if (msg.ready) {
            ready = true;
            for (let i = 0; i < 100; i++) {
              const key = `pc${sent.length}`;
              const org = orgs[sent.length % orgs.length]!;
              const keyed = sent.length % 2 === 0;
              sent.push({ key, org, keyed });
              c.stdin!.write(`${JSON.stringify({ key, org, now: T0 + 1000, keyed })}\n`);
            }
          }
          if (msg.ack && msg.ok) acked.set(msg.ack, msg.txn);
        });
        c.on('exit', () => resolve());
      });
      expect(c.signalCode).toBe('SIGKILL');
    }
    expect(killedInProjection).toBeGreaterThan(0);
    expect(killedAfterASlice).toBeGreaterThan(0);
    expect(killedInRecovery).toBeGreaterThan(0);
    expect(acked.size).toBeGreaterThan(0);

    const store = await openSqliteStore({ path });
    try {
      const log = new Set<string>();
      const jobs = new Map<string, number>();
      for (const org of orgs) {
        let cursor: string | undefined;
        for (;;) {
          const page = await store.listTransactions(org, {
            limit: 100,
            type: 'usage',
            ...(cursor ? { starting_after: cursor } : {}),
          });
          for (const t of page.data) {
            log.add(t.id);
            const job = t.usage?.job_id;
            if (job) jobs.set(job, (jobs.get(job) ?? 0) + 1);
          }
          if (!page.has_more) break;
          cursor = page.next_cursor!;
        }
      }
      for (const [, txn] of acked) expect(log.has(txn)).toBe(true);
      // No unkeyed charge is in the log twice.
      expect([...jobs.entries()].filter(([, n]) => n > 1)).toEqual([]);
      const unkeyedApplied = new Map(orgs.map((o) => [o, 0]));
      for (const x of sent)
        if (!x.keyed && jobs.has(x.key)) unkeyedApplied.set(x.org, unkeyedApplied.get(x.org)! + 1);
      const keyedSent = sent.filter((x) => x.keyed);
      const retried = await Promise.all(
        keyedSent.map(({ key, org }) => store.execute(org, consume, { now: T0 + 1000, idempotencyKey: key })),
      );
      for (const [i, r] of retried.entries()) {
        const key = keyedSent[i]!.key;
        if (acked.has(key)) {
          expect(r).toMatchObject({ ok: true, replayed: true });
          expect((r as { result: { id: string } }).result.id).toBe(acked.get(key));
        }
      }
      // Every keyed charge was applied exactly once in all, every unkeyed one at most once.
      for (const org of orgs) {
        const state = await store.getOrg(org, T0 + 1000);
        const keyedHere = keyedSent.filter((x) => x.org === org).length;
        expect(balanceOf(state!)).toBe(100_005 - keyedHere - unkeyedApplied.get(org)!);
      }
      expect(await store.verify()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe.each(DIALECTS)('reading your writes from another process on %s', (dialect) => {
  it('sees every acknowledged charge at once: balance, newest transaction and usage', {
    timeout: 300_000,
  }, async () => {
    const h = await openHarness(dialect);
    let reader: ChildProcess | undefined;
    try {
      await h.store.createOrg({ id: 'org_ryw', name: 'RYW', tier: 'free' }, { now: T0 });
      await h.store.execute('org_ryw', { type: 'adjust', amount: 1000, reason: 'load' }, { now: T0 });
      const r = child(['read', dialect, h.location, 'org_ryw']);
      reader = r.c;
      expect(await nextLine(r.lines)).toEqual({ ready: true });
      for (let i = 1; i <= 30; i++) {
        // Writes keep this process's tail unprojected; the other process still sees each.
        const w = await h.store.execute('org_ryw', consume, { now: T0 + i, idempotencyKey: `ryw${i}` });
        expect(w.ok).toBe(true);
        r.c.stdin!.write(`${JSON.stringify({ now: T0 + i })}\n`);
        expect(await nextLine(r.lines)).toEqual({
          balance: 1005 - i,
          newest: (w as { result: { id: string } }).result.id,
          used: i,
        });
      }
    } finally {
      reader?.kill();
      await h.cleanup();
    }
  });
});
