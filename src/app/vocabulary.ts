/**
 * The names the app hands to its callers (the HTTP edge, the CLI): the store's records, the
 * payment provider's error, the public event types. Re-exported here so `../http` depends
 * on the app alone and never reaches past it into `../store`, `../payments` or
 * `../notifications` (the layer rule `.dependency-cruiser.cjs` enforces); what they mean is
 * still defined once, where they are stored or sent.
 */
export { PUBLIC_EVENT_TYPES } from '../notifications/events.ts';
export { PaymentError } from '../payments/provider.ts';
export type { StripeProvider } from '../payments/stripe.ts';
export type { Job, Notification, WebhookEndpoint } from '../store/outbox.ts';
export type {
  ApiKey,
  Invitation,
  Membership,
  Scope,
  Session,
  TransactionFilter,
  User,
  WriteResult,
} from '../store/types.ts';
export { unknownCursor } from '../store/types.ts';
