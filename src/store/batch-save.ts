/**
 * The one save path of the group commit, for both databases: load the batch's orgs (from
 * the cache when their row version has not moved) and idempotency records, run the batch
 * through the core (batch.ts), turn its change set into rows, write them, commit. An
 * operation whose rule code throws (a bug) fails alone and the batch is retried without
 * it, in a new transaction: the only retry policy of the store.
 */
import {
  type Archived,
  type Catalog,
  type Grant,
  type IdempotencyRecord,
  nextDueAt,
  type OrgState,
  type Purchase,
  purchaseLookups,
  type Transaction,
} from '../core/index.ts';
import {
  applyBatch,
  BatchAbort,
  type BatchChanges,
  type IdemRow,
  idemKey,
  type LoadedOrg,
  type Op,
  type StoredOutcome,
} from './batch.ts';
import type { BatchRows, IdempotencyRow, OrgRow, TxnRow } from './batch-rows.ts';
import type { Dialect } from './dialect.ts';
import { historyRows, lastOfEach } from './history-rows.ts';
import { openHolds } from './open-holds.ts';
import { seqOf } from './seq.ts';
import { all, inTransaction, type Proc, value } from './sql.ts';
import type { StateCache } from './state-cache.ts';
import { packTxn, unpackTxn } from './txn-rows.ts';
import type { WriteResult } from './types.ts';
import { rollUp } from './usage-rollup.ts';

export type { BatchRows, OrgRow, TxnRow };

/** A batch's answer per operation: its outcome, or the failure of a bug in rule code. */
export type Answer = WriteResult | Error;

/**
 * Turns a change set (one batch's, or the command log's unprojected tail) into the rows to
 * write, each kind sorted by its key so that writes walk the tables' indexes in order. The
 * orgs carry the versions to write (set by the caller).
 */
export function batchRows(changes: BatchChanges): BatchRows {
  const rows: BatchRows = {
    updated: [],
    created: [],
    txns: [],
    usage: rollUp(changes.txns),
    events: changes.events.map((e) => ({
      org_id: e.org_id,
      type: e.type,
      at: e.at,
      data: JSON.stringify(e.data),
    })),
    history: lastOfEach(changes.archived.flatMap((a) => historyRows(a.org_id, a.archived))),
    idempotency: [],
    members: [],
    changed: [...changes.orgs.keys()],
  };
  for (const [id, o] of changes.orgs) {
    const row = {
      id,
      version: o.version,
      due: nextDueAt(o.state),
      open: openHolds(o.state),
      state: JSON.stringify(o.state),
    };
    (o.isNew ? rows.created : rows.updated).push(row);
    if (o.membersChanged || o.isNew)
      rows.members.push({
        org_id: id,
        members: o.state.members.map((m) => ({ id: m.id, email: m.email, role: m.role })),
      });
  }
  for (const t of changes.txns) rows.txns.push(txnRow(t));
  rows.updated.sort(byId);
  rows.txns.sort((a, b) => (a.org_id < b.org_id ? -1 : a.org_id > b.org_id ? 1 : a.seq - b.seq));
  const seen = new Set<string>();
  for (const r of changes.idem) {
    const k = idemKey(r.org_id, r.key);
    if (seen.has(k)) continue;
    seen.add(k);
    rows.idempotency.push(idemRow(r));
  }
  return rows;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const txnRow = (t: Transaction): TxnRow => ({
  org_id: t.org_id,
  seq: seqOf(t.id)!,
  id: t.id,
  type: t.type,
  visible: t.visible,
  amount: t.amount,
  created_at: t.created_at,
  member_id: t.usage?.member_id ?? null,
  project_id: t.usage?.project_id ?? null,
  body: packTxn(t),
});

const idemRow = (r: IdemRow): IdempotencyRow => ({
  org_id: r.org_id,
  key: r.key,
  fingerprint: r.fingerprint,
  status: r.status,
  body: JSON.stringify(r.body),
  created_at: r.created_at,
});

export interface BatchContext {
  d: Dialect;
  cache: StateCache;
  catalog: Catalog;
}

/** Commits a batch; an operation whose rule code throws fails alone and the rest commit without it. */
export function* commitBatch(ctx: BatchContext, ops: Op[]): Proc<Answer[]> {
  const answers: Answer[] = new Array(ops.length);
  let pending = ops.map((op, i) => ({ op, i }));
  while (pending.length > 0) {
    const batch = pending.map((p) => p.op);
    try {
      const outcomes = yield* inTransaction(() => commitOnce(ctx, batch));
      pending.forEach((p, k) => {
        answers[p.i] = outcomes[k]!;
      });
      return answers;
    } catch (e) {
      if (!(e instanceof BatchAbort)) throw e;
      const bad = pending[e.index]!;
      answers[bad.i] = e.failure instanceof Error ? e.failure : new Error(String(e.failure));
      pending = pending.filter((_, k) => k !== e.index);
    }
  }
  return answers;
}

function* commitOnce({ d, cache, catalog }: BatchContext, ops: Op[]): Proc<WriteResult[]> {
  const ids = [...new Set(ops.map((o) => o.orgId))].sort();
  try {
    const rows = yield* d.loadOrgs(
      ids,
      ids.map((id) => cache.get(id)?.version ?? -1),
    );
    const loaded = new Map<string, LoadedOrg>();
    for (const r of rows) {
      if (r.state === null) loaded.set(r.id, cache.get(r.id)!);
      else {
        const fresh = { state: JSON.parse(r.state) as OrgState, version: r.version };
        cache.set(r.id, fresh);
        loaded.set(r.id, fresh);
      }
    }
    for (const id of ids) if (!loaded.has(id)) cache.delete(id);
    const idem = yield* loadIdempotency(d, ops);
    const archived = yield* loadArchivedPurchases(ops, loaded);

    const { outcomes, changes } = applyBatch(ops, loaded, idem, catalog, archived);
    for (const o of changes.orgs.values()) o.version += 1;
    const rowsToWrite = batchRows(changes);
    for (const [id, o] of changes.orgs) {
      const entry = loaded.get(id)!;
      entry.version = o.version;
      if (o.isNew) cache.set(id, entry);
    }
    yield* d.writeBatch(rowsToWrite, ops[ops.length - 1]!.opts.now);
    return outcomes;
  } catch (e) {
    // The transaction rolls back, but the cached states were changed in place: forget them.
    for (const id of ids) cache.delete(id);
    throw e;
  }
}

/**
 * Archived purchases (with their grants) that the batch's purchase commands name, by id or
 * by payment: the core decides a late confirmation or a refund of one as it did before it
 * left the state (core/archive.ts `restore`).
 */
export function* loadArchivedPurchases(
  ops: Op[],
  loaded: Map<string, LoadedOrg>,
): Proc<Map<string, Archived>> {
  const out = new Map<string, Archived>();
  for (const op of ops) {
    const look = op.kind === 'exec' ? purchaseLookups(op.cmd) : null;
    if (!look || !loaded.has(op.orgId)) continue;
    const purchases = (yield* all<{ body: string }>(
      `SELECT body FROM history WHERE org_id = ? AND kind = 'purchase' AND ((seq = ? AND id = ?) OR payment_id = ?)`,
      op.orgId,
      seqOf(look.purchase_id) ?? -1,
      look.purchase_id,
      look.payment_id,
    )).map((r) => JSON.parse(r.body) as Purchase);
    if (purchases.length === 0) continue;
    const grants: Grant[] = [];
    for (const p of purchases) {
      if (p.grant_id === null) continue;
      const body = yield* value<string>(
        `SELECT body FROM history WHERE org_id = ? AND kind = 'grant' AND seq = ? AND id = ?`,
        op.orgId,
        seqOf(p.grant_id) ?? -1,
        p.grant_id,
      );
      if (body !== null) grants.push(JSON.parse(body) as Grant);
    }
    const a = out.get(op.orgId) ?? { grants: [], holds: [], purchases: [] };
    a.purchases.push(...purchases);
    a.grants.push(...grants);
    out.set(op.orgId, a);
  }
  return out;
}

/** The batch's stored records, a record that points at a log transaction given its result back. */
export function* loadIdempotency(d: Dialect, ops: Op[]): Proc<Map<string, IdempotencyRecord>> {
  const idem = new Map<string, IdempotencyRecord>();
  const keys = ops
    .filter((o) => o.opts.idempotencyKey !== undefined)
    .map((o) => ({ org_id: o.orgId, key: o.opts.idempotencyKey! }));
  if (keys.length === 0) return idem;
  const refs: { org_id: string; body: StoredOutcome }[] = [];
  for (const r of yield* d.loadIdempotency(keys)) {
    const body = JSON.parse(r.body) as StoredOutcome;
    idem.set(idemKey(r.org_id, r.key), {
      key: r.key,
      fingerprint: r.fingerprint,
      status: r.status,
      body,
      created_at: r.created_at,
    });
    if (body.txn_ref !== undefined) refs.push({ org_id: r.org_id, body });
  }
  if (refs.length > 0) {
    const txns = yield* d.loadTransactions(
      refs.map((x) => ({ org_id: x.org_id, seq: seqOf(x.body.txn_ref!)! })),
    );
    const stored = new Map(txns.map((t) => [`${t.org_id}/${t.seq}`, t]));
    for (const x of refs) x.body.result = unpackTxn(stored.get(`${x.org_id}/${seqOf(x.body.txn_ref!)}`)!);
  }
  return idem;
}
