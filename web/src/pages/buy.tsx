/**
 * Buy credits: the four packs with their price and price per credit. Buying is one click
 * and a confirmation; the confirmation carries one idempotency key, so a double click (or
 * a retry after a lost answer) buys one pack. The development provider completes the
 * purchase at once; with Stripe the purchase has a `checkout_url` and the browser goes to
 * Checkout, which sends it back to /buy/result?purchase=…. A closed org shows its packs'
 * prices and its purchases, but nothing can be bought for it (410 `org_closed`).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Link, useSearch } from 'wouter';
import { ApiError, api, call, idempotencyKey, type Ok } from '../api/client';
import { ClosedNote } from '../components/closed-org';
import { Dialog } from '../components/dialog';
import { ErrorView } from '../components/error-view';
import { TableWrap } from '../components/table-wrap';
import { useBalance } from '../components/top-bar';
import { useCatalog } from '../lib/catalog';
import { credits, dateTime, money, perCredit } from '../lib/format';
import { useClosedAt } from '../lib/org-record';
import { useOrg } from '../session';
import './buy.css';

type Pack = Ok<'/v1/catalog', 'get'>['packs'][number];
type Purchase = Ok<'/v1/orgs/{org}/purchases', 'post'>;

/** Where the browser goes for a Checkout (a function so tests can see the redirect). */
export const goTo = (url: string) => window.location.assign(url);

export function BuyPage() {
  const { orgId } = useOrg();
  const closed = useClosedAt() !== null;
  const catalog = useCatalog();
  const balance = useBalance(orgId);
  const qc = useQueryClient();
  const [confirm, setConfirm] = useState<{ pack: Pack; key: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<Purchase | null>(null);
  // A second click while the first request runs is ignored outright (state updates lag a click).
  const inFlight = useRef(false);
  const packs = [...(catalog.data?.packs ?? [])].sort((a, b) => a.credits - b.credits);
  const cheapest = Math.min(...packs.map((p) => p.price.amount / p.credits));

  const buy = async () => {
    if (!confirm || inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setError(null);
    try {
      const p = await call(
        api.POST('/v1/orgs/{org}/purchases', {
          params: { path: { org: orgId }, header: { 'idempotency-key': confirm.key } },
          body: { pack: confirm.pack.id },
        }),
      );
      if (p.checkout_url) {
        goTo(p.checkout_url);
        return;
      }
      setConfirm(null);
      setDone(p);
      await qc.invalidateQueries({ predicate: (q) => q.queryKey.includes(orgId) });
    } catch (err) {
      setError(err);
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Buy credits</h1>
      <p>
        Packs add credits at once and never expire. You have{' '}
        <strong>{balance.data ? credits(balance.data.available) : '…'}</strong> available.
      </p>
      {done && (
        <div className="notice ok" role="status" data-testid="purchase-done">
          <strong>{credits(done.credits)} added</strong> ({money(done.price)}, purchase {done.id}).{' '}
          {balance.data && <>Your balance is now {credits(balance.data.available)}. </>}
          <Link href="/credits">See it in your transactions</Link>
        </div>
      )}
      {catalog.isError && <ErrorView error={catalog.error} retry={() => catalog.refetch()} orgId={orgId} />}
      {closed && <ClosedNote>The org is closed: no pack can be bought for it.</ClosedNote>}
      <ul className="packs">
        {packs.map((p) => (
          <li key={p.id} className="pack">
            <h2>{credits(p.credits)}</h2>
            <p className="pack-price">{money(p.price)}</p>
            <p className="help">
              {perCredit(p.price, p.credits)} per credit
              {p.price.amount / p.credits === cheapest && packs.length > 1 ? ' · best value' : ''}
            </p>
            {!closed && (
              <button
                type="button"
                className="primary"
                onClick={() => {
                  setError(null);
                  setDone(null);
                  // One key per confirmation: everything sent from this dialog is one purchase.
                  setConfirm({ pack: p, key: idempotencyKey() });
                }}
              >
                Buy {p.credits} credits
              </button>
            )}
          </li>
        ))}
      </ul>
      {!closed && (
        <p className="help">
          Need credits every month? <Link href="/plan">Compare plans</Link>: a plan's allocation can cost less
          than packs.
        </p>
      )}
      <PurchaseHistory org={orgId} />
      {confirm && (
        <Dialog
          title={`Buy ${credits(confirm.pack.credits)}?`}
          onClose={() => !busy && setConfirm(null)}
          initialFocus=".confirm-buy"
        >
          <p>
            {credits(confirm.pack.credits)} for <strong>{money(confirm.pack.price)}</strong> (
            {perCredit(confirm.pack.price, confirm.pack.credits)} per credit). They are added to this org's
            balance and never expire.
          </p>
          {error !== null && <ErrorView error={error} orgId={orgId} />}
          <div className="dialog-actions">
            <button type="button" onClick={() => setConfirm(null)} disabled={busy}>
              Cancel
            </button>
            <button type="button" className="primary confirm-buy" onClick={buy} disabled={busy}>
              {busy ? 'Paying…' : `Pay ${money(confirm.pack.price)}`}
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

function PurchaseHistory({ org }: { org: string }) {
  const list = useQuery({
    queryKey: ['purchases', org],
    queryFn: () =>
      call(api.GET('/v1/orgs/{org}/purchases', { params: { path: { org }, query: { limit: 10 } } })),
  });
  const rows = list.data?.data ?? [];
  if (list.isError) return <ErrorView error={list.error} retry={() => list.refetch()} orgId={org} />;
  if (rows.length === 0) return null;
  return (
    <section aria-labelledby="history-h">
      <h2 id="history-h">Recent purchases</h2>
      <TableWrap label="Recent purchases">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Pack</th>
              <th scope="col">Price</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.id}>
                <td>{dateTime(p.created_at)}</td>
                <td>{credits(p.credits)}</td>
                <td>{money(p.price)}</td>
                <td>{statusWords(p.status)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}

export function statusWords(s: Purchase['status']): string {
  switch (s) {
    case 'completed':
      return 'Paid, credits added';
    case 'pending':
      return 'Waiting for the payment';
    case 'failed':
      return 'Payment failed, nothing charged';
    case 'refunded':
      return 'Refunded';
  }
}

/** Where Stripe Checkout sends the browser back: the purchase's status, until it settles. */
export function BuyResultPage() {
  const { orgId } = useOrg();
  const params = new URLSearchParams(useSearch());
  const id = params.get('purchase');
  const cancelled = params.get('cancelled') === '1';
  // One purchase by id, open or long settled; a 404 means it is not one of this org's.
  const list = useQuery({
    queryKey: ['purchases', orgId, 'result', id],
    queryFn: async ({ signal }) => {
      try {
        return await call(
          api.GET('/v1/orgs/{org}/purchases/{id}', { params: { path: { org: orgId, id: id! } }, signal }),
        );
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
    enabled: id !== null,
    // The webhook that completes it may land a moment after the browser comes back.
    refetchInterval: (q) => (q.state.data?.status === 'pending' ? 2_000 : false),
  });
  const p = list.data;
  return (
    <>
      <h1>Your purchase</h1>
      {!id ? (
        <p>
          No purchase was named. <Link href="/buy">Buy credits</Link>
        </p>
      ) : list.isError ? (
        <ErrorView error={list.error} retry={() => list.refetch()} orgId={orgId} />
      ) : list.isPending ? (
        <p role="status">Looking up the purchase…</p>
      ) : !p ? (
        <div className="notice error" role="alert">
          Purchase {id} is not one of this org's. <Link href="/buy">Back to the packs</Link>
        </div>
      ) : (
        <div
          className={`notice ${p.status === 'completed' ? 'ok' : p.status === 'pending' ? 'warn' : 'error'}`}
          role="status"
          data-testid="purchase-status"
        >
          <strong>{statusWords(p.status)}.</strong> {credits(p.credits)} for {money(p.price)}.
          {p.status === 'pending' &&
            (cancelled
              ? ' You left Checkout before paying: nothing was charged.'
              : ' This page updates as soon as the payment is confirmed.')}
          {p.failure_reason ? ` ${p.failure_reason}` : ''}
          <div className="notice-actions">
            <Link href="/credits">See your credits</Link>
            <Link href="/buy">Buy another pack</Link>
          </div>
        </div>
      )}
    </>
  );
}
