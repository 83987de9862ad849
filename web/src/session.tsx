/**
 * Who is signed in, and which org the page is about. The session lives in an HttpOnly
 * cookie the app cannot read; `/v1/auth/me` says who it is and hands over the CSRF token.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext } from 'react';
import { useLocation } from 'wouter';
import type { Ok } from './api/client';
import { ApiError, api, call, setCsrfToken } from './api/client';

type Me = NonNullable<Awaited<ReturnType<typeof fetchMe>>>;
export type Membership = Me['memberships'][number];
export type Role = Membership['role'];
export type Scope = 'read' | 'usage' | 'billing' | 'admin';
export type Org = Ok<'/v1/orgs/{org}', 'get'>;

async function fetchMe() {
  try {
    const me = await call(api.GET('/v1/auth/me'));
    setCsrfToken(me.csrf_token);
    return me;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw err;
  }
}

export const ME_KEY = ['me'] as const;

export function useMe() {
  return useQuery({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: 60_000 });
}

export interface OrgContext {
  orgId: string;
  membership: Membership;
  /** What the signed-in person may do in this org. */
  can(scope: Scope): boolean;
}

const Ctx = createContext<OrgContext | null>(null);

export function OrgProvider({ value, children }: { value: OrgContext; children: ReactNode }) {
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function orgContextFor(orgId: string, membership: Membership): OrgContext {
  // The API says what the membership's role may do (/v1/auth/me): the UI offers only that.
  return { orgId, membership, can: (s) => membership.scopes.includes(s) };
}

/** The org of the current page; only inside an org's pages. */
export function useOrg(): OrgContext {
  const c = useContext(Ctx);
  if (!c) throw new Error('useOrg outside an org page');
  return c;
}

export function useSignOut() {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  return async () => {
    try {
      await call(api.POST('/v1/auth/logout', { body: {} }));
    } finally {
      setCsrfToken(null);
      qc.clear();
      // Absolute (~): the menu that signs out lives inside nested routes (/o/:org, /account).
      navigate('~/signin');
    }
  };
}
