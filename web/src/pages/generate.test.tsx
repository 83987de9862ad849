// @vitest-environment jsdom
/**
 * The quote on the Generate page: the total before running, whether it is affordable, and
 * an unaffordable batch refused with its exact shortfall and the way to buy.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OrgProvider, orgContextFor } from '../session';
import { promptsOf, QuoteSummary } from './generate';

const { server, answer } = await vi.hoisted(() => import('../test-support/fake-api'));

const ORG = 'org_test';

function wrap(children: ReactNode, role: 'owner' | 'member' = 'owner') {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const ctx = orgContextFor(ORG, {
    org_id: ORG,
    member_id: 'mem_1',
    role,
    scopes: role === 'owner' ? ['read', 'usage', 'billing', 'admin'] : ['read', 'usage'],
  } as never);
  return (
    <QueryClientProvider client={qc}>
      <OrgProvider value={ctx}>
        <form>{children}</form>
      </OrgProvider>
    </QueryClientProvider>
  );
}

/** A server that prices image.generate like the catalog and holds `available` credits. */
function serve(available: number) {
  const prices: Record<string, number> = { '720p': 1, '1080p': 2, '4k': 3, '8k': 4 };
  const calls: { url: string; body: unknown }[] = [];
  server.handle = async (input: Request) => {
    const url = input.url;
    const body = input.method === 'POST' ? await input.json() : undefined;
    calls.push({ url, body });
    if (url.endsWith('/balance')) return answer({ available, balance: available, held: 0 });
    if (url.endsWith('/quotes')) {
      const item = (body as { items: { operation: string; quantity: number }[] }).items[0]!;
      const total = prices[item.operation]! * item.quantity;
      return answer({
        total,
        items: [
          { tool: 'image.generate', operation: item.operation, quantity: item.quantity, credits: total },
        ],
        available,
        affordable: total <= available,
        budget_ok: true,
      });
    }
    return answer({ code: 'not_found', title: 'Not found', status: 404, detail: url }, 404);
  };
  return calls;
}

describe('the Generate quote', () => {
  afterEach(() => {
    cleanup();
  });

  it('reads one prompt per non-empty line', () => {
    expect(promptsOf(' a fox \n\n  a whale\n')).toEqual(['a fox', 'a whale']);
  });

  it('shows the batch total and that it is affordable, and lets it run', async () => {
    const calls = serve(5);
    render(
      wrap(<QuoteSummary org={ORG} operation="720p" count={2} tooMany={false} busy={false} totalId="t" />),
    );
    await screen.findByText(/2 images at 720p: 2 credits/);
    expect(screen.getByText(/You can afford this batch: 3 credits will be left/)).toBeTruthy();
    const button = screen.getByRole('button', { name: /Generate 2 images · 2 credits/ });
    await waitFor(() => expect((button as HTMLButtonElement).disabled).toBe(false));
    expect(calls.find((c) => c.url.endsWith('/quotes'))?.body).toEqual({
      items: [{ tool: 'image.generate', operation: '720p', quantity: 2 }],
    });
  });

  it('refuses an unaffordable batch with the exact shortfall and the ways to buy', async () => {
    serve(5);
    render(
      wrap(<QuoteSummary org={ORG} operation="8k" count={2} tooMany={false} busy={false} totalId="t" />),
    );
    const alert = await screen.findByTestId('shortfall');
    expect(alert.textContent).toContain('costs 8 credits');
    expect(alert.textContent).toContain('3 short');
    expect(screen.getByRole('link', { name: 'Buy a credit pack' }).getAttribute('href')).toBe(
      `/o/${ORG}/buy`,
    );
    expect(screen.getByRole('link', { name: 'Compare plans' })).toBeTruthy();
    expect((screen.getByRole('button', { name: /Generate 2 images/ }) as HTMLButtonElement).disabled).toBe(
      true,
    );
  });

  it('a member who may not buy is told whom to ask instead of offered a link', async () => {
    serve(0);
    render(
      wrap(
        <QuoteSummary org={ORG} operation="720p" count={1} tooMany={false} busy={false} totalId="t" />,
        'member',
      ),
    );
    const alert = await screen.findByTestId('shortfall');
    expect(alert.textContent).toContain('1 short');
    expect(alert.textContent).toContain('Ask an owner or admin');
    expect(screen.queryByRole('link', { name: 'Buy a credit pack' })).toBeNull();
  });
});
