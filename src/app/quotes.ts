/**
 * A quote prices some work before it runs and says whether it would go through now:
 * enough credits, and room in every hard budget it would count against. Read-only: it
 * reserves nothing (a hold does), so a later charge can still be refused.
 */
import {
  availableOf,
  budgetHeld,
  type Catalog,
  findOperation,
  invalid,
  notFound,
  type OrgState,
  type PricedItem,
  priceOf,
  rollBudget,
  spendable,
} from '../core/index.ts';
import type { AppDeps } from './deps.ts';
import { loadOrg } from './ledger.ts';

export interface QuoteRequest {
  items: { tool: string; operation: string; quantity?: number | undefined }[];
  member_id?: string | undefined;
  project_id?: string | undefined;
}

export interface Quote {
  total: number;
  items: (PricedItem & { credits: number })[];
  available: number;
  affordable: boolean;
  budget_ok: boolean;
}

/** Unknown tools and operations are a bad request (named by field), not a missing resource. */
export function checkOperation(catalog: Catalog, tool: string, operation: string, field: string) {
  if (!catalog.tools.some((t) => t.id === tool))
    throw invalid(`${field}tool: unknown tool ${tool}`, { field: `${field}tool` });
  if (!findOperation(catalog, tool, operation))
    throw invalid(`${field}operation: tool ${tool} has no operation ${operation}`, {
      field: `${field}operation`,
    });
}

export async function quote(deps: AppDeps, orgId: string, req: QuoteRequest): Promise<Quote> {
  const now = deps.clock.now();
  const state = await loadOrg(deps, orgId);
  const items = req.items.map((it, i) => {
    checkOperation(deps.catalog, it.tool, it.operation, `items[${i}].`);
    const item = { tool: it.tool, operation: it.operation, quantity: it.quantity ?? 1 };
    return { ...item, credits: priceOf(deps.catalog, [item]) };
  });
  const total = priceOf(deps.catalog, items);
  const member = req.member_id ?? null;
  const project = req.project_id ?? null;
  if (member !== null && !state.members.some((m) => m.id === member)) throw notFound('member', member);
  if (project !== null && !state.projects.some((p) => p.id === project)) throw notFound('project', project);
  return {
    total,
    items,
    available: availableOf(state, now),
    affordable: total <= spendable(state, now),
    budget_ok: budgetsAllow(state, total, member, project, now),
  };
}

function budgetsAllow(
  state: OrgState,
  amount: number,
  member: string | null,
  project: string | null,
  now: number,
) {
  for (const b of state.budgets) {
    const applies =
      (b.scope === 'member' && member !== null && b.scope_id === member) ||
      (b.scope === 'project' && project !== null && b.scope_id === project);
    if (!applies || b.enforcement !== 'hard') continue;
    const copy = structuredClone(b); // rolling a budget into a new period must not touch the store's state
    rollBudget(state, copy, now);
    if (copy.spent + budgetHeld(state, copy) + amount > copy.limit) return false;
  }
  return true;
}
