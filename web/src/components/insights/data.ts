/** The insights page's server state: the insights, the usage report per grouping, names. */
import { useQuery } from '@tanstack/react-query';
import { api, call, type Ok } from '../../api/client';
import { allMembers, allProjects } from '../../lib/org-lists';

export type Insights = Ok<'/v1/orgs/{org}/insights', 'get'>;
export type UsageReport = Ok<'/v1/orgs/{org}/reports/usage', 'get'>;
export type Group = 'tool' | 'operation' | 'member' | 'project' | 'day';

export function useInsights(org: string, periods: number) {
  return useQuery({
    queryKey: ['insights', org, periods],
    queryFn: () =>
      call(api.GET('/v1/orgs/{org}/insights', { params: { path: { org }, query: { periods } } })),
    staleTime: 30_000,
  });
}

export function useUsageReport(org: string, group: Group, from: string, to: string) {
  return useQuery({
    queryKey: ['usage-report', org, group, from, to],
    queryFn: () =>
      call(
        api.GET('/v1/orgs/{org}/reports/usage', {
          params: { path: { org }, query: { group_by: group, from, to } },
        }),
      ),
    staleTime: 30_000,
    placeholderData: (prev) => prev,
  });
}

/** Member ids → emails and project ids → names, for the report's keys (every one of each). */
export function useNames(org: string) {
  const members = useQuery({
    queryKey: ['members', org, 'names'],
    queryFn: () => allMembers(org),
    staleTime: 60_000,
  });
  const projects = useQuery({
    queryKey: ['projects', org, 'names'],
    queryFn: () => allProjects(org),
    staleTime: 60_000,
  });
  const names = new Map<string, string>();
  for (const m of members.data ?? []) names.set(m.id, m.email);
  for (const p of projects.data ?? []) names.set(p.id, p.name);
  return (key: string) => (key === 'unassigned' ? 'Unassigned' : (names.get(key) ?? key));
}
