/**
 * One batch of the group commit, with no I/O: given the states of the orgs it touches
 * (loaded, and on PostgreSQL locked, by the adapter) and their idempotency records, it
 * runs each operation through the core's `execute` in arrival order and collects what
 * must be persisted. Domain refusals are ordinary outcomes; only a programmer error
 * (an exception that is not a DomainError) aborts the batch so the adapter can retry
 * it without the operation that caused it.
 */
import {
  type Archived,
  availableOf,
  BatchBalances,
  balanceOf,
  type Catalog,
  type Command,
  type CreateOrg,
  createOrg,
  DomainError,
  type DomainEvent,
  decide,
  execute,
  fingerprint,
  heldOf,
  type IdempotencyRecord,
  isDomainError,
  type OrgState,
  purchaseLookups,
  restore,
  type Transaction,
  toRestore,
} from '../core/index.ts';
import type { WriteOptions, WriteResult } from './types.ts';

/** Commands that change who is a member, with what email or role: org_members follows them. */
export const MEMBER_COMMANDS = new Set<Command['type']>([
  'add_member',
  'remove_member',
  'transfer_ownership',
  'change_member_email',
]);

export type Op =
  | { kind: 'exec'; orgId: string; cmd: Command; opts: WriteOptions }
  | { kind: 'create'; orgId: string; create: CreateOrg; opts: WriteOptions };

export interface LoadedOrg {
  state: OrgState;
  /**
   * Tells whether a cached copy is current: PostgreSQL increments it on every persist;
   * SQLite gives the position of the last logged operation that changed the org.
   */
  version: number;
  /** SQLite's writer: the epoch in which this copy was last checked against its row (logged-batches.ts). */
  checked?: number;
}

export interface IdemRow extends IdempotencyRecord {
  org_id: string;
}

export interface DirtyOrg extends LoadedOrg {
  isNew: boolean;
  membersChanged: boolean;
}

export interface BatchChanges {
  orgs: Map<string, DirtyOrg>;
  txns: Transaction[];
  events: DomainEvent[];
  /** What left the orgs' states (core/archive.ts), for the history table. */
  archived: { org_id: string; archived: Archived }[];
  idem: IdemRow[];
}

export class BatchAbort extends Error {
  constructor(
    readonly index: number,
    readonly failure: unknown,
  ) {
    super(`operation ${index} of the batch failed: ${String(failure)}`);
  }
}

const idemKey = (orgId: string, key: string) => `${orgId}\u0000${key}`;

/**
 * What a stored outcome looks like: JSON-safe and replayable. A result that is a
 * transaction of the log is stored as a reference to it (`txn_ref`), not a second copy:
 * the adapter puts the transaction back into `result` when it loads the record.
 */
export interface StoredOutcome {
  ok: boolean;
  result?: unknown;
  txn_ref?: string;
  error?: { code: DomainError['code']; message: string; extra: Record<string, unknown> };
}

function replay(rec: IdempotencyRecord): WriteResult {
  const body = rec.body as StoredOutcome;
  if (body.ok) return { ok: true, result: body.result, txns: [], replayed: true, balance: null };
  const e = body.error!;
  const error = new DomainError(e.code, e.message, e.extra);
  error.replayed = true;
  return { ok: false, error, replayed: true };
}

export function applyBatch(
  ops: Op[],
  loaded: Map<string, LoadedOrg>,
  idem: Map<string, IdempotencyRecord>,
  catalog: Catalog,
  /** Archived purchases and their grants that the batch's purchase commands may need (batch-save.ts). */
  fromTable: Map<string, Archived> = new Map(),
): { outcomes: WriteResult[]; changes: BatchChanges } {
  const changes: BatchChanges = { orgs: new Map(), txns: [], events: [], archived: [], idem: [] };
  const outcomes: WriteResult[] = [];
  // Assertion (core/invariants.ts): each org's balance moves by exactly its journal.
  const balances = new BatchBalances();
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    try {
      outcomes.push(applyOne(op, loaded, idem, catalog, changes, balances, fromTable));
    } catch (e) {
      throw new BatchAbort(i, e);
    }
  }
  balances.close(
    Array.from(changes.orgs.values(), (o) => o.state),
    changes.txns,
  );
  return { outcomes, changes };
}

function applyOne(
  op: Op,
  loaded: Map<string, LoadedOrg>,
  idem: Map<string, IdempotencyRecord>,
  catalog: Catalog,
  changes: BatchChanges,
  balances: BatchBalances,
  fromTable: Map<string, Archived>,
): WriteResult {
  const { opts } = op;
  let fp = '';
  if (opts.idempotencyKey !== undefined) {
    fp = opts.fingerprint ?? fingerprint(op.kind === 'exec' ? op.cmd : op.create);
    try {
      const d = decide(idem.get(idemKey(op.orgId, opts.idempotencyKey)), fp, opts.now);
      if (!d.run) return replay(d.replay);
    } catch (e) {
      if (isDomainError(e)) return { ok: false, error: e, replayed: false };
      throw e;
    }
  }

  let outcome: WriteResult;
  let entry = loaded.get(op.orgId);
  if (op.kind === 'create') {
    if (entry) {
      outcome = {
        ok: false,
        error: new DomainError('conflict', `org ${op.orgId} already exists`),
        replayed: false,
      };
    } else {
      const out = createOrg(op.create, opts.now, catalog);
      if (out.ok) {
        balances.touch(out.state, 0);
        entry = { state: out.state, version: 0 };
        loaded.set(op.orgId, entry);
        changes.orgs.set(op.orgId, { ...entry, isNew: true, membersChanged: false });
        changes.txns.push(...out.txns);
        changes.events.push(...out.events);
        changes.archived.push({ org_id: op.orgId, archived: out.archived });
        outcome = {
          ok: true,
          result: structuredClone(out.state),
          txns: out.txns,
          replayed: false,
          balance: snapshot(out.state, opts.now),
        };
      } else {
        outcome = { ok: false, error: out.error, replayed: false };
      }
    }
  } else if (!entry) {
    outcome = {
      ok: false,
      error: new DomainError('not_found', `org ${op.orgId} not found`),
      replayed: false,
    };
  } else {
    balances.touch(entry.state);
    // Putting an archived purchase back must not move the balance: the batch check sees it.
    restoreFor(entry.state, op, changes, fromTable);
    const out = execute(entry.state, op.cmd, opts.now, catalog);
    // Events count as changes: a threshold that time alone crossed disarms with its alert.
    const archived = out.archived.grants.length + out.archived.holds.length + out.archived.purchases.length;
    if (out.txns.length > 0 || out.events.length > 0 || archived > 0 || out.ok) {
      const dirty = changes.orgs.get(op.orgId);
      const membersChanged = MEMBER_COMMANDS.has(op.cmd.type);
      if (dirty) dirty.membersChanged ||= membersChanged;
      else changes.orgs.set(op.orgId, { ...entry, isNew: false, membersChanged });
    }
    changes.txns.push(...out.txns);
    changes.events.push(...out.events);
    if (archived > 0) changes.archived.push({ org_id: op.orgId, archived: out.archived });
    outcome = out.ok
      ? {
          ok: true,
          // Results may point into the live state, which later operations keep changing.
          result:
            out.result === null ||
            typeof out.result !== 'object' ||
            out.txns.includes(out.result as Transaction)
              ? out.result
              : structuredClone(out.result),
          txns: out.txns,
          replayed: false,
          balance: snapshot(entry.state, opts.now),
        }
      : { ok: false, error: out.error, replayed: false };
  }

  if (opts.idempotencyKey !== undefined) {
    const stored: StoredOutcome = outcome.ok
      ? outcome.txns.includes(outcome.result as Transaction)
        ? { ok: true, txn_ref: (outcome.result as Transaction).id }
        : { ok: true, result: outcome.result }
      : {
          ok: false,
          error: { code: outcome.error.code, message: outcome.error.message, extra: outcome.error.extra },
        };
    const rec: IdemRow = {
      org_id: op.orgId,
      key: opts.idempotencyKey,
      fingerprint: fp,
      status: outcome.ok ? 200 : 400,
      body: stored,
      created_at: opts.now,
    };
    // Within this batch the record answers replays directly, with the result in hand.
    idem.set(idemKey(op.orgId, opts.idempotencyKey), {
      ...rec,
      body: { ok: outcome.ok, result: outcome.ok ? outcome.result : undefined, error: stored.error },
    });
    changes.idem.push(rec);
    // An org must exist to own a key: a refused create or an unknown org records nothing.
    if (!loaded.has(op.orgId)) changes.idem.pop();
  }
  return outcome;
}

/**
 * Puts back the archived purchase (and its grant) a purchase command names, as it last
 * left: from this batch's own archive if it left here, else as loaded from the table.
 */
function restoreFor(
  state: OrgState,
  op: Op & { kind: 'exec' },
  changes: BatchChanges,
  archived: Map<string, Archived>,
) {
  if (purchaseLookups(op.cmd) === null) return;
  const sources: Archived[] = [];
  const loadedHere = archived.get(op.orgId);
  if (loadedHere) sources.push(loadedHere);
  for (const a of changes.archived) if (a.org_id === op.orgId) sources.push(a.archived);
  const back = toRestore(op.cmd, sources);
  if (back) restore(state, back);
}

function snapshot(state: OrgState, now: number) {
  return { balance: balanceOf(state), held: heldOf(state), available: availableOf(state, now) };
}

export { idemKey };
