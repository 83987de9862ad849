/**
 * Keeps an org's pages current without reloads: one EventSource on the org's event stream
 * (`GET /v1/orgs/{org}/events`) per open org. Each `balance` event replaces the cached
 * balance and invalidates every other query of that org (any query whose key contains the
 * org id: transactions, holds, budgets, insights…), so whichever page is open refetches.
 * When the stream fails (server too old, too many tabs, a proxy that buffers), the balance
 * is polled every 2 s instead, and a change of it invalidates the same way.
 */
import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';

/** How often the balance is polled while the event stream is down. */
export const POLL_MS = 2_000;
/** After the server closed the stream for good (e.g. 429), try it again this much later. */
const REOPEN_MS = 30_000;

export const balanceKey = (org: string) => ['balance', org] as const;

/** Refetch everything of the org except its balance (which the caller has just set). */
export function invalidateOrg(qc: QueryClient, org: string) {
  return qc.invalidateQueries({
    predicate: (q) => q.queryKey.includes(org) && q.queryKey[0] !== 'balance' && q.queryKey[0] !== 'org',
  });
}

export interface Balanceish {
  balance: number;
  held: number;
  available: number;
}

/** Did the credits change between two balances (what makes the other queries stale)? */
export function creditsChanged(a: Balanceish | undefined, b: Balanceish | undefined): boolean {
  if (!a || !b) return false;
  return a.balance !== b.balance || a.held !== b.held || a.available !== b.available;
}

/**
 * Subscribes to the org's event stream while mounted. Returns whether it is live; when it
 * is not, the caller polls the balance every POLL_MS.
 */
export function useOrgEvents(org: string): { live: boolean } {
  const qc = useQueryClient();
  const [live, setLive] = useState(false);
  const reopen = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` reopens the stream after the server closed it
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const es = new EventSource(`/v1/orgs/${encodeURIComponent(org)}/events`);
    es.addEventListener('open', () => setLive(true));
    es.addEventListener('balance', (ev) => {
      setLive(true);
      try {
        const data = JSON.parse((ev as MessageEvent<string>).data);
        qc.setQueryData(balanceKey(org), data);
      } catch {
        void qc.invalidateQueries({ queryKey: balanceKey(org) });
      }
      void invalidateOrg(qc, org);
    });
    es.addEventListener('error', () => {
      // CONNECTING: the browser retries by itself; poll meanwhile. CLOSED: it gave up.
      setLive(false);
      if (es.readyState === EventSource.CLOSED && !reopen.current)
        reopen.current = setTimeout(() => {
          reopen.current = null;
          setAttempt((n) => n + 1);
        }, REOPEN_MS);
    });
    return () => {
      es.close();
      if (reopen.current) clearTimeout(reopen.current);
      reopen.current = null;
      setLive(false);
    };
  }, [org, qc, attempt]);

  return { live };
}
