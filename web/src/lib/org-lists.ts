/**
 * An org's lists that a page shows or looks names up in whole: members, projects, budgets,
 * invitations, API keys and webhook endpoints. Each is read to its end, page by page
 * (every-page.ts), never just its first page: a budget would show a member's id instead of
 * their email, the budget form or the ownership transfer would miss the 101st member, a key
 * past the first page could not be revoked. What keeps this small is the server's bounds:
 * at most 1000 members and 1000 projects (core/team.ts), so budgets ≤ 2000, 100 open
 * invitations and 20 webhook endpoints per org; API keys and past invitations grow only as
 * people create them by hand. At the largest page the API gives, 1000 members are 10
 * requests.
 */
import { api, call } from '../api/client';
import { everyPage } from './every-page';

/** The API's largest page (`limit` 1..100). */
export const PAGE_LIMIT = 100;

const query = (after: string | undefined) => ({ limit: PAGE_LIMIT, starting_after: after });

export const allMembers = (org: string) =>
  everyPage((after) =>
    call(api.GET('/v1/orgs/{org}/members', { params: { path: { org }, query: query(after) } })),
  );

export const allProjects = (org: string) =>
  everyPage((after) =>
    call(api.GET('/v1/orgs/{org}/projects', { params: { path: { org }, query: query(after) } })),
  );

export const allBudgets = (org: string) =>
  everyPage((after) =>
    call(api.GET('/v1/orgs/{org}/budgets', { params: { path: { org }, query: query(after) } })),
  );

export const allInvitations = (org: string) =>
  everyPage((after) =>
    call(api.GET('/v1/orgs/{org}/invitations', { params: { path: { org }, query: query(after) } })),
  );

export const allApiKeys = (org: string) =>
  everyPage((after) =>
    call(api.GET('/v1/orgs/{org}/api_keys', { params: { path: { org }, query: query(after) } })),
  );

export const allWebhookEndpoints = (org: string) =>
  everyPage((after) =>
    call(api.GET('/v1/orgs/{org}/webhook_endpoints', { params: { path: { org }, query: query(after) } })),
  );
