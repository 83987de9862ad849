// @vitest-environment jsdom
/** The usage audit names its rows' members and projects, past the API's first page of each. */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { useNames } from './data';

const { server, cursorList, problem } = await vi.hoisted(() => import('../../test-support/fake-api'));

const members = Array.from({ length: 150 }, (_, i) => ({
  id: `mem_${150 - i}`,
  email: `m${150 - i}@example.com`,
  role: 'member',
  created_at: '2026-11-02T00:00:00Z',
}));
const projects = Array.from({ length: 120 }, (_, i) => ({
  id: `prj_${120 - i}`,
  name: `Project ${120 - i}`,
  created_at: '2026-11-02T00:00:00Z',
}));

describe('useNames', () => {
  it('names the oldest member and project, on the last page of each', async () => {
    server.handle = async (r: Request) => {
      const url = new URL(r.url);
      if (url.pathname.endsWith('/members')) return cursorList(members, url);
      if (url.pathname.endsWith('/projects')) return cursorList(projects, url);
      return problem(404, 'not_found', 'Not found', url.pathname);
    };
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const wrapper = ({ children }: { children: ReactNode }) => (
      <QueryClientProvider client={qc}>{children}</QueryClientProvider>
    );
    const { result } = renderHook(() => useNames('org_test'), { wrapper });
    await waitFor(() => expect(result.current('mem_1')).toBe('m1@example.com'), { timeout: 10_000 });
    await waitFor(() => expect(result.current('prj_1')).toBe('Project 1'), { timeout: 10_000 });
    expect(result.current('unassigned')).toBe('Unassigned');
  });
});
