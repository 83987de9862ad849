/**
 * The pages of an org, in the order of the navigation. Each page is one file in pages/;
 * `scope` is what the signed-in person needs to see it (the API's own scopes); pages that
 * need a higher plan (Team) show what it would give instead of their content.
 */

import { type ComponentType, lazy, Suspense } from 'react';
import { BillingHistoryPage } from './pages/billing-history';
import { BuyPage, BuyResultPage } from './pages/buy';
import { CreditsPage } from './pages/credits';
import { DashboardPage } from './pages/dashboard';
import { GeneratePage } from './pages/generate';
import { NotificationsPage } from './pages/notifications';
import { PlanPage } from './pages/plan';
import { ReceiptPage } from './pages/receipt';
import { SettingsPage } from './pages/settings';
import { TeamPage } from './pages/team';
import type { Scope } from './session';

export interface OrgPage {
  path: string;
  label: string;
  scope: Scope;
  component: ComponentType;
  /** A page reached by a link, not listed in the navigation. */
  hidden?: boolean;
}

export const ORG_PAGES: OrgPage[] = [
  { path: '', label: 'Dashboard', scope: 'read', component: DashboardPage },
  { path: '/credits', label: 'Credits', scope: 'read', component: CreditsPage },
  { path: '/generate', label: 'Generate', scope: 'usage', component: GeneratePage },
  { path: '/buy', label: 'Buy credits', scope: 'billing', component: BuyPage },
  // Where Stripe Checkout sends a buyer back; not in the navigation.
  { path: '/buy/result', label: 'Purchase', scope: 'billing', component: BuyResultPage, hidden: true },
  { path: '/plan', label: 'Plan', scope: 'read', component: PlanPage },
  { path: '/billing', label: 'Billing history', scope: 'billing', component: BillingHistoryPage },
  // A receipt, reached from the billing history (and the development provider's receipt_url).
  { path: '/billing/receipts/:id', label: 'Receipt', scope: 'billing', component: ReceiptPage, hidden: true },
  { path: '/team', label: 'Team', scope: 'read', component: TeamPage },
  { path: '/insights', label: 'Insights', scope: 'read', component: InsightsRoute },
  { path: '/notifications', label: 'Notifications', scope: 'read', component: NotificationsPage },
  { path: '/settings', label: 'Settings', scope: 'read', component: SettingsPage },
];

// Insights carries the charts (uPlot): fetched when the page is first opened, not up front.
const LazyInsights = lazy(() => import('./pages/insights'));
function InsightsRoute() {
  return (
    <Suspense
      fallback={
        <p className="loading" role="status">
          Loading insights…
        </p>
      }
    >
      <LazyInsights />
    </Suspense>
  );
}
