/** `amisi reconcile` as an operator runs it: a real process on a real SQLite file. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { availableOf, type Purchase } from '../../src/core/index.ts';
import { outboxOf } from '../../src/store/outbox.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';

const BIN = new URL('../../bin/amisi.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'amisi-reconcile-'));
const db = join(dir, 'amisi.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function amisi(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, DATABASE_URL: `sqlite:${db}`, NODE_ENV: 'test' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('amisi reconcile', () => {
  it('lists a payment that was paid but not credited, credits it with --apply, once', async () => {
    const now = Date.now();
    const store = await openSqliteStore({ path: db });
    await store.createOrg({ id: 'org_rec', name: 'Rec', tier: 'free' }, { now });
    const p = (await store.execute('org_rec', { type: 'purchase_create', pack: 'pack_20' }, { now })) as {
      ok: true;
      result: Purchase;
    };
    // The provider took the money (recorded), but the process died before the grant.
    await (await outboxOf(store)).recordPayment({
      org_id: 'org_rec',
      payment_id: 'pi_lost_1',
      provider: 'stripe',
      purchase_id: p.result.id,
      amount: 999,
      currency: 'usd',
      paid_at: now,
      credited_at: null,
      refunded_at: null,
    });
    await store.close();

    expect(amisi('reconcile', '--help').out).toMatch(/usage: amisi reconcile/);
    const listed = amisi('reconcile');
    expect(listed.code).toBe(1);
    expect(listed.out).toMatch(/org_rec\t\S+\tpi_lost_1\t999 usd\t.*purchase pending\tnot credited/);
    const applied = amisi('reconcile', '--apply');
    expect(applied.code).toBe(0);
    expect(applied.out).toMatch(/1 paid but not credited, 1 credited now/);
    const again = amisi('reconcile', '--apply');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/0 paid but not credited/);

    const check = await openSqliteStore({ path: db });
    const s = (await check.getOrg('org_rec', Date.now()))!;
    expect(availableOf(s, Date.now())).toBe(25);
    expect(s.purchases[0]).toMatchObject({ status: 'completed', payment_id: 'pi_lost_1' });
    expect(await check.verify()).toEqual([]);
    await check.close();
  });
});
