/**
 * The cheap part of the usage audit inside insights: who consumes most (members, projects)
 * and what share of the credits went to each resolution (operation). The full audit by
 * tool, operation, member, project and day is `GET /v1/orgs/{org}/reports/usage`.
 */
import type { Catalog } from '../catalog.ts';
import { pct1 } from './efficiency.ts';

export interface UsageTotal {
  key: string;
  credits: number;
  count: number;
}

export interface Share extends UsageTotal {
  /** Percent of all credits in the range, one decimal. */
  share_pct: number;
}

const byCredits = (a: UsageTotal, b: UsageTotal) => b.credits - a.credits || (a.key < b.key ? -1 : 1);

/** The `limit` largest consumers with their share; "unassigned" (no member/project) is kept. */
export function topConsumers(rows: readonly UsageTotal[], limit: number): Share[] {
  const total = rows.reduce((s, r) => s + r.credits, 0);
  return [...rows]
    .sort(byCredits)
    .slice(0, limit)
    .map((r) => ({ ...r, share_pct: pct1(r.credits, total) }));
}

export interface ResolutionShare extends Share {
  tool: string;
  operation: string;
  /** The operation's parameters from the catalog (width and height for images). */
  params: Record<string, string | number>;
}

/** Rows keyed `tool/operation` (the usage report's operation grouping) → shares, largest first. */
export function resolutionShare(rows: readonly UsageTotal[], catalog: Catalog): ResolutionShare[] {
  const total = rows.reduce((s, r) => s + r.credits, 0);
  return [...rows].sort(byCredits).map((r) => {
    const slash = r.key.lastIndexOf('/');
    const tool = slash < 0 ? r.key : r.key.slice(0, slash);
    const operation = slash < 0 ? '' : r.key.slice(slash + 1);
    const params =
      catalog.tools.find((t) => t.id === tool)?.operations.find((o) => o.id === operation)?.params ?? {};
    return { ...r, tool, operation, params, share_pct: pct1(r.credits, total) };
  });
}
