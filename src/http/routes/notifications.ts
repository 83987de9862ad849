/** In-app notifications and the email outbox of an org. */
import { Type } from '@sinclair/typebox';
import {
  listEmails,
  listNotifications,
  MAX_UNREAD_COUNTED,
  markAllNotificationsRead,
  markNotificationRead,
  unreadNotifications,
} from '../../app/notifications.ts';
import type { Job, Notification as StoredNotification } from '../../app/vocabulary.ts';
import type { App, RouteContext } from '../context.ts';
import { once } from '../idempotency.ts';
import { iso, isoOrNull } from '../present.ts';
import {
  errorResponses,
  Id,
  IdempotencyHeaders,
  ListQuery,
  Nullable,
  NullableTime,
  Obj,
  OrgParams,
  Page,
  Time,
} from '../schemas.ts';

export const Notification = Obj({
  id: Type.String(),
  type: Type.String({ description: 'the event type it reports, e.g. credits.low_balance' }),
  title: Type.String(),
  body: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  created_at: Time,
  read_at: NullableTime,
});

const Email = Obj({
  id: Type.String(),
  to: Type.Array(Type.String()),
  subject: Type.String(),
  text: Type.String(),
  status: Type.Union(
    [Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('stored')],
    { description: 'stored: kept in this outbox because no SMTP server is configured; succeeded: sent' },
  ),
  event_type: Nullable(Type.String()),
  attempts: Type.Integer(),
  last_error: Nullable(Type.String()),
  created_at: Time,
  sent_at: NullableTime,
});

const presentNotification = (n: StoredNotification) => ({
  id: n.id,
  type: n.type,
  title: n.title,
  body: n.body,
  data: n.data,
  created_at: iso(n.created_at),
  read_at: isoOrNull(n.read_at),
});

function presentEmail(j: Job) {
  const m = j.payload as { to: string[]; subject: string; text: string };
  return {
    id: j.id,
    to: m.to,
    subject: m.subject,
    text: m.text,
    status: j.status as 'pending' | 'succeeded' | 'failed' | 'stored',
    event_type: j.event_type,
    attempts: j.attempts,
    last_error: j.last_error,
    created_at: iso(j.created_at),
    sent_at: j.status === 'succeeded' ? isoOrNull(j.finished_at) : null,
  };
}

export function notificationRoutes(app: App, { deps }: RouteContext) {
  const tags = ['notifications'];

  app.get(
    '/v1/orgs/:org/notifications',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'In-app notifications, newest first',
        params: OrgParams,
        querystring: Obj(ListQuery),
        response: { 200: Page(Notification), ...errorResponses },
      },
    },
    async (request) => {
      const page = await listNotifications(
        deps,
        request.params.org,
        request.query.limit ?? 20,
        request.query.starting_after,
      );
      return { ...page, data: page.data.map(presentNotification) };
    },
  );

  app.post(
    '/v1/orgs/:org/notifications/:id/read',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'Mark a notification read',
        params: Obj({ org: Id('org id'), id: Id('notification id') }),
        headers: IdempotencyHeaders,
        body: Obj({}),
        response: { 200: Obj({ id: Type.String(), read: Type.Literal(true) }), ...errorResponses },
      },
    },
    async (request) => {
      await markNotificationRead(deps, request.params.org, request.params.id);
      return { id: request.params.id, read: true as const };
    },
  );

  app.get(
    '/v1/orgs/:org/notifications/unread_count',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'How many notifications are unread (for a badge)',
        params: OrgParams,
        response: {
          200: Obj({
            unread: Type.Integer({
              minimum: 0,
              maximum: MAX_UNREAD_COUNTED,
              description: `unread notifications, counted up to ${MAX_UNREAD_COUNTED}`,
            }),
            more: Type.Boolean({ description: `true when there may be more than ${MAX_UNREAD_COUNTED}` }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const unread = await unreadNotifications(deps, request.params.org);
      return { unread, more: unread >= MAX_UNREAD_COUNTED };
    },
  );

  app.post(
    '/v1/orgs/:org/notifications/read_all',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags,
        summary: 'Mark every notification read',
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: Obj({}),
        response: {
          200: Obj({ marked: Type.Integer({ minimum: 0, description: 'how many were unread' }) }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const org = request.params.org;
      return once(deps, request, reply, `org:${org}:notifications_read_all`, async () => ({
        status: 200,
        body: { marked: await markAllNotificationsRead(deps, org) },
      }));
    },
  );

  app.get(
    '/v1/orgs/:org/emails',
    {
      config: { access: { kind: 'org', scope: 'admin' } },
      schema: {
        tags,
        summary:
          'Emails to the org’s owners and admins, newest first (the outbox when no SMTP is configured)',
        params: OrgParams,
        querystring: Obj(ListQuery),
        response: { 200: Page(Email), ...errorResponses },
      },
    },
    async (request) => {
      const page = await listEmails(
        deps,
        request.params.org,
        request.query.limit ?? 20,
        request.query.starting_after,
      );
      return { ...page, data: page.data.map(presentEmail) };
    },
  );
}
