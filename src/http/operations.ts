/**
 * Every operation of the published API: its stable `operationId` (what code generators name
 * the method after, so renaming one breaks their users) and what its success answer is (the
 * response's description). Keyed by the route as Fastify knows it, so the route files stay
 * as they are; openapi.ts applies this table to /openapi.json.
 *
 * Adding a route? Add its row here: `'METHOD /path/:param': { id: 'verbNoun', answer: '…' }`.
 * test/http/openapi-lint.test.ts fails, naming the route, until it has one.
 * `answer` describes every success status of the route that does not describe itself; give
 * one per status (`{ 201: '…', 202: '…' }`) when they differ.
 */
export interface Operation {
  /** camelCase, unique, never reused for a different operation. */
  id: string;
  answer: string | Record<number, string>;
}

export const OPERATIONS: Record<string, Operation> = {
  // operations
  'GET /livez': { id: 'getLiveness', answer: 'the process is up' },
  'GET /healthz': { id: 'getHealth', answer: 'the server is healthy' },
  'GET /readyz': { id: 'getReadiness', answer: 'the database is reachable and its schema current' },
  'GET /metrics': { id: 'getMetrics', answer: 'Prometheus metrics in the text format' },
  'GET /v1/catalog': { id: 'getCatalog', answer: 'the tiers, credit packs and tool prices' },

  // people
  'POST /v1/auth/signup': {
    id: 'signUp',
    answer: 'accepted: the same answer for every email; the email says what happens next',
  },
  'POST /v1/auth/login': {
    id: 'logIn',
    answer: 'signed in: the person, their orgs and the CSRF token (the session cookie is set)',
  },
  'POST /v1/auth/logout': { id: 'logOut', answer: 'signed out' },
  'GET /v1/auth/me': { id: 'getMe', answer: 'the signed-in person, their orgs and the CSRF token' },
  'POST /v1/auth/verify-email': { id: 'verifyEmail', answer: 'the email is verified' },
  'POST /v1/auth/verify-email/resend': {
    id: 'resendVerificationEmail',
    answer: 'accepted: a new verification link is on its way',
  },
  'POST /v1/auth/password-reset': {
    id: 'requestPasswordReset',
    answer: 'accepted: the same answer for every email',
  },
  'POST /v1/auth/password-reset/confirm': {
    id: 'confirmPasswordReset',
    answer: 'the new password is set and every session ended',
  },
  'POST /v1/auth/password': { id: 'changePassword', answer: 'the password is changed' },
  'POST /v1/auth/email': {
    id: 'requestEmailChange',
    answer: 'accepted: the same answer whether or not the new address has an account; a link goes to it',
  },
  'POST /v1/auth/email/confirm': {
    id: 'confirmEmailChange',
    answer: 'the email is changed and every membership moved to it',
  },
  'DELETE /v1/auth/account': {
    id: 'deleteAccount',
    answer: 'the account is deleted: the orgs it left and those closed with it',
  },
  'GET /v1/auth/sessions': { id: 'listSessions', answer: 'the person’s live sessions' },
  'DELETE /v1/auth/sessions/:id': { id: 'revokeSession', answer: 'the session is ended' },
  'POST /v1/auth/sessions/revoke_others': {
    id: 'revokeOtherSessions',
    answer: 'every other session is ended',
  },

  // orgs and plans
  'POST /v1/orgs': { id: 'createOrg', answer: 'the new org' },
  'GET /v1/orgs/:org': { id: 'getOrg', answer: 'the org' },
  'GET /v1/orgs/:org/balance': { id: 'getBalance', answer: 'the org’s balance' },
  'GET /v1/orgs/:org/subscription': { id: 'getSubscription', answer: 'the subscription' },
  'POST /v1/orgs/:org/subscription': { id: 'changeSubscription', answer: 'the changed subscription' },
  'POST /v1/orgs/:org/subscription/cancel': {
    id: 'cancelSubscription',
    answer: 'the subscription, ending at the period end',
  },
  'POST /v1/orgs/:org/subscription/preview': {
    id: 'previewSubscriptionChange',
    answer: 'what the change would do (nothing is changed)',
  },

  // spending
  'POST /v1/orgs/:org/quotes': { id: 'createQuote', answer: 'the price and whether it would go through now' },
  'POST /v1/orgs/:org/usage': { id: 'recordUsage', answer: 'the usage transaction' },
  'POST /v1/orgs/:org/holds': { id: 'createHold', answer: 'the open hold' },
  'GET /v1/orgs/:org/holds': { id: 'listHolds', answer: 'a page of holds' },
  'POST /v1/orgs/:org/holds/:hold/capture': {
    id: 'captureHold',
    answer: 'the usage transaction (or the release, for amount 0)',
  },
  'POST /v1/orgs/:org/holds/:hold/release': { id: 'releaseHold', answer: 'the released hold' },
  'GET /v1/orgs/:org/transactions': { id: 'listTransactions', answer: 'a page of transactions' },
  'GET /v1/orgs/:org/transactions.csv': { id: 'exportTransactionsCsv', answer: 'the log as CSV' },
  'GET /v1/orgs/:org/grants': { id: 'listGrants', answer: 'a page of grants' },
  'POST /v1/orgs/:org/adjustments': { id: 'createAdjustment', answer: 'the adjustment transaction' },

  // purchases
  'POST /v1/orgs/:org/purchases': { id: 'createPurchase', answer: 'the purchase' },
  'GET /v1/orgs/:org/purchases': { id: 'listPurchases', answer: 'a page of purchases' },
  'GET /v1/orgs/:org/purchases/:id': { id: 'getPurchase', answer: 'the purchase' },
  'POST /v1/orgs/:org/purchases/:id/refund': { id: 'refundPurchase', answer: 'the refunded purchase' },
  'POST /v1/orgs/:org/leave': { id: 'leaveOrg', answer: 'the person has left the org' },
  'POST /v1/orgs/:org/transfer_ownership': {
    id: 'transferOwnership',
    answer: 'ownership is transferred; the previous owner is now an admin',
  },
  'POST /v1/orgs/:org/close': {
    id: 'closeOrg',
    answer: 'the org is closed: its ledger kept and readable, every change refused',
  },
  'GET /v1/orgs/:org/billing/history': {
    id: 'listBillingHistory',
    answer: "a page of the org's payments (pack purchases, plan charges, refunds), newest first",
  },
  'GET /v1/orgs/:org/billing/receipts/:payment_id': {
    id: 'getReceipt',
    answer: 'the receipt of one payment',
  },
  'PUT /v1/orgs/:org/auto_topup': { id: 'setAutoTopup', answer: 'the auto top-up settings' },
  'GET /v1/orgs/:org/auto_topup': { id: 'getAutoTopup', answer: 'the auto top-up settings' },

  // team
  'POST /v1/orgs/:org/members': { id: 'addMember', answer: { 201: 'the member', 202: 'the invitation' } },
  'GET /v1/orgs/:org/members': { id: 'listMembers', answer: 'a page of members' },
  'POST /v1/orgs/:org/invitations': { id: 'createInvitation', answer: 'the invitation' },
  'GET /v1/orgs/:org/invitations': { id: 'listInvitations', answer: 'a page of invitations' },
  'GET /v1/orgs/:org/invitations/:id': { id: 'getInvitation', answer: 'the invitation' },
  'DELETE /v1/orgs/:org/invitations/:id': { id: 'revokeInvitation', answer: 'the revoked invitation' },
  'POST /v1/invitations/preview': { id: 'previewInvitation', answer: 'what the invitation opens' },
  'POST /v1/invitations/accept': {
    id: 'acceptInvitation',
    answer: 'the new member, the org and the invitation',
  },
  'POST /v1/orgs/:org/projects': { id: 'createProject', answer: 'the project' },
  'GET /v1/orgs/:org/projects': { id: 'listProjects', answer: 'a page of projects' },
  'PUT /v1/orgs/:org/budgets': { id: 'setBudget', answer: 'the budget' },
  'GET /v1/orgs/:org/budgets': { id: 'listBudgets', answer: 'the budgets' },

  // reports and insights
  'GET /v1/orgs/:org/reports/usage': { id: 'getUsageReport', answer: 'the usage report' },
  'GET /v1/orgs/:org/insights': {
    id: 'getInsights',
    answer: 'advice, forecast, efficiency and top consumers',
  },
  'POST /v1/orgs/:org/insights/plan': { id: 'planProject', answer: 'the cheapest way to have the credits' },

  // API keys
  'POST /v1/orgs/:org/api_keys': { id: 'createApiKey', answer: 'the key, with its secret this once' },
  'GET /v1/orgs/:org/api_keys': { id: 'listApiKeys', answer: 'a page of API keys' },
  'DELETE /v1/orgs/:org/api_keys/:id': { id: 'revokeApiKey', answer: 'the revoked key' },

  // notifications and webhooks
  'PUT /v1/orgs/:org/alerts': { id: 'setAlerts', answer: 'the alert settings' },
  'GET /v1/orgs/:org/alerts': { id: 'getAlerts', answer: 'the alert settings' },
  'GET /v1/orgs/:org/notifications': { id: 'listNotifications', answer: 'a page of notifications' },
  'POST /v1/orgs/:org/notifications/:id/read': { id: 'markNotificationRead', answer: 'the notification' },
  'GET /v1/orgs/:org/notifications/unread_count': {
    id: 'countUnreadNotifications',
    answer: 'how many are unread',
  },
  'POST /v1/orgs/:org/notifications/read_all': {
    id: 'markAllNotificationsRead',
    answer: 'how many were marked read',
  },
  'GET /v1/orgs/:org/emails': { id: 'listEmails', answer: 'a page of emails' },
  'POST /v1/orgs/:org/webhook_endpoints': {
    id: 'createWebhookEndpoint',
    answer: 'the endpoint, with its signing secret this once',
  },
  'GET /v1/orgs/:org/webhook_endpoints': { id: 'listWebhookEndpoints', answer: 'a page of endpoints' },
  'DELETE /v1/orgs/:org/webhook_endpoints/:id': {
    id: 'deleteWebhookEndpoint',
    answer: 'the deleted endpoint',
  },
  'GET /v1/orgs/:org/webhook_endpoints/:id/deliveries': {
    id: 'listWebhookDeliveries',
    answer: 'a page of deliveries',
  },
  'GET /v1/orgs/:org/events': { id: 'followOrgEvents', answer: 'an event stream' },
  'POST /v1/webhooks/stripe': { id: 'receiveStripeWebhook', answer: 'the event is taken' },

  // generation
  'GET /v1/tools': { id: 'listTools', answer: 'the tools and the image backend' },
  'POST /v1/orgs/:org/generations': { id: 'createGeneration', answer: 'accepted: the batch, rendering' },
  'GET /v1/orgs/:org/generations/:id': { id: 'getGeneration', answer: 'the batch' },
  'GET /v1/orgs/:org/generations/:id/events': { id: 'followGenerationEvents', answer: 'an event stream' },
  'GET /v1/orgs/:org/generations/:id/images/:image': { id: 'getGenerationImage', answer: 'the image bytes' },
  'POST /v1/orgs/:org/generations/:id/images/:image/finalize': {
    id: 'finalizeGenerationImage',
    answer: 'accepted: the new batch, rendering',
  },

  // operator
  'POST /v1/admin/renewals/run': { id: 'runScheduler', answer: 'what the run did' },
  'GET /v1/admin/clock': { id: 'getTestClock', answer: 'the test clock’s now' },
  'POST /v1/admin/clock/advance': { id: 'advanceTestClock', answer: 'the test clock’s new now' },
};
