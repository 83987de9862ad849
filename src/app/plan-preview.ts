/**
 * The preview of a plan change: the core's own rules run on the org as loaded now, on a
 * copy, and nothing is written. The Plan page shows it before a person confirms.
 */
import { type PlanPreview, type PlanPreviewRequest, previewPlanChange } from '../core/index.ts';
import type { AppDeps } from './deps.ts';
import { loadOrg } from './ledger.ts';

export async function previewPlan(
  deps: AppDeps,
  orgId: string,
  req: PlanPreviewRequest,
): Promise<PlanPreview> {
  const state = await loadOrg(deps, orgId);
  return previewPlanChange(state, req, deps.clock.now(), deps.catalog);
}
