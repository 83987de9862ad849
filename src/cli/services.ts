/** The payment provider and notification settings a CLI command needs, from the config. */
import type { AppDeps } from '../app/deps.ts';
import type { Config } from '../config/config.ts';
import { smtpMailer } from '../notifications/mailer.ts';
import { providerFromConfig } from '../payments/index.ts';
import type { Store } from '../store/types.ts';

export function cliDeps(config: Config, store: Store, at: number): AppDeps {
  const deps: AppDeps = {
    store,
    catalog: config.catalog,
    clock: { manual: false, now: () => at },
    payments: config.payments,
    sessionTtlMs: config.session_ttl_seconds * 1000,
    publicUrl: config.public_url,
    notify: {
      mailer: config.notifications.smtp_url
        ? smtpMailer(config.notifications.smtp_url, config.notifications.email_from)
        : null,
      webhookTimeoutMs: config.notifications.webhook_timeout_ms,
      allowPrivateTargets: config.notifications.webhooks_allow_private,
    },
  };
  const provider = providerFromConfig(config, store);
  if (provider) deps.provider = provider;
  return deps;
}
