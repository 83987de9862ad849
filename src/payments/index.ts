/** Builds the configured payment provider. May import ../core, ../store and ../config. */
import type { Config } from '../config/config.ts';
import { outboxOf } from '../store/outbox.ts';
import type { Store } from '../store/types.ts';
import { developmentProvider } from './development.ts';
import type { PaymentProvider } from './provider.ts';
import { StripeProvider } from './stripe.ts';

export function providerFromConfig(config: Config, store: Store): PaymentProvider | undefined {
  if (config.payments === 'development') return developmentProvider;
  if (config.payments === 'stripe' && config.stripe)
    return new StripeProvider({
      secretKey: config.stripe.secret_key,
      webhookSecret: config.stripe.webhook_secret,
      prices: config.stripe.prices,
      apiUrl: config.stripe.api_url,
      publicUrl: config.public_url,
      catalog: config.catalog,
      outbox: () => outboxOf(store),
    });
  return undefined;
}

export { developmentProvider } from './development.ts';
export * from './provider.ts';
export { StripeProvider } from './stripe.ts';
