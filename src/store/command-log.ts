/**
 * The command log (decision 0013): one compact row per ledger operation, appended in the
 * order the rules ran it. Committing that row is what makes an operation durable on SQLite;
 * everything else the operation changes (its org's state, transactions, usage cells,
 * history, idempotency record) is derived from it by running the same core `execute` again,
 * and written behind by the projection (logged-batches.ts). `log_marks.projected` is the
 * last position whose derived rows are written: recovery replays the log after it.
 *
 * A row holds what `execute` needs to decide the operation again: the org, the time it ran
 * at, the command (or the org to create), its idempotency key and a caller's fingerprint.
 */
import type { Command, CreateOrg } from '../core/index.ts';
import type { Op } from './batch.ts';
import { all, get, num, numOrNull, type Proc, run, runMany } from './sql.ts';

/** Where the log and its projection stand. */
export interface LogMarks {
  /** The last position appended (the projected mark when the log holds nothing newer). */
  head: number;
  /** The last position whose derived rows are written. */
  projected: number;
}

/** A logged operation as stored in `op`: short keys, since every byte is written per operation. */
interface StoredOp {
  /** The command, for an operation on an existing org. */
  c?: Command;
  /** The org to create. */
  n?: CreateOrg;
  /** Idempotency key. */
  k?: string;
  /** The caller's fingerprint of what the key stands for, when it gave one. */
  f?: string;
}

export function encodeOp(op: Op): string {
  const s: StoredOp = op.kind === 'exec' ? { c: op.cmd } : { n: op.create };
  if (op.opts.idempotencyKey !== undefined) s.k = op.opts.idempotencyKey;
  if (op.opts.fingerprint !== undefined) s.f = op.opts.fingerprint;
  return JSON.stringify(s);
}

export function decodeOp(orgId: string, at: number, text: string): Op {
  const s = JSON.parse(text) as StoredOp;
  const opts = {
    now: at,
    ...(s.k !== undefined ? { idempotencyKey: s.k } : {}),
    ...(s.f !== undefined ? { fingerprint: s.f } : {}),
  };
  if (s.c) return { kind: 'exec', orgId, cmd: s.c, opts };
  if (s.n) return { kind: 'create', orgId, create: s.n, opts };
  throw new Error(`command log row for ${orgId} at ${at} holds neither a command nor an org to create`);
}

export function* readMarks(): Proc<LogMarks> {
  const r = yield* get<{ head: unknown; projected: unknown }>(
    `SELECT (SELECT max(pos) FROM command_log) AS head, pos AS projected FROM log_marks WHERE name = 'projected'`,
  );
  if (!r) throw new Error('log_marks has no projected mark: the schema is incomplete');
  const projected = num(r.projected);
  return { head: Math.max(numOrNull(r.head) ?? 0, projected), projected };
}

/** Appends a batch's operations at positions first, first + 1, … */
export function* appendCommands(first: number, ops: Op[]): Proc<void> {
  yield* runMany(
    'INSERT INTO command_log (pos, org_id, at, op) VALUES (?, ?, ?, ?)',
    ops.map((o, i) => [first + i, o.orgId, o.opts.now, encodeOp(o)]),
  );
}

/** Up to `limit` logged operations after `after` and at most `upTo`, in order. */
export function* loadCommands(after: number, upTo: number, limit: number): Proc<{ pos: number; op: Op }[]> {
  const rows = yield* all<{ pos: unknown; org_id: string; at: unknown; op: string }>(
    'SELECT pos, org_id, at, op FROM command_log WHERE pos > ? AND pos <= ? ORDER BY pos LIMIT ?',
    after,
    upTo,
    limit,
  );
  return rows.map((r) => ({ pos: num(r.pos), op: decodeOp(r.org_id, num(r.at), r.op) }));
}

/**
 * Records that every position up to `pos` is projected, and drops those commands: the
 * projection now holds what they did, and recovery starts after it.
 */
export function* markProjected(pos: number): Proc<void> {
  yield* run(`UPDATE log_marks SET pos = ? WHERE name = 'projected'`, pos);
  yield* run('DELETE FROM command_log WHERE pos <= ?', pos);
}
