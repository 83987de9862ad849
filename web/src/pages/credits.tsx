/**
 * The Credits tab: the balance by source, the plan's allocation and rollover cap, what the
 * next renewal forfeits and when; credits held for work in progress (pending); and the
 * transaction log with its filters (in the URL), cursor pages and a CSV export of exactly
 * what is filtered.
 */

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { type FormEvent, useId } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api, call, type Ok, type paths } from '../api/client';
import { BySourceTable } from '../components/by-source-table';
import { ErrorView } from '../components/error-view';
import { TableWrap } from '../components/table-wrap';
import { renewalSentence, useBalance } from '../components/top-bar';
import { useTierName } from '../lib/catalog';
import {
  credits,
  date,
  dateTime,
  resolutionLabel,
  signedCredits,
  sourcesSummary,
  TXN_TYPE_LABELS,
} from '../lib/format';
import { allMembers, allProjects } from '../lib/org-lists';
import { useOrg } from '../session';
import { csvHref, nextSearch, pageOf, previousSearch, txnQueryOf } from './credits-filters';
import './credits.css';

type Txn = Ok<'/v1/orgs/{org}/transactions', 'get'>['data'][number];
type TxnType = NonNullable<
  NonNullable<paths['/v1/orgs/{org}/transactions']['get']['parameters']['query']>['type']
>;

const PAGE_SIZE = 20;
/** Open holds per page of the Pending list: the API's largest page. */
const HOLDS_PAGE = 100;

export function CreditsPage() {
  const { orgId } = useOrg();
  return (
    <>
      <h1>Credits</h1>
      <Summary org={orgId} />
      <PendingHolds org={orgId} />
      <TransactionLog org={orgId} />
    </>
  );
}

function Summary({ org }: { org: string }) {
  const balance = useBalance(org);
  const tierOf = useTierName();
  if (balance.isError) return <ErrorView error={balance.error} retry={() => balance.refetch()} orgId={org} />;
  const b = balance.data;
  if (!b) return <p role="status">Loading the balance…</p>;
  return (
    <section aria-labelledby="summary-h" className="credits-summary">
      <h2 id="summary-h" className="visually-hidden">
        Balance
      </h2>
      <div className="cards">
        <div className="card">
          <h3>Available</h3>
          <p className="big">{credits(b.available)}</p>
          <p className="help">
            {credits(b.balance)} in all{b.held > 0 ? `, ${b.held} held for work in progress` : ''}
          </p>
        </div>
        <div className="card">
          <h3>By source</h3>
          <BySourceTable bySource={b.by_source} caption="Balance by source" className="by-source" />
        </div>
        <div className="card">
          <h3>Plan</h3>
          <p className="big">{tierOf(b.tier)}</p>
          <dl className="facts">
            <dt>Monthly allocation</dt>
            <dd>{b.period_end ? credits(b.allocation) : 'None'}</dd>
            <dt>Rollover cap</dt>
            <dd>{credits(b.rollover_cap)}</dd>
          </dl>
        </div>
        <div className="card">
          <h3>Next renewal</h3>
          <p className="big">{b.period_end ? date(b.period_end) : 'None'}</p>
          <dl className="facts">
            <dt>Forfeited at renewal</dt>
            <dd>{credits(b.forfeit_at_renewal)}</dd>
          </dl>
          <p className="help">{renewalSentence(b)}</p>
        </div>
      </div>
    </section>
  );
}

/**
 * Open holds, newest first, a page of HOLDS_PAGE at a time with "Show more" for the next.
 * Paged rather than read whole: the list is bounded (1000 open holds per org, core/holds.ts)
 * but an org near that bound is a busy one, and every change of its balance refetches the
 * holds shown; a first page keeps that one request, and only someone who asked for more
 * pays for more. The credits held are always the exact total (the balance's `held`); the
 * number of holds is exact once the last page is in, "more than N" before (the API has no
 * count of them).
 */
function PendingHolds({ org }: { org: string }) {
  const balance = useBalance(org);
  const holds = useInfiniteQuery({
    queryKey: ['holds', org, 'open'],
    queryFn: ({ pageParam, signal }) =>
      call(
        api.GET('/v1/orgs/{org}/holds', {
          params: { path: { org }, query: { status: 'open', limit: HOLDS_PAGE, starting_after: pageParam } },
          signal,
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => (last.has_more && last.next_cursor ? last.next_cursor : undefined),
  });
  const open = holds.data?.pages.flatMap((p) => p.data) ?? [];
  if (holds.isError && open.length === 0)
    return <ErrorView error={holds.error} retry={() => holds.refetch()} orgId={org} />;
  if (open.length === 0) return null;
  const count = holds.hasNextPage
    ? `The ${open.length} newest of more than ${open.length} open holds`
    : `${open.length} open ${open.length === 1 ? 'hold' : 'holds'}`;
  return (
    <section aria-labelledby="pending-h">
      <h2 id="pending-h">Pending</h2>
      <p className="help">
        Credits held for work in progress: charged when it finishes, returned if it fails.
      </p>
      <p data-testid="holds-count">
        {count}
        {balance.data ? `; ${credits(balance.data.held)} held in all.` : '.'}
      </p>
      <TableWrap label="Pending holds">
        <table>
          <thead>
            <tr>
              <th scope="col">Held since</th>
              <th scope="col">Hold</th>
              <th scope="col" className="num">
                Credits
              </th>
              <th scope="col">Released if unused by</th>
            </tr>
          </thead>
          <tbody>
            {open.map((h) => (
              <tr key={h.id}>
                <td>{dateTime(h.created_at)}</td>
                <td className="mono">{h.id}</td>
                <td className="num">{h.amount}</td>
                <td>{dateTime(h.expires_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {holds.isError && (
        <ErrorView
          error={holds.error}
          retry={() => (holds.isFetchNextPageError ? holds.fetchNextPage() : holds.refetch())}
          orgId={org}
        />
      )}
      {holds.hasNextPage && (
        <p>
          <button type="button" onClick={() => holds.fetchNextPage()} disabled={holds.isFetchingNextPage}>
            {holds.isFetchingNextPage ? 'Loading holds…' : 'Show more holds'}
          </button>
        </p>
      )}
    </section>
  );
}

function TransactionLog({ org }: { org: string }) {
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = txnQueryOf(search);
  const page = pageOf(search);
  const params = new URLSearchParams(search);
  const log = useQuery({
    queryKey: ['transactions', org, filters, page.after],
    queryFn: () =>
      call(
        api.GET('/v1/orgs/{org}/transactions', {
          params: {
            path: { org },
            query: {
              ...filters,
              type: filters.type as TxnType | undefined,
              limit: PAGE_SIZE,
              ...(page.after ? { starting_after: page.after } : {}),
            },
          },
        }),
      ),
  });
  const members = useQuery({
    queryKey: ['members', org],
    queryFn: () => allMembers(org),
    retry: false,
  });
  const projects = useQuery({
    queryKey: ['projects', org],
    queryFn: () => allProjects(org),
    retry: false,
  });
  const ids = { type: useId(), member: useId(), project: useId(), from: useId(), to: useId() };

  function apply(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const next = new URLSearchParams();
    for (const k of ['type', 'member', 'project', 'from', 'to']) {
      const v = String(form.get(k) ?? '').trim();
      if (v) next.set(k, v);
    }
    const s = next.toString();
    navigate(s ? `/credits?${s}` : '/credits');
  }

  const filtered = Object.keys(filters).length > 0;
  const rows = log.data?.data ?? [];
  return (
    <section aria-labelledby="log-h">
      <h2 id="log-h">Transactions</h2>
      <form className="filters" onSubmit={apply} aria-label="Filter transactions" key={search}>
        <label htmlFor={ids.type}>
          Type
          <select id={ids.type} name="type" defaultValue={params.get('type') ?? ''}>
            <option value="">All types</option>
            {Object.entries(TXN_TYPE_LABELS).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label htmlFor={ids.member}>
          Member
          <select id={ids.member} name="member" defaultValue={params.get('member') ?? ''}>
            <option value="">All members</option>
            {(members.data ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.email}
              </option>
            ))}
            {params.get('member') && !(members.data ?? []).some((m) => m.id === params.get('member')) && (
              <option value={params.get('member')!}>{params.get('member')}</option>
            )}
          </select>
        </label>
        <label htmlFor={ids.project}>
          Project
          <select id={ids.project} name="project" defaultValue={params.get('project') ?? ''}>
            <option value="">All projects</option>
            {(projects.data ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
            {params.get('project') && !(projects.data ?? []).some((p) => p.id === params.get('project')) && (
              <option value={params.get('project')!}>{params.get('project')}</option>
            )}
          </select>
        </label>
        <label htmlFor={ids.from}>
          From
          <input id={ids.from} name="from" type="date" defaultValue={params.get('from') ?? ''} />
        </label>
        <label htmlFor={ids.to}>
          To
          <input id={ids.to} name="to" type="date" defaultValue={params.get('to') ?? ''} />
        </label>
        <div className="filter-actions">
          <button type="submit" className="primary">
            Apply filters
          </button>
          {filtered && (
            <Link href="/credits" className="button">
              Clear
            </Link>
          )}
          <a className="button" href={csvHref(org, filters)} download>
            Export CSV
          </a>
        </div>
      </form>

      {log.isError ? (
        <ErrorView error={log.error} retry={() => log.refetch()} orgId={org} />
      ) : log.isPending ? (
        <p role="status">Loading transactions…</p>
      ) : rows.length === 0 ? (
        <p>{filtered ? 'No transactions match these filters.' : 'No transactions yet.'}</p>
      ) : (
        <TableWrap label="Transactions">
          <table className="txn-table">
            <caption className="visually-hidden">Transactions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Type</th>
                <th scope="col">Details</th>
                <th scope="col">Source</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col" className="num">
                  Balance after
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <TxnRow key={t.id} t={t} />
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <nav className="pager" aria-label="Transaction pages">
        <button
          type="button"
          disabled={page.after === null}
          onClick={() => navigate(`/credits?${previousSearch(search)}`)}
        >
          Previous
        </button>
        <button
          type="button"
          disabled={!log.data?.has_more || !log.data.next_cursor}
          onClick={() =>
            log.data?.next_cursor && navigate(`/credits?${nextSearch(search, log.data.next_cursor)}`)
          }
        >
          Next
        </button>
      </nav>
    </section>
  );
}

/** What a line was for: the tool and operation of usage, else the log's own description. */
export function txnDetails(t: Pick<Txn, 'usage' | 'description' | 'type'>): string {
  const u = t.usage;
  if (u) {
    const op =
      u.tool === 'image.generate' ? `${resolutionLabel(u.operation)} image` : `${u.tool} ${u.operation}`;
    return `${u.quantity > 1 ? `${u.quantity} × ` : ''}${op}`;
  }
  return t.description;
}

function TxnRow({ t }: { t: Txn }) {
  return (
    <tr data-testid="txn-row">
      <td>{dateTime(t.created_at)}</td>
      <td>{TXN_TYPE_LABELS[t.type] ?? t.type}</td>
      <td>
        {txnDetails(t)}
        {t.usage && <span className="help block">{t.usage.tool}</span>}
      </td>
      <td>{sourcesSummary(t.sources)}</td>
      <td className={`num ${t.amount > 0 ? 'positive' : t.amount < 0 ? 'negative' : ''}`}>
        {signedCredits(t.amount)}
      </td>
      <td className="num">{t.balance_after}</td>
    </tr>
  );
}
