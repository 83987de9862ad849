/**
 * One receipt, laid out to print: seller, buyer, line items, tax, total, how it was paid.
 * With the development provider this page is the receipt (its `receipt_url`); with Stripe
 * it also links Stripe's own hosted receipt or invoice.
 */
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'wouter';
import { api, call } from '../api/client';
import { ErrorView } from '../components/error-view';
import { credits, dateTime, money } from '../lib/format';
import { useOrg } from '../session';
import { entryAmount, KIND_LABELS } from './billing-history';
import './receipts.css';

export function ReceiptPage() {
  const { orgId } = useOrg();
  const { id = '' } = useParams<{ id: string }>();
  const receipt = useQuery({
    queryKey: ['receipt', orgId, id],
    queryFn: () =>
      call(
        api.GET('/v1/orgs/{org}/billing/receipts/{payment_id}', {
          params: { path: { org: orgId, payment_id: id } },
        }),
      ),
  });
  if (receipt.isError)
    return (
      <div className="receipt-page">
        <h1>Receipt</h1>
        <ErrorView error={receipt.error} retry={() => receipt.refetch()} orgId={orgId} />
        <Link href="/billing">Back to billing history</Link>
      </div>
    );
  if (receipt.isPending)
    return (
      <p className="loading" role="status">
        Loading receipt…
      </p>
    );
  const r = receipt.data;
  const m = (amount: number) => money({ amount, currency: r.currency });
  const refund = r.payment.kind === 'refund';
  return (
    <div className="receipt-page">
      <div className="receipt-actions no-print">
        <Link href="/billing">← Billing history</Link>
        <button type="button" onClick={() => window.print()}>
          Print receipt
        </button>
      </div>
      <article className="receipt" aria-labelledby="receipt-title">
        <header className="receipt-head">
          <div>
            <h1 id="receipt-title">{refund ? 'Refund receipt' : 'Receipt'}</h1>
            <p className="receipt-number">
              Receipt number <strong data-testid="receipt-number">{r.receipt_number}</strong>
            </p>
          </div>
          <dl className="receipt-meta">
            <dt>Date</dt>
            <dd>{dateTime(r.payment.created_at)}</dd>
            <dt>Payment</dt>
            <dd>
              <code>{r.payment.id}</code>
            </dd>
            <dt>Kind</dt>
            <dd>{KIND_LABELS[r.payment.kind]}</dd>
            {r.payment.status === 'refunded' && (
              <>
                <dt>Status</dt>
                <dd>Refunded</dd>
              </>
            )}
          </dl>
        </header>
        <div className="receipt-parties">
          <section aria-labelledby="seller-h">
            <h2 id="seller-h">From</h2>
            <p>{r.seller.name}</p>
            {r.seller.url && <p className="help">{r.seller.url}</p>}
          </section>
          <section aria-labelledby="buyer-h">
            <h2 id="buyer-h">Billed to</h2>
            <p>{r.buyer.name}</p>
            <p className="help">
              Org <code>{r.buyer.org_id}</code>
            </p>
          </section>
        </div>
        <table className="receipt-lines">
          <caption className="visually-hidden">Line items</caption>
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col" className="num">
                Credits
              </th>
              <th scope="col" className="num">
                Quantity
              </th>
              <th scope="col" className="num">
                Unit price
              </th>
              <th scope="col" className="num">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {r.line_items.map((l) => (
              <tr key={l.description}>
                <td>{l.description}</td>
                <td className="num" data-testid="receipt-credits">
                  {l.credits === null ? '—' : credits(l.credits)}
                </td>
                <td className="num">{l.quantity}</td>
                <td className="num">{m(l.unit_amount)}</td>
                <td className="num">{m(l.amount)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={4}>
                Subtotal
              </th>
              <td className="num">{m(r.subtotal)}</td>
            </tr>
            <tr>
              <th scope="row" colSpan={4}>
                Tax <span className="help">({r.tax.note})</span>
              </th>
              <td className="num">{m(r.tax.amount)}</td>
            </tr>
            <tr className="receipt-total">
              <th scope="row" colSpan={4}>
                {refund ? 'Total refunded' : 'Total paid'}
              </th>
              <td className="num" data-testid="receipt-total">
                {refund ? entryAmount(r.payment) : m(r.total)}
              </td>
            </tr>
          </tfoot>
        </table>
        <dl className="receipt-meta">
          <dt>Paid with</dt>
          <dd>{r.payment_method ?? 'Not known'}</dd>
          {r.payment.refund_of && (
            <>
              <dt>Refund of</dt>
              <dd>
                <Link href={`/billing/receipts/${encodeURIComponent(r.payment.refund_of)}`}>
                  <code>{r.payment.refund_of}</code>
                </Link>
              </dd>
            </>
          )}
        </dl>
        {r.provider_receipt_url && (
          <p className="no-print">
            <a href={r.provider_receipt_url} target="_blank" rel="noopener noreferrer">
              Stripe’s receipt (opens in a new tab)
            </a>
          </p>
        )}
      </article>
    </div>
  );
}
