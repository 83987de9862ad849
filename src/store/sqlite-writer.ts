/**
 * The SQLite write path: one batch in one `BEGIN IMMEDIATE … COMMIT`. It runs inside the
 * writer thread (sqlite-worker.ts) so the fsync of a commit never blocks the thread that
 * serves HTTP, or inline for in-memory databases. Org states are cached and checked
 * against their row version at the start of every batch, so another process (the CLI)
 * may write the same file.
 */
import type Database from 'better-sqlite3';
import {
  type Catalog,
  DomainError,
  type IdempotencyRecord,
  nextDueAt,
  type OrgState,
  type Transaction,
} from '../core/index.ts';
import {
  applyBatch,
  BatchAbort,
  type IdemRow,
  idemKey,
  type LoadedOrg,
  type Op,
  type StoredOutcome,
} from './batch.ts';
import { openHolds } from './open-holds.ts';
import { seqOf } from './seq.ts';
import { StateCache } from './state-cache.ts';
import type { WriteResult } from './types.ts';
import { rollUp } from './usage-rollup.ts';

/** A batch's answer per operation: its outcome, or the failure of a bug in rule code. */
export type Answer = WriteResult | Error;

function statements(db: Database.Database) {
  return {
    orgVersion: db.prepare('SELECT version FROM orgs WHERE id = ?').pluck(),
    orgRow: db.prepare('SELECT state, version FROM orgs WHERE id = ?'),
    insertOrg: db.prepare(
      'INSERT INTO orgs (id, version, next_due_at, state, created_at, updated_at, open_holds) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    updateOrg: db.prepare(
      'UPDATE orgs SET version = ?, next_due_at = ?, state = ?, updated_at = ?, open_holds = ? WHERE id = ?',
    ),
    idem: db.prepare(
      'SELECT key, fingerprint, status, body, created_at FROM idempotency WHERE org_id = ? AND key = ?',
    ),
    insertIdem: db.prepare('INSERT OR REPLACE INTO idempotency VALUES (?, ?, ?, ?, ?, ?)'),
    insertTxn: db.prepare('INSERT INTO transactions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    upsertUsage: db.prepare(
      `INSERT INTO usage_daily VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET credits = credits + excluded.credits, count = count + excluded.count`,
    ),
    insertEvent: db.prepare('INSERT INTO events (org_id, type, at, data) VALUES (?, ?, ?, ?)'),
    txnBody: db.prepare('SELECT body FROM transactions WHERE org_id = ? AND seq = ?').pluck(),
    deleteMembers: db.prepare('DELETE FROM org_members WHERE org_id = ?'),
    insertMember: db.prepare('INSERT INTO org_members VALUES (?, ?, ?, ?)'),
  };
}

export class SqliteWriter {
  private readonly cache: StateCache;
  private readonly s: ReturnType<typeof statements>;

  constructor(
    private readonly db: Database.Database,
    private readonly catalog: Catalog,
    cachedOrgs?: number,
  ) {
    this.s = statements(db);
    this.cache = new StateCache(cachedOrgs);
  }

  /** Commits a batch; an operation whose rule code throws fails alone and the rest commit without it. */
  commit(ops: Op[]): Answer[] {
    const answers: Answer[] = new Array(ops.length);
    let pending = ops.map((op, i) => ({ op, i }));
    while (pending.length > 0) {
      try {
        const outcomes = this.commitOnce(pending.map((p) => p.op));
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

  /** Current state of an org inside the write transaction: the cache if its version still matches. */
  private load(orgId: string): LoadedOrg | undefined {
    const cached = this.cache.get(orgId);
    const version = this.s.orgVersion.get(orgId) as number | undefined;
    if (version === undefined) {
      this.cache.delete(orgId);
      return undefined;
    }
    if (cached && cached.version === version) return cached;
    const row = this.s.orgRow.get(orgId) as { state: string; version: number };
    const fresh = { state: JSON.parse(row.state) as OrgState, version: row.version };
    this.cache.set(orgId, fresh);
    return fresh;
  }

  private commitOnce(ops: Op[]): WriteResult[] {
    const touched = new Set(ops.map((o) => o.orgId));
    try {
      return this.db
        .transaction(() => {
          const loaded = new Map<string, LoadedOrg>();
          for (const id of touched) {
            const l = this.load(id);
            if (l) loaded.set(id, l);
          }
          const idem = new Map<string, IdempotencyRecord>();
          for (const op of ops) {
            const key = op.opts.idempotencyKey;
            if (key === undefined) continue;
            const row = this.s.idem.get(op.orgId, key) as
              | { key: string; fingerprint: string; status: number; body: string; created_at: number }
              | undefined;
            if (row) {
              const body = JSON.parse(row.body) as StoredOutcome;
              if (body.txn_ref !== undefined)
                body.result = JSON.parse(this.s.txnBody.get(op.orgId, seqOf(body.txn_ref)) as string);
              idem.set(idemKey(op.orgId, key), { ...row, body });
            }
          }
          const { outcomes, changes } = applyBatch(ops, loaded, idem, this.catalog);
          const now = ops[ops.length - 1]!.opts.now;
          for (const [id, o] of changes.orgs) {
            o.version += 1;
            const json = JSON.stringify(o.state);
            const open = openHolds(o.state);
            if (o.isNew) this.s.insertOrg.run(id, o.version, nextDueAt(o.state), json, now, now, open);
            else this.s.updateOrg.run(o.version, nextDueAt(o.state), json, now, open, id);
            const cached = loaded.get(id)!;
            cached.version = o.version;
            if (o.isNew) this.cache.set(id, cached);
            if (o.membersChanged || o.isNew) {
              this.s.deleteMembers.run(id);
              for (const m of o.state.members) this.s.insertMember.run(id, m.id, m.email, m.role);
            }
          }
          for (const t of changes.txns) this.insertTxn(t);
          for (const c of rollUp(changes.txns))
            this.s.upsertUsage.run(
              c.org_id,
              c.day,
              c.tool,
              c.operation,
              c.member_id,
              c.project_id,
              c.credits,
              c.count,
            );
          for (const e of changes.events)
            this.s.insertEvent.run(e.org_id, e.type, e.at, JSON.stringify(e.data));
          for (const r of changes.idem) this.insertIdem(r);
          return outcomes;
        })
        .immediate();
    } catch (e) {
      // The transaction rolled back, but the cached states were changed in place: forget them.
      for (const id of touched) this.cache.delete(id);
      throw e;
    }
  }

  private insertTxn(t: Transaction) {
    this.s.insertTxn.run(
      t.org_id,
      seqOf(t.id)!,
      t.type,
      t.visible ? 1 : 0,
      t.amount,
      t.created_at,
      t.usage?.member_id ?? null,
      t.usage?.project_id ?? null,
      JSON.stringify(t),
    );
  }

  private insertIdem(r: IdemRow) {
    this.s.insertIdem.run(r.org_id, r.key, r.fingerprint, r.status, JSON.stringify(r.body), r.created_at);
  }
}

/** Answers cross the thread boundary as plain data; DomainError and Error are rebuilt on arrival. */
export type WireAnswer =
  | { t: 'ok'; v: Extract<WriteResult, { ok: true }> }
  | {
      t: 'refused';
      code: DomainError['code'];
      message: string;
      extra: Record<string, unknown>;
      replayed: boolean;
    }
  | { t: 'failed'; message: string };

export function toWire(a: Answer): WireAnswer {
  if (a instanceof Error) return { t: 'failed', message: a.message };
  if (a.ok) return { t: 'ok', v: a };
  return {
    t: 'refused',
    code: a.error.code,
    message: a.error.message,
    extra: a.error.extra,
    replayed: a.replayed,
  };
}

export function fromWire(w: WireAnswer): Answer {
  if (w.t === 'ok') return w.v;
  if (w.t === 'failed') return new Error(w.message);
  return { ok: false, error: new DomainError(w.code, w.message, w.extra), replayed: w.replayed };
}
