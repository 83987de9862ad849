/**
 * What every use case is handed: the store, the prices, the clock and the payment mode.
 * Passed explicitly (no globals), so a test builds a whole server from its own parts.
 */
import type { Catalog, Command } from '../core/index.ts';
import type { Mailer } from '../notifications/mailer.ts';
import type { PaymentProvider } from '../payments/provider.ts';
import type { Store, WriteResult } from '../store/types.ts';
import type { ApiKeyCache } from './api-key-cache.ts';
import type { Clock } from './clock.ts';
import type { HashingQueue } from './hashing-queue.ts';

export type PaymentMode = 'development' | 'disabled' | 'stripe';

/** What leaves the ledger: webhooks and email (see ../notifications). */
export interface NotifyOptions {
  /** Null keeps emails in the outbox (status `stored`). */
  mailer: Mailer | null;
  webhookTimeoutMs: number;
  /** Webhook targets on this machine or private networks (never in production). */
  allowPrivateTargets: boolean;
}

/** How mail to one person about their account is sent (see account-mail.ts). */
export interface AccountMailOptions {
  mailer: Mailer;
  /** Where links in the mail point (AMISI_PUBLIC_URL). */
  publicUrl: string;
}

export interface AppDeps {
  store: Store;
  catalog: Catalog;
  clock: Clock;
  payments: PaymentMode;
  /** How long a browser session lasts. */
  sessionTtlMs: number;
  /** The payment provider (absent: the development provider, unless payments are disabled). */
  provider?: PaymentProvider;
  /** Webhook and email settings (absent: no SMTP, private targets allowed, 10 s timeout). */
  notify?: NotifyOptions;
  /** Mail to one person with a token in it (verification, invitations); absent: none can be sent. */
  accountMail?: AccountMailOptions;
  /** Recently used API keys (absent: every request reads its key from the store). */
  apiKeys?: ApiKeyCache;
  /**
   * Bounds the password hashing anonymous callers can cause (sign-in, sign-up). The server
   * always has one; absent (the CLI, which signs nobody in), hashes run unbounded.
   */
  hashing?: HashingQueue;
  /** log2 of scrypt's N for new password hashes (absent: PASSWORD_HASH_COST, 15; see passwords.ts). */
  passwordHashCost?: number;
  /** Where the server is reached from outside (AMISI_PUBLIC_URL): receipt links point there. */
  publicUrl?: string;
  /** Observes every ledger write (metrics); must not throw. */
  onWrite?: (cmd: Command | { type: 'create_org' }, result: WriteResult) => void;
}
