/**
 * Renders a page or component as the app does inside an org: a fresh QueryClient (no
 * retries, so a refusal shows at once) and the org's context for a member of `role`, with
 * that role's scopes. Returns the QueryClient, for tests that invalidate or inspect it.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { OrgProvider, orgContextFor } from '../session';

const SCOPES = {
  owner: ['read', 'usage', 'billing', 'admin'],
  member: ['read', 'usage'],
} as const;

export function renderInOrg(
  ui: ReactNode,
  { org = 'org_test', role = 'owner' }: { org?: string; role?: keyof typeof SCOPES } = {},
): QueryClient {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const ctx = orgContextFor(org, {
    org_id: org,
    member_id: 'mem_1',
    role,
    scopes: [...SCOPES[role]],
  } as never);
  render(
    <QueryClientProvider client={qc}>
      <OrgProvider value={ctx}>{ui}</OrgProvider>
    </QueryClientProvider>,
  );
  return qc;
}
