/** What a rule needs while it runs: the org being changed, the time, the prices, and the output. */
import type { Catalog } from './catalog.ts';
import type { DomainEvent, Transaction } from './journal.ts';
import type { OrgState } from './state.ts';

export interface Ctx {
  state: OrgState;
  now: number;
  catalog: Catalog;
  txns: Transaction[];
  events: DomainEvent[];
}

export function emit(ctx: Ctx, type: string, data: Record<string, unknown>, at = ctx.now) {
  ctx.events.push({ type, org_id: ctx.state.id, at, data });
}
