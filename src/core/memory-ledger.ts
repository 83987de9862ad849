/**
 * The ledger held in memory: orgs, journal and idempotency records in plain maps. It is
 * the reference the stores are compared with and the harness the rule tests drive. It
 * does no I/O; the durable stores in src/store/ wrap the same `execute`.
 */
import { type Archived, noneArchived, restore } from './archive.ts';
import type { Catalog } from './catalog.ts';
import { DomainError, notFound } from './errors.ts';
import { decide, fingerprint, type IdempotencyRecord } from './idempotency.ts';
import type { DomainEvent, Transaction } from './journal.ts';
import { type Command, type CreateOrg, createOrg, execute } from './ledger.ts';
import { toRestore } from './purchase-lookups.ts';
import type { OrgState } from './state.ts';
import { verify } from './verify.ts';

export class MemoryLedger {
  readonly orgs = new Map<string, OrgState>();
  readonly journal: Transaction[] = [];
  readonly events: DomainEvent[] = [];
  /** What left each org's state (archive.ts), in the order it left: the store's history table. */
  readonly history = new Map<string, Archived>();
  private readonly keys = new Map<string, IdempotencyRecord>();

  constructor(readonly catalog: Catalog) {}

  createOrg(c: CreateOrg, now: number): OrgState {
    if (this.orgs.has(c.id)) throw new DomainError('conflict', `org ${c.id} exists`);
    const out = createOrg(c, now, this.catalog);
    if (!out.ok) throw out.error;
    this.orgs.set(c.id, out.state);
    this.keep(c.id, out.archived);
    this.journal.push(...out.txns);
    this.events.push(...out.events);
    return out.state;
  }

  org(id: string): OrgState {
    const s = this.orgs.get(id);
    if (!s) throw notFound('org', id);
    return s;
  }

  /** Runs a command; throws the DomainError of a refusal. With a key, runs it at most once. */
  run<T = unknown>(orgId: string, cmd: Command, now: number, idempotencyKey?: string): T {
    const state = this.org(orgId);
    let fp = '';
    if (idempotencyKey !== undefined) {
      fp = fingerprint(cmd);
      const d = decide(this.keys.get(`${orgId}\u0000${idempotencyKey}`), fp, now);
      if (!d.run) {
        if (d.replay.status !== 200) {
          const e = d.replay.body as { code: DomainError['code']; message: string };
          throw new DomainError(e.code, e.message, d.replay.body as Record<string, unknown>);
        }
        return structuredClone(d.replay.body) as T;
      }
    }
    this.restoreFor(orgId, cmd);
    const out = execute(state, cmd, now, this.catalog);
    this.keep(orgId, out.archived);
    this.journal.push(...out.txns);
    this.events.push(...out.events);
    if (idempotencyKey !== undefined) {
      this.keys.set(`${orgId}\u0000${idempotencyKey}`, {
        key: idempotencyKey,
        fingerprint: fp,
        status: out.ok ? 200 : 400,
        body: structuredClone(out.ok ? out.result : out.error.toJSON()),
        created_at: now,
      });
    }
    if (!out.ok) throw out.error;
    return structuredClone(out.result) as T;
  }

  /** What the store does before a purchase command: the purchase and its grant back from history. */
  private restoreFor(orgId: string, cmd: Command) {
    const h = this.history.get(orgId);
    const back = h ? toRestore(cmd, [h]) : null;
    if (back) restore(this.org(orgId), back);
  }

  /** History keeps the last version of each item (a restored purchase leaves again, changed). */
  private keep(orgId: string, a: Archived) {
    let h = this.history.get(orgId);
    if (!h) {
      h = noneArchived();
      this.history.set(orgId, h);
    }
    const put = <T extends { id: string }>(list: T[], xs: T[]) => {
      for (const x of xs) {
        const i = list.findIndex((y) => y.id === x.id);
        if (i >= 0) list[i] = x;
        else list.push(x);
      }
    };
    put(h.grants, a.grants);
    put(h.holds, a.holds);
    put(h.purchases, a.purchases);
  }

  /** Open and archived together, in creation order: every hold, grant or purchase the org ever had. */
  all(orgId: string) {
    const s = this.org(orgId);
    const h = this.history.get(orgId) ?? noneArchived();
    const bySeq = <T extends { id: string }>(xs: T[]) =>
      xs.sort(
        (a, b) =>
          parseInt(a.id.slice(a.id.lastIndexOf('_') + 1), 36) -
          parseInt(b.id.slice(b.id.lastIndexOf('_') + 1), 36),
      );
    return {
      grants: bySeq([...h.grants, ...s.grants]),
      holds: bySeq([...h.holds, ...s.holds]),
      purchases: bySeq([...h.purchases, ...s.purchases]),
    };
  }

  transactions(orgId: string, visibleOnly = true): Transaction[] {
    return this.journal.filter((t) => t.org_id === orgId && (!visibleOnly || t.visible));
  }

  verify() {
    return verify([...this.orgs.values()], this.journal, this.history);
  }
}
