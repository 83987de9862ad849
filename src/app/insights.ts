/**
 * Insights for one org (SPEC §4): purchase-vs-upgrade advice over the last complete
 * periods, the forecast, workflow efficiency and the top of the usage audit. This file
 * only reads: usage sums per window from the store's usage report (a few rows per day),
 * renewal forfeits and recent charges from the log, each read bounded; the maths is the
 * core's (src/core/insights), the rules in words are docs/insights.md.
 */
import {
  addMonths,
  availableOf,
  forfeitAtRenewal,
  type OrgState,
  type Transaction,
  termsOf,
} from '../core/index.ts';
import {
  type Advice,
  DAY_MS,
  type Efficiency,
  type Forecast,
  forecast,
  forfeitedIn,
  type PeriodUsage,
  type ProjectPlan,
  pastPeriods,
  planProject,
  type ResolutionShare,
  resolutionShare,
  type Seasonal,
  type Share,
  seasonalPattern,
  tierFit,
  topConsumers,
  typical,
  type UsageRecord,
  usageRecord,
  workflowEfficiency,
} from '../core/insights/index.ts';
import type { TransactionFilter } from '../store/types.ts';
import type { AppDeps } from './deps.ts';
import { loadOrg } from './ledger.ts';

export const DEFAULT_PERIODS = 6;
export const DEFAULT_BURN_WINDOW_DAYS = 14;
/** Seasonal planning looks back over a year of periods (at most, the org's age). */
export const SEASONAL_PERIODS = 12;
/** Efficiency and top consumers look at the last 30 days. */
export const RECENT_DAYS = 30;
/** Bounds on what one insights request reads from the log. */
export const MAX_RECENT_CHARGES = 5_000;
export const MAX_EXPIRIES = 2_000;
export const TOP = 5;

export interface InsightsOptions {
  periods?: number | undefined;
  burn_window_days?: number | undefined;
}

export interface Insights {
  generated_at: number;
  advice: Advice & { periods: PeriodUsage[] };
  seasonal: Seasonal;
  forecast: Forecast;
  efficiency: Efficiency & { from: number; to: number; truncated: boolean };
  audit: {
    from: number;
    to: number;
    total: number;
    top_members: Share[];
    top_projects: Share[];
    resolutions: ResolutionShare[];
  };
}

export async function orgInsights(
  deps: AppDeps,
  orgId: string,
  opts: InsightsOptions = {},
): Promise<Insights> {
  const now = deps.clock.now();
  const state = await loadOrg(deps, orgId);
  // Renewals due by now must be in the log before it is read (their forfeits count).
  await deps.store.catchUp(orgId, now);
  // `to` bounds are exclusive: a charge made at this very instant (a frozen test clock) counts.
  const end = now + 1;

  const used = async (from: number, to: number) =>
    (await deps.store.usageReport(orgId, 'tool', from, to)).reduce((s, r) => s + r.credits, 0);

  const count = opts.periods ?? DEFAULT_PERIODS;
  const all = await completePeriods(deps, state, now, Math.max(count, SEASONAL_PERIODS), used);
  const terms = termsOf(deps.catalog, state.subscription, state.subscription.tier);
  return {
    generated_at: now,
    advice: advice(deps, state, all.slice(Math.max(0, all.length - count))),
    seasonal: seasonalPattern({
      allocation: terms.allocation,
      rollover_cap: terms.rollover_cap,
      periods: all,
    }),
    forecast: await forecastOf(
      deps,
      state,
      now,
      end,
      opts.burn_window_days ?? DEFAULT_BURN_WINDOW_DAYS,
      used,
    ),
    ...(await recent(deps, orgId, now, end)),
  };
}

/** The last `count` complete periods, oldest first, with what each used and forfeited. */
async function completePeriods(
  deps: AppDeps,
  state: OrgState,
  now: number,
  count: number,
  used: (from: number, to: number) => Promise<number>,
): Promise<PeriodUsage[]> {
  const sub = state.subscription;
  const windows = pastPeriods({
    now,
    anchor: sub.anchor,
    period_index: sub.period_index,
    created_at: state.created_at,
    count,
  });
  const forfeits: { at: number; credits: number }[] = [];
  if (windows.length > 0) {
    const expiries = await readLog(
      deps,
      state.id,
      { type: 'expiry', from: windows[0]!.start + 1, to: windows[windows.length - 1]!.end + 1 },
      MAX_EXPIRIES,
    );
    for (const t of expiries.txns) {
      let credits = 0;
      for (const s of t.sources)
        if (s.source === 'subscription' || s.source === 'rollover') credits += s.amount;
      if (credits > 0) forfeits.push({ at: t.created_at, credits });
    }
  }
  const forfeited = forfeitedIn(windows, forfeits);
  const periods: PeriodUsage[] = [];
  for (const [i, w] of windows.entries())
    periods.push({ ...w, used: await used(w.start, w.end), forfeited: forfeited[i]! });
  return periods;
}

function advice(deps: AppDeps, state: OrgState, periods: PeriodUsage[]): Insights['advice'] {
  const sub = state.subscription;
  const terms = termsOf(deps.catalog, sub, sub.tier);
  const a = tierFit({
    catalog: deps.catalog,
    tier: sub.tier,
    allocation: terms.allocation,
    rollover_cap: terms.rollover_cap,
    periods,
    // Members beyond the owner need a tier with team access (the rule of add_member).
    needs_team: state.members.some((m) => m.role !== 'owner'),
  });
  return { ...a, periods };
}

export interface ProjectRequest {
  credits: number;
  by: number;
}

/**
 * The cheapest way to have `credits` at hand by `by` (docs/insights.md, "Planning a
 * project"): the org's credits now, its renewals until then and its usual use, from the
 * same reads as the advice.
 */
export async function planOrgProject(
  deps: AppDeps,
  orgId: string,
  req: ProjectRequest,
): Promise<ProjectPlan> {
  const now = deps.clock.now();
  const state = await loadOrg(deps, orgId);
  await deps.store.catchUp(orgId, now);
  const used = async (from: number, to: number) =>
    (await deps.store.usageReport(orgId, 'tool', from, to)).reduce((s, r) => s + r.credits, 0);
  const sub = state.subscription;
  const periods = await completePeriods(deps, state, now, DEFAULT_PERIODS, used);
  let subscriptionCredits = 0;
  let otherCredits = 0;
  for (const g of state.grants)
    if (g.closed_at === null && (g.expires_at === null || g.expires_at > now)) {
      if (g.source === 'subscription' || g.source === 'rollover') subscriptionCredits += g.remaining;
      else otherCredits += g.remaining;
    }
  const next = sub.cancel_at_period_end ? 'free' : (sub.pending_tier ?? sub.tier);
  const currentTerms = termsOf(deps.catalog, sub, sub.tier);
  const nextTerms = termsOf(deps.catalog, sub, next);
  return planProject({
    catalog: deps.catalog,
    now,
    credits: req.credits,
    by: req.by,
    current: { tier: sub.tier, allocation: currentTerms.allocation, rollover_cap: currentTerms.rollover_cap },
    next: { tier: next, allocation: nextTerms.allocation, rollover_cap: nextTerms.rollover_cap },
    anchor: sub.anchor,
    period_index: sub.period_index,
    subscription_credits: subscriptionCredits,
    other_credits: Math.max(0, otherCredits - state.overage_used),
    typical_usage: typical(periods.map((p) => p.used)),
    used_this_period: sub.period_start !== null ? await used(sub.period_start, now + 1) : 0,
    needs_team: state.members.some((m) => m.role !== 'owner'),
  });
}

async function forecastOf(
  deps: AppDeps,
  state: OrgState,
  now: number,
  end: number,
  windowDays: number,
  used: (from: number, to: number) => Promise<number>,
): Promise<Forecast> {
  const sub = state.subscription;
  // A young org's window is its age (at least a day), so a first busy day is not diluted.
  const windowMs = Math.min(windowDays * DAY_MS, Math.max(DAY_MS, now - state.created_at));
  const next = sub.cancel_at_period_end ? 'free' : (sub.pending_tier ?? sub.tier);
  const nextTerms = termsOf(deps.catalog, sub, next);
  let expiring = 0;
  for (const g of state.grants)
    if ((g.source === 'subscription' || g.source === 'rollover') && g.closed_at === null)
      expiring += g.remaining;

  let lastYear: Forecast['last_year'] = null;
  const from = addMonths(sub.period_start ?? now, -12);
  const to = sub.period_end !== null ? addMonths(sub.period_end, -12) : addMonths(now, -11);
  if (from >= state.created_at) lastYear = { from, to, used: await used(from, to) };

  return forecast({
    now,
    available: availableOf(state, now),
    used_in_window: await used(end - windowMs, end),
    window_ms: windowMs,
    period_end: sub.period_end,
    next_allocation: sub.past_due ? 0 : nextTerms.allocation,
    next_rollover_cap: nextTerms.rollover_cap,
    expiring_unused: expiring,
    forfeit_at_renewal: forfeitAtRenewal({ state, catalog: deps.catalog }),
    last_year: lastYear,
  });
}

async function recent(
  deps: AppDeps,
  orgId: string,
  now: number,
  end: number,
): Promise<Pick<Insights, 'efficiency' | 'audit'>> {
  const from = now - RECENT_DAYS * DAY_MS;
  const charges = await readLog(deps, orgId, { type: 'usage', from, to: end }, MAX_RECENT_CHARGES);
  const records: UsageRecord[] = [];
  for (const t of charges.txns) {
    const r = usageRecord(t);
    if (r) records.push(r);
  }
  const [members, projects, operations] = await Promise.all([
    deps.store.usageReport(orgId, 'member', from, end),
    deps.store.usageReport(orgId, 'project', from, end),
    deps.store.usageReport(orgId, 'operation', from, end),
  ]);
  return {
    efficiency: {
      ...workflowEfficiency(records, deps.catalog, TOP),
      from,
      to: now,
      truncated: charges.truncated,
    },
    audit: {
      from,
      to: now,
      total: operations.reduce((s, r) => s + r.credits, 0),
      top_members: topConsumers(members, TOP),
      top_projects: topConsumers(projects, TOP),
      resolutions: resolutionShare(operations, deps.catalog),
    },
  };
}

/** The newest `max` transactions matching a filter (the log pages newest first). */
async function readLog(
  deps: AppDeps,
  orgId: string,
  filter: Omit<TransactionFilter, 'limit' | 'starting_after'>,
  max: number,
): Promise<{ txns: Transaction[]; truncated: boolean }> {
  const txns: Transaction[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await deps.store.listTransactions(orgId, {
      ...filter,
      limit: 100,
      ...(cursor !== undefined ? { starting_after: cursor } : {}),
    });
    txns.push(...page.data);
    if (!page.has_more || page.next_cursor === null) return { txns: txns.slice(0, max), truncated: false };
    if (txns.length >= max) return { txns: txns.slice(0, max), truncated: true };
    cursor = page.next_cursor;
  }
}
