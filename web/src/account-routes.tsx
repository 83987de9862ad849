/**
 * The pages about the person rather than an org, under /account: listed in the user menu of
 * the top bar and in the account pages' own navigation. Kept apart from routes.tsx, whose
 * org pages import the top bar: the top bar's menu imports this list.
 */
import type { ComponentType } from 'react';
import { AccountProfilePage } from './pages/account-profile';
import { AccountSecurityPage } from './pages/account-security';

export interface AccountPage {
  /** Under /account. */
  path: string;
  label: string;
  component: ComponentType;
}

export const ACCOUNT_PAGES: AccountPage[] = [
  { path: '/profile', label: 'Email and account', component: AccountProfilePage },
  { path: '/security', label: 'Password and sessions', component: AccountSecurityPage },
];
