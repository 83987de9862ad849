/**
 * The pages of an org, in the order of the navigation. Each page is one file in pages/;
 * `scope` is what the signed-in person needs to see it (the API's own scopes), and
 * `teamOnly` marks pages that show an upgrade offer below Pro instead of their content.
 */
import { type ComponentType, lazy, Suspense } from 'react';
import { CreditsPage } from './pages/credits';
import { DashboardPage } from './pages/dashboard';
import { NotificationsPage } from './pages/notifications';
import type { Scope } from './session';

export interface OrgPage {
  path: string;
  label: string;
  scope: Scope;
  component: ComponentType;
}

export const ORG_PAGES: OrgPage[] = [
  { path: '', label: 'Dashboard', scope: 'read', component: DashboardPage },
  { path: '/credits', label: 'Credits', scope: 'read', component: CreditsPage },
  { path: '/insights', label: 'Insights', scope: 'read', component: InsightsRoute },
  { path: '/notifications', label: 'Notifications', scope: 'read', component: NotificationsPage },
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
