/**
 * Store logic written once, run on either database. A procedure is a generator that
 * yields the statements it needs and receives their results; a driver runs it. SQLite's
 * driver (sql-sqlite.ts) is synchronous, so a procedure runs start to finish inside the
 * writer thread without yielding the event loop; PostgreSQL's (sql-postgres.ts) awaits
 * each round trip. The procedure itself cannot tell the difference, so the rules of the
 * store (what a batch writes, how a key is reserved, how a list is paged) exist once.
 *
 * SQL is written with `?` placeholders (PostgreSQL's driver numbers them) and booleans as
 * JavaScript booleans (SQLite's driver sends 1 and 0). What truly differs between the two
 * (locking, bulk writes, a few functions) is in `Dialect` (dialect.ts).
 */

export type Row = Record<string, unknown>;

export interface Result {
  rows: Row[];
  /** Rows written by an INSERT, UPDATE or DELETE (for a SELECT: rows returned). */
  changes: number;
}

export type Step =
  | { kind: 'query'; sql: string; args: unknown[] }
  /** One statement run once per argument list (SQLite reuses the compiled statement). */
  | { kind: 'many'; sql: string; rows: unknown[][] }
  /** Statements without parameters, run as one script (migrations). */
  | { kind: 'script'; sql: string }
  /**
   * A nested procedure run in one transaction; a failure rolls it back and is thrown into
   * the caller. `waitForDisk: false` lets SQLite commit it without an fsync (only the command
   * log's projections ask: see logged-batches.ts); PostgreSQL, where no projection runs,
   * commits every transaction alike.
   */
  | { kind: 'tx'; body: () => Proc<unknown>; waitForDisk?: boolean };

export type Proc<T> = Generator<Step, T, unknown>;

export function* query(sql: string, ...args: unknown[]): Proc<Result> {
  return (yield { kind: 'query', sql, args }) as Result;
}

export function* all<T = Row>(sql: string, ...args: unknown[]): Proc<T[]> {
  return (yield* query(sql, ...args)).rows as T[];
}

export function* get<T = Row>(sql: string, ...args: unknown[]): Proc<T | undefined> {
  return (yield* all<T>(sql, ...args))[0];
}

/** The first column of the first row (a count, a max), or null. */
export function* value<T>(sql: string, ...args: unknown[]): Proc<T | null> {
  const row = yield* get(sql, ...args);
  if (!row) return null;
  const v = Object.values(row)[0];
  return (v ?? null) as T | null;
}

export function* run(sql: string, ...args: unknown[]): Proc<number> {
  return (yield* query(sql, ...args)).changes;
}

export function* runMany(sql: string, rows: unknown[][]): Proc<number> {
  if (rows.length === 0) return 0;
  return (yield { kind: 'many', sql, rows }) as number;
}

export function* script(sql: string): Proc<void> {
  yield { kind: 'script', sql };
}

export function* inTransaction<T>(body: () => Proc<T>, opts: { waitForDisk?: boolean } = {}): Proc<T> {
  return (yield { kind: 'tx', body, ...opts }) as T;
}

/** What the last step gave the procedure: its result, or its failure (thrown into it). */
type Given = { ok: true; v: unknown } | { ok: false; e: unknown };
const resume = <T>(proc: Proc<T>, g: Given) => (g.ok ? proc.next(g.v) : proc.throw(g.e));

/** Runs a procedure whose every step `exec` answers synchronously (SQLite). */
export function runSync<T>(proc: Proc<T>, exec: (step: Step) => unknown): T {
  for (let g: Given = { ok: true, v: undefined }; ; ) {
    const r: IteratorResult<Step, T> = resume(proc, g);
    if (r.done) return r.value;
    try {
      g = { ok: true, v: exec(r.value) };
    } catch (e) {
      g = { ok: false, e };
    }
  }
}

/** Runs a procedure whose steps `exec` answers asynchronously (PostgreSQL). */
export async function runAsync<T>(proc: Proc<T>, exec: (step: Step) => Promise<unknown>): Promise<T> {
  for (let g: Given = { ok: true, v: undefined }; ; ) {
    const r: IteratorResult<Step, T> = resume(proc, g);
    if (r.done) return r.value;
    g = await exec(r.value).then(
      (v): Given => ({ ok: true, v }),
      (e): Given => ({ ok: false, e }),
    );
  }
}

/** Numbers stored as bigint or numeric arrive as strings from some drivers: times and counts are numbers here. */
export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
