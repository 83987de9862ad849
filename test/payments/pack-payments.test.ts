/**
 * A pack payment the development provider confirms at once: recorded with its receipt line
 * from the purchase the caller holds, credited once, on both databases.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/app/clock.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { buyPack } from '../../src/app/purchases.ts';
import { billingHistory } from '../../src/app/receipts.ts';
import { defaultCatalog } from '../../src/core/index.ts';
import { developmentPaymentId } from '../../src/payments/development.ts';
import { DIALECTS, type Harness, openHarness } from '../store/dialects.ts';

const T0 = Date.UTC(2025, 0, 10, 12);

describe.each(DIALECTS)('pack payments on %s', (dialect) => {
  let h: Harness;
  let deps: AppDeps;
  beforeEach(async () => {
    h = await openHarness(dialect);
    deps = {
      store: h.store,
      catalog: defaultCatalog,
      clock: new ManualClock(T0),
      payments: 'development',
      sessionTtlMs: 86_400_000,
    };
    expect((await h.store.createOrg({ id: 'org_p', name: 'Packs', tier: 'free' }, { now: T0 })).ok).toBe(
      true,
    );
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await h.cleanup();
  });

  it('describes the receipt from the purchase the caller holds, without reading the org again', async () => {
    const reads = vi.spyOn(h.store, 'getOrg');
    const bought = await buyPack(deps, 'org_p', 'pack_50');
    expect(bought.value.status).toBe('completed');
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
    const history = await billingHistory(deps, 'org_p', 10);
    expect(history.data).toMatchObject([
      {
        id: developmentPaymentId(bought.value.id),
        kind: 'pack_purchase',
        credits: 50,
        description: '50 credits (pack_50)',
      },
    ]);
  });
});
