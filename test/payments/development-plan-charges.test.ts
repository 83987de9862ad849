/**
 * The development provider's plan charges, on both databases: a customer's upgrade is
 * charged at the change from the command's answer (no read of the org before it), and by
 * the same making as a renewal's charge, one per period; the operator's changes are not.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { changePlan } from '../../src/app/billing.ts';
import { ManualClock } from '../../src/app/clock.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { billingHistory, developmentPlanCharge, entryOf } from '../../src/app/receipts.ts';
import { runScheduledWork } from '../../src/app/scheduler.ts';
import { defaultCatalog } from '../../src/core/index.ts';
import { developmentPlanChargeId } from '../../src/payments/development.ts';
import { DIALECTS, type Harness, openHarness } from '../store/dialects.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 10, 12);

describe.each(DIALECTS)('development plan charges on %s', (dialect) => {
  let h: Harness;
  let clock: ManualClock;
  let deps: AppDeps;
  beforeEach(async () => {
    h = await openHarness(dialect);
    clock = new ManualClock(T0);
    deps = { store: h.store, catalog: defaultCatalog, clock, payments: 'development', sessionTtlMs: DAY };
    expect((await h.store.createOrg({ id: 'org_u', name: 'Up', tier: 'free' }, { now: T0 })).ok).toBe(true);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await h.cleanup();
  });

  const charges = async () =>
    (await billingHistory(deps, 'org_u', 10)).data.filter((e) => e.kind === 'plan_charge');

  it("charges a customer's upgrade from the change's answer, without reading the org before it", async () => {
    const reads = vi.spyOn(h.store, 'getOrg');
    const r = await changePlan(deps, 'org_u', { tier: 'pro' }, false);
    expect(r.value.period_start).toBe(T0);
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
    expect((await charges()).map((c) => c.id)).toEqual([developmentPlanChargeId('org_u', T0)]);
  });

  it("makes an upgrade's charge and a renewal's charge the same way, one per period", async () => {
    const up = await changePlan(deps, 'org_u', { tier: 'pro' }, false);
    await runScheduledWork(deps);
    clock.advance(32 * 86_400);
    await runScheduledWork(deps);
    await runScheduledWork(deps);
    const renewed = (await h.store.getOrg('org_u', clock.now()))!.subscription;
    expect(renewed.period_start).toBe(up.value.period_end);
    const expected = [renewed, up.value].map((s) =>
      entryOf(deps, developmentPlanCharge(deps, 'org_u', 'pro', s.period_start!, s.period_end)!),
    );
    expect(await charges()).toEqual(expected);
  });

  it("does not charge the operator's changes, nor a replayed upgrade twice", async () => {
    await changePlan(deps, 'org_u', { tier: 'basic' }, true);
    await runScheduledWork(deps);
    expect(await charges()).toEqual([]);
    for (let i = 0; i < 2; i++) await changePlan(deps, 'org_u', { tier: 'pro' }, false, 'up-1');
    expect((await charges()).map((c) => c.id)).toEqual([developmentPlanChargeId('org_u', T0)]);
  });
});
