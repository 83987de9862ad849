/**
 * Every write of the store outside the ledger's batches, by name, so that SQLite's writer
 * thread can run it (a function cannot cross to another thread; its name and plain
 * arguments can). PostgreSQL runs the same procedures on its pool.
 */
import { authWrites } from './auth-repo.ts';
import type { Dialect } from './dialect.ts';
import { outboxWrites } from './outbox-repo.ts';
import { retentionWrites } from './retention.ts';
import type { Proc } from './sql.ts';

export const WRITES = { ...authWrites, ...outboxWrites, ...retentionWrites };

export type WriteName = keyof typeof WRITES;
type Params<F> = F extends (d: Dialect, ...args: infer A) => Proc<unknown> ? A : never;
type Returns<F> = F extends (...args: never[]) => Proc<infer R> ? R : never;
export type WriteArgs<K extends WriteName> = Params<(typeof WRITES)[K]>;
export type WriteResultOf<K extends WriteName> = Returns<(typeof WRITES)[K]>;

/** The procedure a write names, with its arguments. */
export function writeProc<K extends WriteName>(
  d: Dialect,
  name: K,
  args: WriteArgs<K>,
): Proc<WriteResultOf<K>> {
  const f = WRITES[name] as unknown as (d: Dialect, ...a: unknown[]) => Proc<WriteResultOf<K>>;
  return f(d, ...(args as unknown[]));
}
