// @vitest-environment jsdom
/**
 * The page Checkout sends the browser back to finds the purchase it names however many
 * purchases the org has: one request for that purchase by id, never a search of the list
 * (which the API pages 100 at a time).
 */
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderInOrg } from '../test-support/render-in-org';
import { BuyResultPage } from './buy';

const { server, problem } = await vi.hoisted(() => import('../test-support/fake-api'));

/** A shared machine can be slow: wait for what a person would see, generously. */
const slow = { timeout: 10_000 };

const ORG = 'org_test';

const purchase = (n: number, status: 'completed' | 'pending') => ({
  id: `pur_${n}`,
  pack: n === 1 ? 'pack_500' : 'pack_20',
  credits: n === 1 ? 500 : 20,
  price: { amount: n === 1 ? 12_500 : 600, currency: 'usd' },
  status,
  revoked: 0,
  created_at: '2026-11-02T00:00:00Z',
  completed_at: status === 'completed' ? '2026-11-02T00:00:00Z' : null,
  refunded_at: null,
});
// Newest first, as the API lists them: the one sought, pur_1, is the oldest of 150.
const purchases = Array.from({ length: 150 }, (_, i) =>
  purchase(150 - i, i === 149 ? 'completed' : 'pending'),
);

function serve() {
  const asked: string[] = [];
  server.handle = async (r: Request) => {
    const url = new URL(r.url);
    asked.push(url.pathname);
    const one = /^\/v1\/orgs\/org_test\/purchases\/([^/]+)$/.exec(url.pathname);
    const found = one && purchases.find((p) => p.id === one[1]);
    if (found) return Response.json(found);
    return problem(404, 'not_found', 'Not found', url.pathname);
  };
  return asked;
}

function showResultOf(purchaseId: string) {
  window.history.pushState({}, '', `/buy/result?purchase=${purchaseId}`);
  renderInOrg(<BuyResultPage />, { org: ORG });
}

afterEach(cleanup);

describe('Buy result: the purchase Checkout names', () => {
  it('is found by id past the first 100 purchases, in one request, and shown with its status', async () => {
    const asked = serve();
    showResultOf('pur_1');
    const status = await screen.findByTestId('purchase-status', {}, slow);
    expect(status.textContent).toContain('Paid, credits added.');
    expect(status.textContent).toContain('500 credits for $125.00');
    expect(asked).toEqual([`/v1/orgs/${ORG}/purchases/pur_1`]);
  });

  it('shows a purchase still waiting for its payment as such', async () => {
    serve();
    showResultOf('pur_150');
    const status = await screen.findByTestId('purchase-status', {}, slow);
    expect(status.textContent).toContain('Waiting for the payment.');
  });

  it("is said not to be the org's when the API does not know it there", async () => {
    const asked = serve();
    showResultOf('pur_999');
    const alert = await screen.findByRole('alert', {}, slow);
    expect(alert.textContent).toContain("Purchase pur_999 is not one of this org's.");
    expect(asked).toEqual([`/v1/orgs/${ORG}/purchases/pur_999`]);
  });
});
