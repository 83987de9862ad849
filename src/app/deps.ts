/**
 * What every use case is handed: the store, the prices, the clock and the payment mode.
 * Passed explicitly (no globals), so a test builds a whole server from its own parts.
 */
import type { Catalog, Command } from '../core/index.ts';
import type { Store, WriteResult } from '../store/types.ts';
import type { Clock } from './clock.ts';

export type PaymentMode = 'development' | 'disabled';

export interface AppDeps {
  store: Store;
  catalog: Catalog;
  clock: Clock;
  payments: PaymentMode;
  /** How long a browser session lasts. */
  sessionTtlMs: number;
  /** Observes every ledger write (metrics); must not throw. */
  onWrite?: (cmd: Command | { type: 'create_org' }, result: WriteResult) => void;
}
