/**
 * `amisi demo` as a person then sees it: five orgs, a year each, seeded into a real SQLite
 * file at a fixed end (so the run is deterministic), read back through the store's log and
 * the app's insights, as the API serves them. Seeding a year of five orgs writes thousands
 * of operations: the seeding gets a generous timeout of its own on a busy machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/app/clock.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { orgInsights, planOrgProject } from '../../src/app/insights.ts';
import type { OrgSummary } from '../../src/cli/demo/simulate.ts';
import { describeOrg, seedDemo } from '../../src/cli/demo.ts';
import { balanceOf, defaultCatalog, type Transaction } from '../../src/core/index.ts';
import { type Harness, openHarness } from '../store/dialects.ts';

const SEED = 42;
/** A Friday in the holiday run-up: the last 30 days hold the holiday bump, the year holds August. */
const END = Date.UTC(2026, 11, 4, 12, 0, 0);
const DAY = 86_400_000;
const PAID = ['basic', 'pro', 'business', 'enterprise'] as const;
const orgId = (tier: string) => `org_demo_${tier}_${SEED}`;

let h: Harness;
let orgs: OrgSummary[];
let deps: AppDeps;
const logs = new Map<string, Transaction[]>();

/** The org's whole log, oldest first (it pages newest first, as the API does). */
async function wholeLog(id: string): Promise<Transaction[]> {
  const out: Transaction[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await h.store.listTransactions(id, {
      limit: 500,
      ...(cursor !== undefined ? { starting_after: cursor } : {}),
    });
    out.push(...page.data);
    if (!page.has_more || page.next_cursor === null) return out.reverse();
    cursor = page.next_cursor;
  }
}

beforeAll(async () => {
  h = await openHarness('sqlite');
  orgs = await seedDemo(h.store, { months: 13, seed: SEED, end: END });
  deps = {
    store: h.store,
    catalog: defaultCatalog,
    clock: new ManualClock(END),
    payments: 'development',
    sessionTtlMs: DAY,
  };
  for (const o of orgs) logs.set(o.id, await wholeLog(o.id));
}, 600_000);
afterAll(async () => {
  await h?.cleanup();
});

describe('amisi demo', { timeout: 120_000 }, () => {
  it('stamps every operation at its own time: created_at never goes back in recording order', () => {
    for (const o of orgs) {
      const log = logs.get(o.id)!;
      expect(log.length, o.id).toBeGreaterThan(50);
      for (let i = 1; i < log.length; i++) {
        // ids sort in the order transactions were recorded
        expect(log[i]!.id > log[i - 1]!.id, log[i]!.id).toBe(true);
        expect(
          log[i]!.created_at,
          `${o.id} ${log[i]!.id} (${log[i]!.type}) after ${log[i - 1]!.id}`,
        ).toBeGreaterThanOrEqual(log[i - 1]!.created_at);
      }
      expect(log[0]!.created_at).toBeGreaterThanOrEqual(END - 420 * DAY);
      expect(log[log.length - 1]!.created_at).toBeLessThanOrEqual(END);
    }
  });

  it('reads balance_after consistently newest first: each line is the one before plus its amount, ending at the balance', async () => {
    for (const o of orgs) {
      const log = logs.get(o.id)!;
      let balance = 0;
      for (const t of log) {
        balance += t.amount;
        expect(t.balance_after, `${o.id} ${t.id}`).toBe(balance);
      }
      const state = await h.store.getOrg(o.id, END);
      expect(balanceOf(state!)).toBe(balance);
      expect(o.balance).toBe(balance);
    }
  });

  it('passes verify: every balance re-derived from the journal matches', async () => {
    expect(await h.store.verify()).toEqual([]);
  });

  it('gives every tier a year of usage: each month has some, Free spends its sign-up credits and then buys packs', () => {
    expect(orgs.map((o) => o.tier)).toEqual(['free', 'basic', 'pro', 'business', 'enterprise']);
    for (const o of orgs) {
      const usage = logs.get(o.id)!.filter((t) => t.type === 'usage');
      const months = new Set(usage.map((t) => new Date(t.created_at).toISOString().slice(0, 7)));
      expect(months.size, o.id).toBeGreaterThanOrEqual(12);
      expect(o.used, o.id).toBeGreaterThan(100);
    }
    const free = orgs[0]!;
    expect(free.used).toBeGreaterThan(5);
    expect(logs.get(free.id)!.some((t) => t.type === 'purchase')).toBe(true);
    // The agency outgrew Pro; the freelancer subscribed after trying Free.
    expect(logs.get(orgId('basic'))!.some((t) => t.type === 'free_grant')).toBe(true);
    expect(orgs.find((o) => o.id === orgId('business'))!.tier).toBe('business');
  });

  it('records the draft-at-720p-then-finalize workflow with prompts and job ids, as the generation API does', () => {
    for (const tier of PAID) {
      const usage = logs.get(orgId(tier))!.filter((t) => t.type === 'usage');
      const drafts = usage.filter((t) => t.usage!.metadata?.images_requested !== undefined);
      const finals = usage.filter((t) => typeof t.usage!.metadata?.draft_batch === 'string');
      expect(drafts.length, tier).toBeGreaterThan(5);
      expect(finals.length, tier).toBeGreaterThan(5);
      for (const f of finals) {
        expect(f.usage!.operation).not.toBe('720p');
        expect(f.usage!.metadata!.finalize_of).toMatch(/^img_/);
        // A finalize names a draft job recorded before it.
        expect(drafts.some((d) => d.usage!.job_id === f.usage!.metadata!.draft_batch && d.id < f.id)).toBe(
          true,
        );
      }
      for (const d of drafts) expect(d.usage!.operation).toBe('720p');
      expect(
        usage.every(
          (t) => typeof t.usage!.metadata?.prompt === 'string' && /^gen_/.test(t.usage!.job_id ?? ''),
        ),
      ).toBe(true);
      expect(new Set(usage.map((t) => t.usage!.operation)).size, tier).toBeGreaterThanOrEqual(3);
    }
  });

  it('shows something in every insight for each paid org', async () => {
    for (const tier of PAID) {
      const id = orgId(tier);
      const i = await orgInsights(deps, id);
      // Advice: the money of every option over periods that used credits.
      expect(i.advice.costs.length, id).toBeGreaterThanOrEqual(2);
      expect(
        i.advice.periods.every((p) => p.used > 0),
        id,
      ).toBe(true);
      // Seasonal: a year of periods, the busiest and the quietest, and what they suggest.
      expect(i.seasonal.periods.length, id).toBe(12);
      expect(i.seasonal.busiest, id).not.toBe(i.seasonal.quietest);
      expect(i.seasonal.summary.length, id).toBeGreaterThan(0);
      // Forecast: a burn rate, and the same period last year.
      expect(i.forecast.burn_per_day, id).toBeGreaterThan(0);
      expect(i.forecast.last_year?.used ?? 0, id).toBeGreaterThan(0);
      // Efficiency: drafts at 720p would have saved something over the last 30 days.
      expect(i.efficiency.savings, id).toBeGreaterThan(0);
      expect(i.efficiency.top.length, id).toBeGreaterThan(0);
      // Audit: members, projects and resolutions.
      expect(i.audit.total, id).toBeGreaterThan(0);
      expect(
        i.audit.top_members.some((m) => m.key !== 'unassigned'),
        id,
      ).toBe(true);
      expect(
        i.audit.top_projects.some((p) => p.key !== 'unassigned'),
        id,
      ).toBe(true);
      expect(i.audit.resolutions.length, id).toBeGreaterThanOrEqual(2);
      // Planning a project: priced options.
      const plan = await planOrgProject(deps, id, { credits: 300, by: END + 60 * DAY });
      expect(plan.options.length, id).toBeGreaterThan(0);
    }
  });

  it('shows a seasonal pattern: a holiday bump, a quiet August, quiet weekends for studios', async () => {
    const inRunUp = (t: number) => {
      const d = new Date(t);
      return (
        (d.getUTCMonth() === 10 && d.getUTCDate() >= 15) || (d.getUTCMonth() === 11 && d.getUTCDate() <= 22)
      );
    };
    const inAugust = (t: number) => new Date(t).getUTCMonth() === 7;
    const days = (from: number, to: number, keep: (t: number) => boolean) => {
      let n = 0;
      for (let t = from; t < to; t += DAY) if (keep(t)) n++;
      return n;
    };
    for (const tier of PAID) {
      const id = orgId(tier);
      const usage = logs.get(id)!.filter((t) => t.type === 'usage');
      const from = usage[0]!.created_at;
      const perDay = (keep: (t: number) => boolean) =>
        usage.filter((t) => keep(t.created_at)).reduce((s, t) => s - t.amount, 0) / days(from, END, keep);
      const usual = perDay(() => true);
      expect(perDay(inRunUp), id).toBeGreaterThan(1.25 * usual);
      expect(perDay(inAugust), id).toBeLessThan(0.7 * usual);
      // The insights see it too: some complete period stands out as busy or quiet.
      const { seasonal } = await orgInsights(deps, id);
      expect(
        seasonal.periods.some((p) => p.kind !== 'usual'),
        id,
      ).toBe(true);
    }
    // Studios work on weekdays.
    const pro = logs.get(orgId('pro'))!.filter((t) => t.type === 'usage');
    const weekend = pro.filter((t) => [0, 6].includes(new Date(t.created_at).getUTCDay())).length;
    expect(weekend * 5).toBeLessThan(pro.length);
  });

  it('ends no org below zero: the Enterprise org tops up with packs instead of living on its credit line', () => {
    for (const o of orgs) expect(o.balance, o.id).toBeGreaterThanOrEqual(0);
    const ent = orgs.find((o) => o.tier === 'enterprise')!;
    expect(ent.packs).toBeGreaterThan(0);
    expect(logs.get(ent.id)!.some((t) => t.sources.some((s) => s.source === 'credit_line'))).toBe(false);
  });

  it('refuses to seed the same seed twice, writing nothing', async () => {
    const before = (await h.store.listTransactions(orgId('pro'), { limit: 1 })).data[0]!.id;
    await expect(seedDemo(h.store, { months: 2, seed: SEED, end: END + DAY })).rejects.toThrow(
      /org_demo_free_42 exists already: run demo with another --seed/,
    );
    expect((await h.store.listTransactions(orgId('pro'), { limit: 1 })).data[0]!.id).toBe(before);
  });

  it('says in one line why an org ends on its credit line', () => {
    const line = describeOrg({ ...orgs[4]!, balance: -30, overage_limit: 100 });
    const lines = line.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^org_demo_enterprise_42\tenterprise\tbalance -30\t/);
    expect(lines[1]).toMatch(
      /30 credits into its Enterprise credit line \(limit 100\); its next grant repays it first/,
    );
    expect(describeOrg(orgs[2]!)).not.toMatch(/\n/);
  });
});
