/**
 * Lives one demo org's planned year on the ledger, through the store, each operation at
 * its own time on one clock: members join, projects and budgets appear, the plan changes,
 * people generate (batches through a hold and a capture, like the generation API; single
 * images as one consume), and credits are bought the way the persona buys them, with a
 * pending purchase completed by the payment a little later.
 */
import {
  availableOf,
  balanceOf,
  type Catalog,
  type Command,
  findOperation,
  type Hold,
  type Purchase,
  type TierId,
  type Usage,
} from '../../core/index.ts';
import type { Store, WriteResult } from '../../store/types.ts';
import { UsageError } from '../args.ts';
import { DemoClock } from './clock.ts';
import type { Dice } from './dice.ts';
import type { Persona } from './personas.ts';
import type { Generation } from './sessions.ts';
import { planYear } from './year.ts';

const TOOL = 'image.generate';
const SECOND = 1000;

export interface OrgSummary {
  id: string;
  tier: TierId;
  balance: number;
  /** Credits charged for usage over the span. */
  used: number;
  generations: number;
  packs: number;
  /** Generations refused (a hard budget reached). */
  refused: number;
  /** Times a generation drew on the Enterprise credit line (each repaid by the next pack). */
  credit_line_draws: number;
  overage_limit: number;
}

export async function simulateOrg(
  store: Store,
  catalog: Catalog,
  o: { id: string; tier: TierId; persona: Persona; start: number; end: number; dice: Dice },
): Promise<OrgSummary> {
  const { id, persona, dice } = o;
  const created = await store.createOrg(
    { id, name: persona.name, tier: persona.signs_up_on, ...persona.contract },
    { now: o.start },
  );
  if (!created.ok)
    throw new UsageError(`${id} exists already: run demo with another --seed, or on a fresh database`);
  const clock = new DemoClock(o.start, o.end);
  const summary: OrgSummary = {
    id,
    tier: persona.signs_up_on,
    balance: 0,
    used: 0,
    generations: 0,
    packs: 0,
    refused: 0,
    credit_line_draws: 0,
    overage_limit: persona.contract?.overage_limit ?? 0,
  };
  let available = created.ok && created.balance ? created.balance.available : 0;

  const run = async (cmd: Command): Promise<WriteResult> => {
    const r = await store.execute(id, cmd, { now: clock.now });
    if (r.ok && r.balance) available = r.balance.available;
    return r;
  };
  const must = async <T>(cmd: Command): Promise<T> => {
    const r = await run(cmd);
    if (!r.ok) throw new Error(`demo ${id}: ${cmd.type} refused: ${r.error.code}: ${r.error.message}`);
    return r.result as T;
  };
  // `available` is as of the last write: a renewal since may have changed it, so read it again before deciding.
  const refresh = async () => {
    const s = await store.getOrg(id, clock.now);
    if (s) available = availableOf(s, clock.now);
  };
  const buy = async () => {
    const p = await must<Purchase>({ type: 'purchase_create', pack: persona.packs.pack });
    clock.after(20 * SECOND + dice.int(0, 60) * SECOND); // the person pays at checkout
    await must({ type: 'purchase_complete', purchase_id: p.id, payment_id: `pay_demo_${p.id}` });
    summary.packs++;
  };

  // A hard budget stops a person (that is what it is for); any other refusal is a bug in the demo.
  const refusedJobs = new Set<string>();
  const refusedByBudget = (r: WriteResult, g: Generation) => {
    if (r.ok) return;
    refusedJobs.add(g.job_id);
    if (r.error.code !== 'budget_exceeded')
      throw new Error(`demo ${id}: a generation was refused: ${r.error.code}: ${r.error.message}`);
    summary.refused++;
  };

  const members = new Map<string, string>();
  const projects = new Map<string, string>();
  const priceOf = (g: Generation) => {
    const op = findOperation(catalog, TOOL, g.operation);
    if (!op) throw new UsageError(`the demo needs the seed's ${TOOL} ${g.operation} in the catalog`);
    return op.credits;
  };

  for (const step of planYear(persona, dice, o.start, o.end)) {
    clock.to(step.at);
    if (clock.over) break;
    switch (step.kind) {
      case 'join': {
        const m = await must<{ id: string }>({
          type: 'add_member',
          email: `${step.person.name}@${o.tier}.demo`,
          role: step.person.role,
        });
        members.set(step.person.name, m.id);
        break;
      }
      case 'project':
        projects.set(step.name, (await must<{ id: string }>({ type: 'add_project', name: step.name })).id);
        break;
      case 'budget': {
        const b = step.budget;
        await must({
          type: 'set_budget',
          scope: b.scope,
          scope_id: b.scope === 'member' ? members.get(b.person)! : projects.get(b.project)!,
          limit: b.limit,
          enforcement: b.enforcement,
        });
        break;
      }
      case 'upgrade':
        await must({ type: 'change_tier', tier: step.tier });
        break;
      case 'generate': {
        const g = step.generation;
        // A person whose drafts were refused has nothing to finalize.
        const draft = g.metadata.draft_batch;
        if (typeof draft === 'string' && refusedJobs.has(draft)) break;
        const cost = priceOf(g) * g.quantity;
        // Out of credits: buy before generating, as a person at the paywall would.
        if (available < cost) await refresh();
        for (let tries = 0; available < cost && tries < 10; tries++) await buy();
        const usage: Usage = {
          tool: TOOL,
          operation: g.operation,
          quantity: g.quantity,
          member_id: members.get(g.person) ?? null,
          project_id: g.project === null ? null : (projects.get(g.project) ?? null),
          job_id: g.job_id,
          metadata: g.metadata,
        };
        let r: WriteResult;
        if (!g.batch) r = await run({ type: 'consume', usage });
        else {
          const h = await run({
            type: 'hold',
            items: [{ tool: TOOL, operation: g.operation, quantity: g.quantity }],
            ttl_seconds: 900,
            member_id: usage.member_id ?? null,
            project_id: usage.project_id ?? null,
          });
          if (!h.ok) {
            refusedByBudget(h, g);
            break;
          }
          const hold = h.result as Hold;
          const delivered = g.quantity - g.failed;
          clock.after(dice.int(15, 90) * SECOND); // rendering
          r = await run({
            type: 'capture',
            hold_id: hold.id,
            usage: { ...usage, quantity: delivered },
            ...(g.failed > 0
              ? { amount: (hold.amount / g.quantity) * delivered, quantity_stated: true }
              : {}),
          });
        }
        if (!r.ok) {
          refusedByBudget(r, g);
          break;
        }
        summary.generations++;
        for (const t of r.txns) if (t.type === 'usage') summary.used -= t.amount;
        if (available < 0) summary.credit_line_draws++;
        // Below the persona's cushion (or on the credit line): top up a few minutes later.
        if (available < 0 || (persona.packs.keep > 0 && available < persona.packs.keep)) {
          clock.after(dice.int(1, 15) * 60 * SECOND);
          await buy();
        }
        break;
      }
    }
  }
  await store.catchUp(id, o.end);
  const final = await store.getOrg(id, o.end);
  if (final) {
    summary.balance = balanceOf(final);
    summary.tier = final.subscription.tier;
  }
  return summary;
}
