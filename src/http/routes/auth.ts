/**
 * People: sign-up (a user, an org on Free and its owner membership), sign-in with a
 * session cookie (HttpOnly, SameSite=Lax, Secure in production) and a CSRF token that
 * cookie-authenticated mutations must echo in `X-CSRF-Token`, sign-out, and "who am I".
 */
import { Type } from '@sinclair/typebox';
import { logIn, memberships, signUp } from '../../app/accounts.ts';
import {
  EMAIL_VERIFICATION_TTL_MS,
  resendVerificationEmail,
  verifyEmail,
} from '../../app/email-verification.ts';
import type { User as StoredUser } from '../../store/types.ts';
import { SESSION_COOKIE } from '../auth.ts';
import { once } from '../idempotency.ts';
import { iso, presentMember, presentOrg } from '../present.ts';
import { Email, errorResponses, IdempotencyHeaders, Member, Name, Obj, Org, Time } from '../schemas.ts';
import type { App, RouteContext } from '../server.ts';

const User = Obj({
  id: Type.String(),
  email: Type.String(),
  email_verified: Type.Boolean({
    description:
      'whether the person opened the verification link; until then they reach only their sign-up org, cannot accept invitations and cannot create orgs',
  }),
  created_at: Time,
});
const Membership = Obj({
  org_id: Type.String(),
  member_id: Type.String(),
  role: Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]),
});
const Password = Type.String({ minLength: 8, maxLength: 200, description: '8 to 200 characters' });
const Me = Obj({
  user: User,
  memberships: Type.Array(Membership),
  csrf_token: Type.String({
    description: 'send it as X-CSRF-Token with every mutation made with the cookie',
  }),
  expires_at: Time,
});

export function authRoutes(app: App, { deps, config }: RouteContext) {
  const tags = ['auth'];
  const presentUser = (u: StoredUser) => ({
    id: u.id,
    email: u.email,
    email_verified: u.email_verified_at !== null,
    created_at: iso(u.created_at),
  });

  app.post(
    '/v1/auth/signup',
    {
      config: { access: { kind: 'public' } },
      schema: {
        tags,
        summary:
          'Create an account with its own org on Free (5 credits); the person is its owner. Emails a link to verify the address',
        security: [],
        headers: IdempotencyHeaders,
        body: Obj({ email: Email, password: Password, org_name: Type.Optional(Name(100)) }),
        response: {
          201: Obj({
            user: User,
            org: Org,
            member: Member,
            verification_email_sent: Type.Boolean({
              description:
                'false if the mail server refused it; ask again with POST /v1/auth/verify-email/resend',
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) =>
      once(deps, request, reply, 'signup', async () => {
        const r = await signUp(deps, request.body);
        return {
          status: 201,
          body: {
            user: presentUser(r.user),
            org: presentOrg(r.org),
            member: presentMember(r.member),
            verification_email_sent: r.verification_sent,
          },
        };
      }),
  );

  app.post(
    '/v1/auth/login',
    {
      config: { access: { kind: 'public' } },
      schema: {
        tags,
        summary: 'Sign in: sets the session cookie and returns the CSRF token',
        security: [],
        body: Obj({ email: Email, password: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: Me, ...errorResponses },
      },
    },
    async (request, reply) => {
      const s = await logIn(deps, request.body.email, request.body.password);
      reply.setCookie(SESSION_COOKIE, s.token, {
        httpOnly: true,
        sameSite: 'lax',
        // Secure in production, and whenever the request came over TLS (directly or via a trusted proxy).
        secure: config.secure_cookies || request.protocol === 'https',
        path: '/',
        maxAge: config.session_ttl_seconds,
      });
      return {
        user: presentUser(s.user),
        memberships: (await memberships(deps, s.user)).map((m) => ({
          org_id: m.org_id,
          member_id: m.member_id,
          role: m.role,
        })),
        csrf_token: s.session.csrf_token,
        expires_at: iso(s.session.expires_at),
      };
    },
  );

  app.post(
    '/v1/auth/logout',
    {
      config: { access: { kind: 'user' } },
      schema: {
        tags,
        summary: 'Sign out: ends the session',
        body: Obj({}),
        response: { 200: Obj({ signed_out: Type.Boolean() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = request.principal;
      if (p?.kind === 'user') await deps.store.deleteSession(p.session.hash);
      reply.clearCookie(SESSION_COOKIE, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: config.secure_cookies,
      });
      return { signed_out: true };
    },
  );

  app.get(
    '/v1/auth/me',
    {
      config: { access: { kind: 'user' } },
      schema: {
        tags,
        summary: 'The signed-in person, their orgs and the CSRF token',
        response: { 200: Me, ...errorResponses },
      },
    },
    async (request) => {
      const p = request.principal;
      if (p?.kind !== 'user') throw new Error('unreachable: access checked');
      return {
        user: presentUser(p.user),
        memberships: (await memberships(deps, p.user)).map((m) => ({
          org_id: m.org_id,
          member_id: m.member_id,
          role: m.role,
        })),
        csrf_token: p.session.csrf_token,
        expires_at: iso(p.session.expires_at),
      };
    },
  );

  app.post(
    '/v1/auth/verify-email',
    {
      config: { access: { kind: 'public' } },
      schema: {
        tags,
        summary: `Verify an account's email with the token from the verification email (single use, valid ${EMAIL_VERIFICATION_TTL_MS / 3600_000} hours; no session needed)`,
        security: [],
        body: Obj({
          token: Type.String({ minLength: 1, maxLength: 200, description: 'the token from the email' }),
        }),
        response: { 200: Obj({ user: User }), ...errorResponses },
      },
    },
    async (request) => ({ user: presentUser(await verifyEmail(deps, request.body.token)) }),
  );

  app.post(
    '/v1/auth/verify-email/resend',
    {
      config: { access: { kind: 'user' } },
      schema: {
        tags,
        summary: `Email a new verification link to the signed-in person (earlier links stop working; at most one a minute)`,
        body: Obj({}),
        response: { 202: Obj({ sent_to: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = request.principal;
      if (p?.kind !== 'user') throw new Error('unreachable: access checked');
      await resendVerificationEmail(deps, p.user);
      return reply.code(202).send({ sent_to: p.user.email });
    },
  );
}
