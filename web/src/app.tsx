/**
 * The app's frame: public pages (sign in, sign up, the pages account emails link to) and,
 * for a signed-in person, the pages of one org under /o/:org with the top bar and the
 * navigation, and their own account pages under /account.
 */
import type { ComponentType, ReactNode } from 'react';
import { Link, Redirect, Route, Switch, useParams } from 'wouter';
import { ACCOUNT_PAGES } from './account-routes';
import { ClosedOrgBanner } from './components/closed-org';
import { ErrorView } from './components/error-view';
import { PageNotice } from './components/page-notice';
import { TopBar } from './components/top-bar';
import { UserMenu } from './components/user-menu';
import { VerifyBanner } from './components/verify-banner';
import { useTopBarHeight } from './lib/top-bar-height';
import { AcceptInvitationPage, ConfirmEmailPage, VerifyEmailPage } from './pages/account-links';
import { ForgotPasswordPage } from './pages/forgot-password';
import { ResetPasswordPage } from './pages/reset-password';
import { SignInPage } from './pages/sign-in';
import { SignUpPage } from './pages/sign-up';
import { ORG_PAGES } from './routes';
import { OrgProvider, orgContextFor, useMe } from './session';

export function App() {
  return (
    <Switch>
      <Route path="/signin" component={SignInPage} />
      <Route path="/signup" component={SignUpPage} />
      <Route path="/verify-email" component={VerifyEmailPage} />
      <Route path="/accept-invitation" component={AcceptInvitationPage} />
      <Route path="/forgot-password" component={ForgotPasswordPage} />
      <Route path="/reset-password" component={ResetPasswordPage} />
      <Route path="/account" nest>
        <AccountFrame />
      </Route>
      <Route path="/confirm-email" component={ConfirmEmailPage} />
      <Route path="/o/:org" nest>
        <OrgFrame />
      </Route>
      <Route path="/">
        <Home />
      </Route>
      <Route>
        <NotFound />
      </Route>
    </Switch>
  );
}

/** `/`: the first org of a signed-in person, else sign in. */
function Home() {
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorView error={me.error} retry={() => me.refetch()} />;
  if (!me.data) return <Redirect to="/signin" replace />;
  const first = me.data.memberships[0];
  if (!first) return <NoOrg />;
  return <Redirect to={`/o/${first.org_id}`} replace />;
}

function OrgFrame() {
  const { org } = useParams<{ org: string }>();
  return (
    <SignedIn>
      {(me) => {
        const membership = me.memberships.find((m) => m.org_id === org);
        if (!membership)
          return (
            <main className="page narrow">
              <h1>Org not found</h1>
              <p>You are not a member of this org, or it does not exist.</p>
              <Link href="~/">Go to your orgs</Link>
            </main>
          );
        const ctx = orgContextFor(org, membership);
        const pages = ORG_PAGES.filter((p) => ctx.can(p.scope));
        return (
          <OrgProvider value={ctx}>
            <Frame
              bar={<TopBar />}
              navLabel="Sections"
              nav={pages.filter((p) => !p.hidden).map((p) => ({ path: p.path || '/', label: p.label }))}
              notices={
                <>
                  <PageNotice />
                  <VerifyBanner />
                  <ClosedOrgBanner />
                </>
              }
              routes={pages.map((p) => ({ path: p.path || '/', component: p.component }))}
            />
          </OrgProvider>
        );
      }}
    </SignedIn>
  );
}

/**
 * `/account/…`: the person's own pages (password and sessions), which belong to no org. A
 * plain bar (the brand back to the dashboard, the person's menu) instead of an org's top bar,
 * and the account pages as the navigation.
 */
function AccountFrame() {
  return (
    <SignedIn>
      {() => (
        <Frame
          bar={
            <header className="top-bar">
              <Link href="~/" className="brand">
                Amisi
              </Link>
              <Link href="~/">Dashboard</Link>
              <div className="spacer" />
              <UserMenu />
            </header>
          }
          navLabel="Your account"
          nav={ACCOUNT_PAGES}
          routes={ACCOUNT_PAGES}
        />
      )}
    </SignedIn>
  );
}

type Me = NonNullable<ReturnType<typeof useMe>['data']>;

/**
 * What a signed-in frame shows while it learns who is signed in, and where it sends someone
 * who is not: to sign in, then back to the page they asked for.
 */
function SignedIn({ children }: { children: (me: Me) => ReactNode }) {
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorView error={me.error} retry={() => me.refetch()} />;
  if (!me.data)
    return <Redirect to={`~/signin?next=${encodeURIComponent(window.location.pathname)}`} replace />;
  return children(me.data);
}

/**
 * The one frame of signed-in pages: a skip link, the bar, the side navigation and the main
 * region with its notices and the frame's routes (paths relative to the frame's nest).
 */
function Frame({
  bar,
  navLabel,
  nav,
  notices,
  routes,
}: {
  bar: ReactNode;
  navLabel: string;
  nav: { path: string; label: string }[];
  notices?: ReactNode;
  routes: { path: string; component: ComponentType }[];
}) {
  useTopBarHeight();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {bar}
      <div className="shell">
        <nav className="side-nav" aria-label={navLabel}>
          <ul>
            {nav.map((p) => (
              <li key={p.path}>
                <Link href={p.path} className={(active) => (active ? 'active' : '')}>
                  {p.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" className="page" tabIndex={-1}>
          {notices}
          <Switch>
            {routes.map((r) => (
              <Route key={r.path} path={r.path} component={r.component} />
            ))}
            <Route>
              <NotFound />
            </Route>
          </Switch>
        </main>
      </div>
    </>
  );
}

function NoOrg() {
  return (
    <main className="page narrow">
      <h1>No org yet</h1>
      <p>You are not a member of any org. Ask an owner for an invitation, or sign up again with a new org.</p>
    </main>
  );
}

function NotFound() {
  return (
    <main className="page narrow">
      <h1>Page not found</h1>
      <Link href="~/">Back to the dashboard</Link>
    </main>
  );
}

export function Loading() {
  return (
    <p className="loading" role="status">
      Loading…
    </p>
  );
}
