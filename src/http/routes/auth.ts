/**
 * People: sign-up (a user, an org on Free and its owner membership), sign-in with a
 * session cookie (HttpOnly, SameSite=Lax, Secure in production) and a CSRF token that
 * cookie-authenticated mutations must echo in `X-CSRF-Token`, sign-out, and "who am I".
 *
 * Sign-up answers 202 with the same body whether or not the email already has an account
 * (the email sent to the address tells its owner which). With `AMISI_RATE_LIMIT`, each
 * client IP has a budget of sign-up attempts and of failed sign-ins (../app/sign-in-throttle.ts).
 */
import { Type } from '@sinclair/typebox';
import { logIn, memberships, normalizeEmail, signUp, Unauthorized } from '../../app/accounts.ts';
import type { AppDeps } from '../../app/deps.ts';
import { confirmEmailChange, EMAIL_CHANGE_TTL_MS, requestEmailChange } from '../../app/email-change.ts';
import {
  EMAIL_VERIFICATION_TTL_MS,
  resendVerificationEmail,
  verifyEmail,
} from '../../app/email-verification.ts';
import { deleteAccount } from '../../app/leaving.ts';
import { changePassword } from '../../app/password-change.ts';
import {
  confirmPasswordReset,
  PASSWORD_RESET_TTL_MS,
  requestPasswordReset,
} from '../../app/password-reset.ts';
import { endOtherSessions, endSession, endUserSession, sessionsOf } from '../../app/sessions.ts';
import {
  PASSWORD_RESETS_PER_IP_BURST,
  PASSWORD_RESETS_PER_IP_PER_SECOND,
  SIGN_IN_FAILURES_PER_IP_BURST,
  SIGN_IN_FAILURES_PER_IP_PER_SECOND,
  SIGN_UPS_PER_IP_BURST,
  SIGN_UPS_PER_IP_PER_SECOND,
} from '../../app/sign-in-throttle.ts';
import { Throttled } from '../../app/throttled.ts';
import type { Session as StoredSession, User as StoredUser } from '../../app/vocabulary.ts';
import { DomainError, plural } from '../../core/index.ts';
import { ROLE_SCOPES, SESSION_COOKIE } from '../auth.ts';
import type { App, RouteContext } from '../context.ts';
import { once } from '../idempotency.ts';
import { iso } from '../present.ts';
import { TokenBuckets } from '../rate-limit.ts';
import { Email, errorResponses, IdempotencyHeaders, Name, Obj, ScopeName, Time } from '../schemas.ts';

export const User = Obj({
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
  scopes: Type.Array(ScopeName, {
    maxItems: 4,
    uniqueItems: true,
    description:
      'what the role may do in the org (the access matrix of docs/security.md), so a client offers only what the server allows',
  }),
});
/** The orgs a person reaches, each with its role and the scopes the role holds (ROLE_SCOPES). */
async function presentMemberships(deps: AppDeps, user: StoredUser) {
  return (await memberships(deps, user)).map((m) => ({
    org_id: m.org_id,
    member_id: m.member_id,
    role: m.role,
    scopes: ROLE_SCOPES[m.role],
  }));
}

const Password = Type.String({
  minLength: 8,
  maxLength: 200,
  description:
    '8 to 200 characters, and not too easy to guess: zxcvbn strength 3 of 4 or more, counting the email and org name as known words',
});
const SignupAccepted = Obj({
  email: Type.String({ description: 'the address, as the account would keep it (trimmed, lower case)' }),
  message: Type.String(),
});
export const Me = Obj({
  user: User,
  memberships: Type.Array(Membership),
  csrf_token: Type.String({
    description: 'send it as X-CSRF-Token with every mutation made with the cookie',
  }),
  expires_at: Time,
});

/** Refuses at once when the IP's bucket is empty; `take` also charges one attempt. */
function perIp(buckets: TokenBuckets | null, ip: string, what: string, take: boolean) {
  if (!buckets) return;
  const wait = take ? buckets.take(ip) : buckets.wait(ip);
  if (wait > 0)
    throw new Throttled(wait, `too many ${what} from this address; retry in ${plural(wait, 'second')}`);
}

export function authRoutes(app: App, { deps, config }: RouteContext) {
  const tags = ['auth'];
  const limited = config.rate_limit.enabled;
  const signInFailuresByIp = limited
    ? new TokenBuckets(SIGN_IN_FAILURES_PER_IP_PER_SECOND, SIGN_IN_FAILURES_PER_IP_BURST)
    : null;
  const signUpsByIp = limited ? new TokenBuckets(SIGN_UPS_PER_IP_PER_SECOND, SIGN_UPS_PER_IP_BURST) : null;
  const resetsByIp = limited
    ? new TokenBuckets(PASSWORD_RESETS_PER_IP_PER_SECOND, PASSWORD_RESETS_PER_IP_BURST)
    : null;
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
          'Create an account with its own org on Free (5 credits); the person is its owner. Answers 202 with the same body whether or not the email already has an account; an email to the address says which. Then sign in.',
        security: [],
        headers: IdempotencyHeaders,
        body: Obj({ email: Email, password: Password, org_name: Type.Optional(Name(100)) }),
        response: { 202: SignupAccepted, ...errorResponses },
      },
    },
    async (request, reply) => {
      perIp(signUpsByIp, request.ip, 'sign-ups', true);
      return once(deps, request, reply, 'signup', async () => {
        const r = await signUp(deps, request.body);
        return {
          status: 202,
          body: {
            email: r.email,
            message: `Check the inbox of ${r.email}: we have sent it what to do next. If the account is new, you can sign in now.`,
          },
        };
      });
    },
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
      perIp(signInFailuresByIp, request.ip, 'failed sign-ins', false);
      let s: Awaited<ReturnType<typeof logIn>>;
      try {
        s = await logIn(deps, request.body.email, request.body.password, {
          user_agent: request.headers['user-agent'],
          ip: request.ip,
        });
      } catch (e) {
        if (e instanceof Unauthorized) signInFailuresByIp?.take(request.ip);
        throw e;
      }
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
        memberships: await presentMemberships(deps, s.user),
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
      if (p?.kind === 'user') await endSession(deps, p.session.hash);
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
        memberships: await presentMemberships(deps, p.user),
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

  app.post(
    '/v1/auth/password-reset',
    {
      config: { access: { kind: 'public' } },
      schema: {
        tags,
        summary: `Forgotten password: email a link to set a new one (single use, valid ${PASSWORD_RESET_TTL_MS / 60_000} minutes). Answers 202 with the same body whether or not the email has an account; at most one mail a minute per account`,
        security: [],
        body: Obj({ email: Email }),
        response: { 202: SignupAccepted, ...errorResponses },
      },
    },
    async (request, reply) => {
      perIp(resetsByIp, request.ip, 'password reset requests', true);
      const { sending } = await requestPasswordReset(deps, request.body.email);
      // The answer does not wait for the mail server: its time would tell whether an account exists.
      sending.catch((e) => request.log.error({ err: e }, 'password reset mail failed'));
      const email = normalizeEmail(request.body.email);
      return reply.code(202).send({
        email,
        message: `If ${email} has an account, we have emailed it a link to set a new password. It works once, for ${PASSWORD_RESET_TTL_MS / 60_000} minutes.`,
      });
    },
  );

  app.post(
    '/v1/auth/password-reset/confirm',
    {
      config: { access: { kind: 'public' } },
      schema: {
        tags,
        summary:
          'Set a new password with the token from the reset email; ends every session of the account (sign in again), forgets its failed sign-ins and verifies its email',
        security: [],
        body: Obj({
          token: Type.String({ minLength: 1, maxLength: 200, description: 'the token from the email' }),
          password: Password,
        }),
        response: {
          200: Obj({ user: User, sessions_ended: Type.Integer({ minimum: 0 }) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const r = await confirmPasswordReset(deps, request.body.token, request.body.password);
      return { user: presentUser(r.user), sessions_ended: r.sessions_ended };
    },
  );

  app.post(
    '/v1/auth/password',
    {
      config: { access: { kind: 'user' } },
      schema: {
        tags,
        summary:
          "Change the signed-in person's password (needs the current one); ends their other sessions and keeps this one",
        body: Obj({
          current_password: Type.String({ minLength: 1, maxLength: 200 }),
          new_password: Password,
        }),
        response: { 200: Obj({ sessions_ended: Type.Integer({ minimum: 0 }) }), ...errorResponses },
      },
    },
    async (request) => {
      const p = request.principal;
      if (p?.kind !== 'user') throw new Error('unreachable: access checked');
      return changePassword(
        deps,
        p.user,
        p.session,
        request.body.current_password,
        request.body.new_password,
      );
    },
  );

  const SessionView = Obj({
    id: Type.String({ description: 'names the session to sign it out; not its token' }),
    current: Type.Boolean({ description: 'the session making this request' }),
    created_at: Time,
    last_seen_at: Type.String({ format: 'date-time', description: 'to the minute' }),
    expires_at: Time,
    user_agent: Type.Union([Type.String(), Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()], {
      description: 'the client address the server saw at sign-in',
    }),
  });
  const presentSession = (s: StoredSession, current: StoredSession) => ({
    id: s.id,
    current: s.hash === current.hash,
    created_at: iso(s.created_at),
    last_seen_at: iso(s.last_seen_at),
    expires_at: iso(s.expires_at),
    user_agent: s.user_agent,
    ip: s.ip,
  });
  const signedIn = (request: { principal: unknown }) => {
    const p = request.principal as { kind: string; user: StoredUser; session: StoredSession } | null;
    if (p?.kind !== 'user') throw new Error('unreachable: access checked');
    return p;
  };

  app.get(
    '/v1/auth/sessions',
    {
      config: { access: { kind: 'user' } },
      schema: {
        tags,
        summary: 'Where the signed-in person is signed in: their live sessions, last seen first',
        response: { 200: Obj({ data: Type.Array(SessionView) }), ...errorResponses },
      },
    },
    async (request) => {
      const p = signedIn(request);
      const all = await sessionsOf(deps, p.user.id, Date.now());
      return { data: all.map((s) => presentSession(s, p.session)) };
    },
  );

  app.delete(
    '/v1/auth/sessions/:id',
    {
      config: { access: { kind: 'user' } },
      schema: {
        tags,
        summary: "Sign out one of the person's sessions (this one too, if named)",
        params: Obj({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Obj({ id: Type.String(), signed_out: Type.Boolean() }), ...errorResponses },
      },
    },
    async (request) => {
      const p = signedIn(request);
      // Another person's session answers as an unknown one: ids are not a way to probe.
      if (!(await endUserSession(deps, p.user.id, request.params.id)))
        throw new DomainError('not_found', `session ${request.params.id} not found`);
      return { id: request.params.id, signed_out: true };
    },
  );

  app.post(
    '/v1/auth/sessions/revoke_others',
    {
      config: { access: { kind: 'user' } },
      schema: {
        tags,
        summary: "Sign out every one of the person's sessions but this one",
        body: Obj({}),
        response: { 200: Obj({ sessions_ended: Type.Integer({ minimum: 0 }) }), ...errorResponses },
      },
    },
    async (request) => {
      const p = signedIn(request);
      return { sessions_ended: await endOtherSessions(deps, p.user.id, p.session.hash) };
    },
  );

  app.post(
    '/v1/auth/email',
    {
      config: { access: { kind: 'user' } },
      schema: {
        tags,
        summary: `Change the signed-in person's email (needs the password): a link valid ${EMAIL_CHANGE_TTL_MS / 60_000} minutes is mailed to the new address, and nothing changes until it is opened. Answers 202 with the same body whether or not the new address has an account; at most one a minute`,
        body: Obj({ new_email: Email, password: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 202: Obj({ new_email: Type.String(), message: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = signedIn(request);
      const r = await requestEmailChange(deps, p.user, request.body.new_email, request.body.password);
      return reply.code(202).send({
        new_email: r.new_email,
        message: `Open the link we have emailed to ${r.new_email} to confirm it (it works once, for ${EMAIL_CHANGE_TTL_MS / 60_000} minutes). Until then, your address stays ${p.user.email}.`,
      });
    },
  );

  app.post(
    '/v1/auth/email/confirm',
    {
      config: { access: { kind: 'public' } },
      schema: {
        tags,
        summary:
          'Apply an email change with the token mailed to the new address (no session needed). The account and every membership move to the new address; the old one is told and reaches nothing any more',
        security: [],
        body: Obj({
          token: Type.String({ minLength: 1, maxLength: 200, description: 'the token from the email' }),
        }),
        response: {
          200: Obj({ user: User, old_email: Type.String(), memberships_moved: Type.Integer({ minimum: 0 }) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const r = await confirmEmailChange(deps, request.body.token);
      return { user: presentUser(r.user), old_email: r.old_email, memberships_moved: r.memberships_moved };
    },
  );

  app.delete(
    '/v1/auth/account',
    {
      config: { access: { kind: 'user' } },
      schema: {
        tags,
        summary:
          "Delete the signed-in person's account (needs the password): leaves every org, closes the ones that were theirs alone, ends every session. Refused (409 conflict, listing each org) while they are the last owner of an org with a paid plan, bought credits or other members",
        body: Obj({ password: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: {
          200: Obj({
            deleted: Type.Boolean(),
            orgs_left: Type.Array(Type.String()),
            orgs_closed: Type.Array(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const p = signedIn(request);
      const r = await deleteAccount(deps, p.user, request.body.password);
      reply.clearCookie(SESSION_COOKIE, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: config.secure_cookies,
      });
      return { deleted: true, ...r };
    },
  );
}
