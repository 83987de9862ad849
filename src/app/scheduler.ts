/**
 * The scheduler: the server's own clockwork. One `runScheduledWork` pass does, in order:
 *  1. renewals, hold and grant expiries, scheduled downgrades and cancels that are due
 *     (the core applies them when it brings an org up to now: `runDueRenewals`);
 *  2. time-driven alerts (`credits.forfeit_soon`);
 *  3. the outbox: new events fan out into webhook deliveries, notifications, emails and
 *     auto top-up payments (each event exactly once: claimed and marked in one transaction);
 *  4. the jobs that are due: deliveries and their retries, emails, auto top-up payments
 *     (each claimed with a lease, so an instance never runs one another is running).
 * Steps 3–4 repeat while they produce work (a paid top-up emits events to deliver), a
 * few rounds at most. Every step is idempotent, so a pass may run late, twice, or on
 * several instances at once; a server that was down catches up on its first pass.
 *
 * `POST /v1/admin/renewals/run` and `amisi renew` run this same pass.
 */

import { planDispatch } from '../notifications/dispatch.ts';
import { deliver, MAX_ATTEMPTS, nextAttemptAt } from '../notifications/webhooks.ts';
import type { Job, JobUpdate } from '../store/outbox.ts';
import { outboxOf } from '../store/outbox.ts';
import { RETAINED_ROWS_PRUNED_PER_PASS, type RetentionReport } from '../store/retention.ts';
import { abandonAutoTopup, payAutoTopup } from './auto-topup.ts';
import type { AppDeps } from './deps.ts';
import { finishEmailMoves } from './email-change.ts';
import { checkForfeitSoon } from './notifications.ts';
import { developmentRenewalCharges } from './receipts.ts';
import { runDueRenewals } from './renewals.ts';

export interface SchedulerReport {
  renewed: number;
  alerts: number;
  dispatched: number;
  deliveries: number;
  emails: number;
  auto_topups: number;
  failures: number;
  /** Expired sessions deleted this pass. */
  sessions_pruned: number;
  /** Rows past their retention window deleted this pass, per kind (store/retention.ts). */
  retention: RetentionReport;
}

/**
 * Expired sessions deleted per scheduler pass: one short indexed delete. A pass runs every
 * few seconds, so this outpaces any sign-in rate one server accepts, and a backlog (a server
 * that was down) drains over a few passes instead of one long statement.
 */
export const SESSIONS_PRUNED_PER_PASS = 500;

const EVENTS_PER_CLAIM = 500;
const JOBS_PER_CLAIM = 50;
/** Longer than any one job may take (the webhook timeout, a provider call with retries). */
const LEASE_MS = 5 * 60_000;
const MAX_ROUNDS = 5;
/** Bounds one pass; a later pass picks up whatever is left. */
const MAX_EVENTS_PER_PASS = 50_000;
const MAX_JOBS_PER_PASS = 5_000;
/** Auto top-up and email jobs retry a provider that cannot be reached this many times. */
const MAX_SIDE_ATTEMPTS = 6;

/** The forfeit warning has a three-day window: looking hourly is plenty, and it loads org states. */
const ALERT_CHECK_EVERY_MS = 3600_000;
const lastAlertCheck = new WeakMap<object, number>();

async function alertsDue(deps: AppDeps): Promise<number> {
  const now = deps.clock.now();
  const last = lastAlertCheck.get(deps.store);
  if (last !== undefined && now >= last && now - last < ALERT_CHECK_EVERY_MS) return 0;
  lastAlertCheck.set(deps.store, now);
  return checkForfeitSoon(deps);
}

const sideRetryAt = (now: number, attempts: number) =>
  attempts >= MAX_SIDE_ATTEMPTS ? null : now + Math.min(3600_000, 30_000 * 2 ** (attempts - 1));

export async function runScheduledWork(deps: AppDeps): Promise<SchedulerReport> {
  const report: SchedulerReport = {
    renewed: await runDueRenewals(deps),
    alerts: await alertsDue(deps),
    dispatched: 0,
    deliveries: 0,
    emails: 0,
    auto_topups: 0,
    failures: 0,
    // Sessions run on wall-clock time (see ./accounts.ts), not the service clock.
    sessions_pruned: await deps.store.pruneExpiredSessions(Date.now(), SESSIONS_PRUNED_PER_PASS),
    retention: await deps.store.pruneRetained(deps.clock.now(), RETAINED_ROWS_PRUNED_PER_PASS),
  };
  // Email changes a crash interrupted between the account and its orgs (./email-change.ts).
  await finishEmailMoves(deps);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const dispatched = await dispatchOutbox(deps);
    const ran = await runDueJobs(deps, report);
    report.dispatched += dispatched;
    if (dispatched === 0 && ran === 0) break;
  }
  return report;
}

/** Fans out undispatched outbox events; returns how many. */
export async function dispatchOutbox(deps: AppDeps): Promise<number> {
  const outbox = await outboxOf(deps.store);
  const planCharge = developmentRenewalCharges(deps);
  let total = 0;
  while (total < MAX_EVENTS_PER_PASS) {
    const n = await outbox.dispatchEvents(EVENTS_PER_CLAIM, (input) =>
      planDispatch(input, { now: deps.clock.now(), smtp: deps.notify?.mailer != null, planCharge }),
    );
    total += n;
    if (n < EVENTS_PER_CLAIM) break;
  }
  return total;
}

/** Runs the jobs due now, a claim at a time; returns how many ran. */
export async function runDueJobs(deps: AppDeps, report?: SchedulerReport): Promise<number> {
  const outbox = await outboxOf(deps.store);
  let ran = 0;
  while (ran < MAX_JOBS_PER_PASS) {
    const jobs = await outbox.claimJobs(deps.clock.now(), JOBS_PER_CLAIM, LEASE_MS);
    if (jobs.length === 0) break;
    // Deliveries to different endpoints go out together; each job's outcome is its own.
    const outcomes = await Promise.all(jobs.map((j) => runJob(deps, j)));
    for (let i = 0; i < jobs.length; i++) {
      const j = jobs[i]!;
      const u = outcomes[i]!;
      await outbox.finishJob(j.org_id, j.id, u);
      if (j.kind === 'webhook' && j.endpoint_id && u.last_status === 410)
        await outbox.disableWebhookEndpoint(
          j.org_id,
          j.endpoint_id,
          deps.clock.now(),
          'the endpoint answered 410 Gone',
        );
      if (report) {
        if (j.kind === 'webhook') report.deliveries++;
        else if (j.kind === 'email') report.emails++;
        else report.auto_topups++;
        if (u.status === 'failed' || (u.status === 'pending' && u.last_error)) report.failures++;
      }
    }
    ran += jobs.length;
  }
  return ran;
}

const done = (now: number, status: number | null = null): JobUpdate => ({
  status: 'succeeded',
  next_attempt_at: null,
  last_status: status,
  last_error: null,
  finished_at: now,
});

async function runJob(deps: AppDeps, j: Job): Promise<JobUpdate> {
  switch (j.kind) {
    case 'webhook':
      return deliverWebhook(deps, j);
    case 'email':
      return sendEmail(deps, j);
    case 'auto_topup':
      return runAutoTopup(deps, j);
  }
}

async function deliverWebhook(deps: AppDeps, j: Job): Promise<JobUpdate> {
  const outbox = await outboxOf(deps.store);
  const ep = j.endpoint_id ? await outbox.getWebhookEndpoint(j.org_id, j.endpoint_id) : null;
  const now = deps.clock.now();
  if (!ep || ep.disabled_at !== null)
    return {
      status: 'cancelled',
      next_attempt_at: null,
      last_status: null,
      last_error: ep ? 'endpoint disabled' : 'endpoint deleted',
      finished_at: now,
    };
  const r = await deliver(ep.url, ep.secret, j.id, j.payload, {
    timeoutMs: deps.notify?.webhookTimeoutMs ?? 10_000,
    allowPrivate: deps.notify?.allowPrivateTargets ?? true,
  });
  const after = deps.clock.now();
  if (r.status !== null && r.status >= 200 && r.status < 300) return done(after, r.status);
  if (r.status === 410)
    // The runner disables the endpoint once this delivery's outcome is stored.
    return {
      status: 'failed',
      next_attempt_at: null,
      last_status: 410,
      last_error: 'endpoint gone (410): disabled',
      finished_at: after,
    };
  const next = j.attempts >= MAX_ATTEMPTS ? null : nextAttemptAt(after, j.attempts);
  return {
    status: next === null ? 'failed' : 'pending',
    next_attempt_at: next,
    last_status: r.status,
    last_error: r.error ?? `answered ${r.status}`,
    finished_at: next === null ? after : null,
  };
}

async function sendEmail(deps: AppDeps, j: Job): Promise<JobUpdate> {
  const now = deps.clock.now();
  const mailer = deps.notify?.mailer;
  if (!mailer)
    return { status: 'stored', next_attempt_at: null, last_status: null, last_error: null, finished_at: now };
  const m = j.payload as { to: string[]; subject: string; text: string };
  try {
    await mailer.send(m);
    return done(deps.clock.now());
  } catch (e) {
    const next = sideRetryAt(deps.clock.now(), j.attempts);
    return {
      status: next === null ? 'failed' : 'pending',
      next_attempt_at: next,
      last_status: null,
      last_error: (e as Error).message.slice(0, 300),
      finished_at: next === null ? deps.clock.now() : null,
    };
  }
}

async function runAutoTopup(deps: AppDeps, j: Job): Promise<JobUpdate> {
  const purchaseId = String(j.payload.purchase_id);
  try {
    const outcome = await payAutoTopup(deps, j.org_id, purchaseId);
    return { ...done(deps.clock.now()), last_error: outcome.startsWith('failed') ? outcome : null };
  } catch (e) {
    const message = (e as Error).message.slice(0, 300);
    const next = sideRetryAt(deps.clock.now(), j.attempts);
    if (next === null) await abandonAutoTopup(deps, j.org_id, purchaseId, 'provider_unreachable');
    return {
      status: next === null ? 'failed' : 'pending',
      next_attempt_at: next,
      last_status: null,
      last_error: message,
      finished_at: next === null ? deps.clock.now() : null,
    };
  }
}

export interface SchedulerOptions {
  /** Full passes (renewals, alerts, outbox, jobs); 0 = never. */
  intervalMs: number;
  /** Outbox and jobs only, between full passes (webhooks go out within seconds); 0 = never. */
  deliveryIntervalMs: number;
  onError?: (err: unknown) => void;
  onReport?: (r: SchedulerReport) => void;
}

/**
 * The timers a server runs. Under the manual test clock, full passes (renewals, expiries,
 * alerts) wait for a test to move time and run them; deliveries still leave on wall-clock
 * time, as a payment provider's test clock does: webhooks and emails that are due (on the
 * manual clock) go out within seconds without anyone running a pass by hand. Only `serve`
 * starts the timers, so API tests, which drive passes themselves, are not raced by them.
 */
export function schedulerTimers(o: {
  manual: boolean;
  scheduler_interval_seconds: number;
  delivery_interval_seconds: number;
}): Pick<SchedulerOptions, 'intervalMs' | 'deliveryIntervalMs'> {
  return {
    intervalMs: o.manual ? 0 : o.scheduler_interval_seconds * 1000,
    deliveryIntervalMs: o.delivery_interval_seconds * 1000,
  };
}

/** Runs passes on timers inside the server; one pass at a time per instance. */
export class Scheduler {
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> | null = null;
  private stopped = false;

  constructor(
    /** What each pass runs with (the server's own dependencies). */
    readonly deps: AppDeps,
    private readonly o: SchedulerOptions,
  ) {}

  start() {
    const every = (ms: number, run: () => Promise<unknown>) => {
      if (ms <= 0) return;
      const t = setInterval(() => void this.once(run), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.o.intervalMs, () => runScheduledWork(this.deps).then((r) => this.o.onReport?.(r)));
    every(this.o.deliveryIntervalMs, async () => {
      for (let i = 0; i < MAX_ROUNDS; i++) {
        const d = await dispatchOutbox(this.deps);
        const n = await runDueJobs(this.deps);
        if (d + n === 0) break;
      }
    });
    // A server that was down catches up at once rather than after the first interval.
    if (this.o.intervalMs > 0)
      void this.once(() => runScheduledWork(this.deps).then((r) => this.o.onReport?.(r)));
  }

  private async once(run: () => Promise<unknown>) {
    if (this.running || this.stopped) return;
    this.running = run()
      .catch((e) => this.o.onError?.(e))
      .finally(() => {
        this.running = null;
      });
    await this.running;
  }

  /** Stops the timers and waits for a pass in progress to finish. */
  async stop() {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.running) await this.running;
  }
}
