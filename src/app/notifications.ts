/**
 * Notifications, the app's half: webhook endpoints (create with a secret shown once,
 * list, delete, their deliveries), the in-app notification list, the email outbox, and the
 * one alert that time rather than a command raises: `credits.forfeit_soon`, three days
 * before a renewal that will expire credits over the cap (once per org and period end).
 */
import { DomainError, forfeitAtRenewal, invalid, notFound, termsOf } from '../core/index.ts';
import { newId } from '../notifications/dispatch.ts';
import { isPublicEvent, PUBLIC_EVENT_TYPES } from '../notifications/events.ts';
import { checkWebhookUrl, TargetRefused } from '../notifications/targets.ts';
import { newWebhookSecret } from '../notifications/webhooks.ts';
import { outboxOf, type WebhookEndpoint } from '../store/outbox.ts';
import type { AppDeps } from './deps.ts';
import { loadOrg } from './ledger.ts';

export const MAX_ENDPOINTS_PER_ORG = 20;
export const FORFEIT_WARNING_MS = 3 * 86_400_000;

export async function createWebhookEndpoint(
  deps: AppDeps,
  orgId: string,
  req: { url: string; events: string[]; description?: string | undefined },
): Promise<WebhookEndpoint> {
  await loadOrg(deps, orgId);
  try {
    checkWebhookUrl(req.url, deps.notify?.allowPrivateTargets ?? true);
  } catch (e) {
    if (e instanceof TargetRefused) throw invalid(`url: ${e.message}`, { field: 'url' });
    throw e;
  }
  const events = [...new Set(req.events)].sort();
  for (const t of events)
    if (t !== '*' && !isPublicEvent(t))
      throw invalid(`events: unknown event type ${t}; known: *, ${PUBLIC_EVENT_TYPES.join(', ')}`, {
        field: 'events',
      });
  const outbox = await outboxOf(deps.store);
  if ((await outbox.listWebhookEndpoints(orgId)).length >= MAX_ENDPOINTS_PER_ORG)
    throw new DomainError('conflict', `an org may have at most ${MAX_ENDPOINTS_PER_ORG} webhook endpoints`);
  const e: WebhookEndpoint = {
    org_id: orgId,
    id: newId('we'),
    url: req.url,
    events,
    secret: newWebhookSecret(),
    description: req.description ?? null,
    created_at: deps.clock.now(),
    disabled_at: null,
    disabled_reason: null,
  };
  await outbox.createWebhookEndpoint(e);
  return e;
}

export async function listWebhookEndpoints(deps: AppDeps, orgId: string) {
  await loadOrg(deps, orgId);
  return (await outboxOf(deps.store)).listWebhookEndpoints(orgId);
}

export async function deleteWebhookEndpoint(deps: AppDeps, orgId: string, id: string) {
  const outbox = await outboxOf(deps.store);
  const e = await outbox.getWebhookEndpoint(orgId, id);
  if (!e) throw notFound('webhook endpoint', id);
  await outbox.deleteWebhookEndpoint(orgId, id, deps.clock.now());
  return e;
}

export async function listDeliveries(
  deps: AppDeps,
  orgId: string,
  endpointId: string,
  limit: number,
  startingAfter?: string,
) {
  const outbox = await outboxOf(deps.store);
  if (!(await outbox.getWebhookEndpoint(orgId, endpointId))) throw notFound('webhook endpoint', endpointId);
  return outbox.listJobs(orgId, {
    kind: 'webhook',
    endpoint_id: endpointId,
    limit,
    ...(startingAfter !== undefined ? { starting_after: startingAfter } : {}),
  });
}

export async function listEmails(deps: AppDeps, orgId: string, limit: number, startingAfter?: string) {
  await loadOrg(deps, orgId);
  return (await outboxOf(deps.store)).listJobs(orgId, {
    kind: 'email',
    limit,
    ...(startingAfter !== undefined ? { starting_after: startingAfter } : {}),
  });
}

export async function listNotifications(deps: AppDeps, orgId: string, limit: number, startingAfter?: string) {
  await loadOrg(deps, orgId);
  return (await outboxOf(deps.store)).listNotifications(orgId, limit, startingAfter);
}

export async function markNotificationRead(deps: AppDeps, orgId: string, id: string) {
  const outbox = await outboxOf(deps.store);
  if (!(await outbox.markNotificationRead(orgId, id, deps.clock.now()))) throw notFound('notification', id);
}

/** The badge counts at most this many unread notifications ("99+" beyond): a bounded read. */
export const MAX_UNREAD_COUNTED = 100;

export async function unreadNotifications(deps: AppDeps, orgId: string): Promise<number> {
  await loadOrg(deps, orgId);
  return (await outboxOf(deps.store)).countUnreadNotifications(orgId, MAX_UNREAD_COUNTED);
}

export async function markAllNotificationsRead(deps: AppDeps, orgId: string): Promise<number> {
  await loadOrg(deps, orgId);
  return (await outboxOf(deps.store)).markAllNotificationsRead(orgId, deps.clock.now());
}

/**
 * Raises `credits.forfeit_soon` for every org whose renewal is at most three days away and
 * will expire credits over the cap. Once per org and period end, however many instances
 * run it and however often: the alert's key is recorded with the event, in one transaction.
 */
export async function checkForfeitSoon(deps: AppDeps): Promise<number> {
  const now = deps.clock.now();
  const outbox = await outboxOf(deps.store);
  let raised = 0;
  // Orgs with anything due before the warning horizon: a superset of those renewing by then.
  for (const orgId of await deps.store.dueOrgs(now + FORFEIT_WARNING_MS, 10_000)) {
    const state = await deps.store.getOrg(orgId, now);
    const sub = state?.subscription;
    if (!state || !sub || sub.period_end === null || sub.period_end - FORFEIT_WARNING_MS > now) continue;
    const amount = forfeitAtRenewal({ state, catalog: deps.catalog });
    if (amount <= 0) continue;
    const next = sub.cancel_at_period_end ? 'free' : (sub.pending_tier ?? sub.tier);
    const fresh = await outbox.recordAlert(
      orgId,
      `forfeit_soon:${sub.period_end}`,
      {
        type: 'credits.forfeit_soon',
        org_id: orgId,
        at: now,
        data: {
          amount,
          period_end: sub.period_end,
          rollover_cap: termsOf(deps.catalog, sub, next).rollover_cap,
        },
      },
      now,
    );
    if (fresh) raised++;
  }
  return raised;
}
