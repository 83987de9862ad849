/**
 * The Credits tab's filters live in the URL (shareable, back button works): `type`,
 * `member`, `project`, `from` and `to` (dates, UTC, both inclusive), and the page:
 * `after` (the cursor of the page shown) and `trail` (the cursors of the pages before it,
 * so "Previous" needs no backwards API). The API takes RFC 3339 times with `to` exclusive.
 */
export interface TxnQuery {
  type?: string;
  member_id?: string;
  project_id?: string;
  from?: string;
  to?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The API's filters for the URL's search string. */
export function txnQueryOf(search: string): TxnQuery {
  const p = new URLSearchParams(search);
  const q: TxnQuery = {};
  const type = p.get('type');
  if (type) q.type = type;
  const member = p.get('member');
  if (member) q.member_id = member;
  const project = p.get('project');
  if (project) q.project_id = project;
  const from = p.get('from');
  if (from && DAY.test(from)) q.from = `${from}T00:00:00Z`;
  const to = p.get('to');
  if (to && DAY.test(to)) q.to = nextDay(to);
  return q;
}

/** The start of the day after `day` (YYYY-MM-DD), as RFC 3339: `to` is exclusive in the API. */
export function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().replace('.000Z', 'Z');
}

/** The CSV export of exactly the filtered log (every page of it). */
export function csvHref(org: string, q: TxnQuery): string {
  const p = new URLSearchParams(q as Record<string, string>);
  const s = p.toString();
  return `/v1/orgs/${encodeURIComponent(org)}/transactions.csv${s ? `?${s}` : ''}`;
}

export interface PageState {
  after: string | null;
  trail: string[];
}

export function pageOf(search: string): PageState {
  const p = new URLSearchParams(search);
  const trail = (p.get('trail') ?? '').split(',').filter(Boolean);
  return { after: p.get('after') || null, trail };
}

/** The search string of the next page (after `cursor`), keeping the filters. */
export function nextSearch(search: string, cursor: string): string {
  const p = new URLSearchParams(search);
  const { after, trail } = pageOf(search);
  p.set('trail', [...trail, after ?? ''].join(','));
  p.set('after', cursor);
  if (p.get('trail') === '') p.delete('trail');
  return p.toString();
}

/** The search string of the page before, keeping the filters. */
export function previousSearch(search: string): string {
  const p = new URLSearchParams(search);
  const { trail } = pageOf(search);
  const prev = trail.pop();
  if (prev) p.set('after', prev);
  else p.delete('after');
  if (trail.length > 0) p.set('trail', trail.join(','));
  else p.delete('trail');
  return p.toString();
}
