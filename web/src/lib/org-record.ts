/**
 * The org itself (`GET /v1/orgs/{org}`: its name, tier and `closed_at`), read once and
 * shared: the top bar's org switcher, the Settings page and every page that must know
 * whether the org is closed use the same query. A closed org can be read but the API
 * refuses every change to it (410 `org_closed`), so pages take their write controls away
 * and say why instead of offering forms that can only fail.
 */
import { useQuery } from '@tanstack/react-query';
import { api, call } from '../api/client';
import { useOrg } from '../session';

/** The key of every org's record, and of one. */
export const ORG_RECORDS = ['org'] as const;
export const orgKey = (org: string) => [...ORG_RECORDS, org] as const;

/** The query of one org's record; a name and a closing date change rarely. */
export function orgQuery(org: string) {
  return {
    queryKey: orgKey(org),
    queryFn: () => call(api.GET('/v1/orgs/{org}', { params: { path: { org } } })),
    staleTime: 60_000,
  };
}

export function useOrgRecord(org: string) {
  return useQuery(orgQuery(org));
}

/**
 * When the page's org was closed (RFC 3339), or null. Null too while the record is loading
 * or could not be read: the controls stay offered then, and the API's 410 says the rest.
 */
export function useClosedAt(): string | null {
  const { orgId } = useOrg();
  return useOrgRecord(orgId).data?.closed_at ?? null;
}
