/** Creating orgs: on Free with its 5 credits, or (operator) directly on a paid tier. */
import { type CreateOrg, DomainError, type OrgState, type TierId } from '../core/index.ts';
import type { AppDeps } from './deps.ts';
import { randomId } from './ids.ts';

export interface NewOrg {
  /** Chosen by the caller when it must name the org before it exists (sign-up's first org). */
  id?: string | undefined;
  name: string;
  tier?: TierId | undefined;
  allocation?: number | undefined;
  rollover_cap?: number | undefined;
  overage_limit?: number | undefined;
}

export async function createOrg(deps: AppDeps, req: NewOrg): Promise<OrgState> {
  const c: CreateOrg = { id: req.id ?? randomId('org'), name: req.name, tier: req.tier ?? 'free' };
  if (req.allocation !== undefined) c.allocation = req.allocation;
  if (req.rollover_cap !== undefined) c.rollover_cap = req.rollover_cap;
  if (req.overage_limit !== undefined) c.overage_limit = req.overage_limit;
  const r = await deps.store.createOrg(c, { now: deps.clock.now() });
  deps.onWrite?.({ type: 'create_org' }, r);
  if (!r.ok) throw r.error;
  const state = r.result as OrgState;
  if (!state || state.id !== c.id) throw new DomainError('conflict', 'the org could not be created');
  return state;
}
