/**
 * Billing history: every payment of the org (pack purchases, plan charges, refunds), newest
 * first, each with its receipt. Owners and admins see it (the `billing` scope); members do
 * not, as in the API.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, call, type Ok } from '../api/client';
import { ErrorView } from '../components/error-view';
import { TableWrap } from '../components/table-wrap';
import { credits, dateTime, money } from '../lib/format';
import { useOrg } from '../session';
import './receipts.css';

export type BillingEntry = Ok<'/v1/orgs/{org}/billing/history', 'get'>['data'][number];

const PAGE = 25;

export const KIND_LABELS: Record<BillingEntry['kind'], string> = {
  pack_purchase: 'Credit pack',
  plan_charge: 'Plan',
  refund: 'Refund',
};

/** Money as the buyer reads it: a refund is money back, shown with a minus. */
export function entryAmount(e: Pick<BillingEntry, 'kind' | 'amount' | 'currency'>): string {
  const m = money({ amount: e.amount, currency: e.currency });
  return e.kind === 'refund' ? `−${m}` : m;
}

export function BillingHistoryPage() {
  const { orgId } = useOrg();
  const list = useInfiniteQuery({
    queryKey: ['billing-history', orgId, PAGE],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      call(
        api.GET('/v1/orgs/{org}/billing/history', {
          params: {
            path: { org: orgId },
            query: { limit: PAGE, ...(pageParam ? { starting_after: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => (last.has_more && last.next_cursor ? last.next_cursor : undefined),
  });
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <div className="billing-history">
      <h1>Billing history</h1>
      <p className="help">
        Credit packs, plan charges and refunds, newest first. Each has a receipt you can print.
      </p>
      {list.isError ? (
        <ErrorView error={list.error} retry={() => list.refetch()} orgId={orgId} />
      ) : list.isPending ? (
        <p className="loading" role="status">
          Loading billing history…
        </p>
      ) : rows.length === 0 ? (
        <p>
          No payments yet. <Link href="/buy">Buy credits</Link> or <Link href="/plan">choose a plan</Link>.
        </p>
      ) : (
        <TableWrap label="Billing history">
          <table className="billing-table">
            <caption className="visually-hidden">Payments, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Description</th>
                <th scope="col">Kind</th>
                <th scope="col" className="num">
                  Credits
                </th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Status</th>
                <th scope="col">Receipt</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.id}>
                  <td>{dateTime(e.created_at)}</td>
                  <td>{e.description}</td>
                  <td>{KIND_LABELS[e.kind]}</td>
                  <td className="num">{e.credits === null ? '—' : credits(e.credits)}</td>
                  <td className="num">{entryAmount(e)}</td>
                  <td>{e.status === 'refunded' ? 'Refunded' : 'Paid'}</td>
                  <td>
                    <Link href={`/billing/receipts/${encodeURIComponent(e.id)}`}>
                      Receipt<span className="visually-hidden"> for {e.description}</span>
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {list.hasNextPage && (
        <button type="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          {list.isFetchingNextPage ? 'Loading…' : 'Load older payments'}
        </button>
      )}
    </div>
  );
}
