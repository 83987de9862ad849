/**
 * The development mail folder, read as a developer would: the `.eml` files a server without
 * SMTP writes into `<data_dir>/mail`, and the tokens in them. Plus the steps most tests
 * need on top: sign up and verify, sign in, accept an invitation.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Api } from './harness.ts';

export interface MailFile {
  to: string;
  subject: string;
  text: string;
}

/** Quoted-printable as nodemailer writes it: soft line breaks and =XX escapes. */
const unQuote = (s: string) =>
  s
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));

function parse(raw: string): MailFile {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const header = (name: string) =>
    new RegExp(`^${name}: (.*)$`, 'mi').exec(head.replace(/\r?\n[ \t]+/g, ' '))?.[1]?.trim() ?? '';
  const body = rest.join('\n\n');
  const qp = /quoted-printable/i.test(header('Content-Transfer-Encoding'));
  return { to: header('To'), subject: header('Subject'), text: qp ? unQuote(body) : body };
}

/** Every message in the server's mail folder, oldest first. */
export function mailbox(api: Api): MailFile[] {
  const dir = api.config.notifications.mail_dir;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => parse(readFileSync(join(dir, f), 'utf8')));
}

/** The token of the newest mail to `email` whose token starts with `prefix`. */
export type TokenPrefix = 'amisi_ev_' | 'amisi_inv_' | 'amisi_pwr_' | 'amisi_emc_';

export function tokenMailedTo(api: Api, email: string, prefix: TokenPrefix): string {
  const mails = mailbox(api).filter((m) => m.to.toLowerCase().includes(email.toLowerCase()));
  for (const m of mails.reverse()) {
    const t = new RegExp(`Token: (${prefix}[A-Za-z0-9_-]+)`).exec(m.text)?.[1];
    if (t) return t;
  }
  throw new Error(`no mail to ${email} with a ${prefix} token (${mails.length} mails to that address)`);
}

/**
 * The same, for mail the server sends after it has answered (a password reset): waits up to
 * `timeoutMs` for it to land in the folder.
 */
export async function tokenMailedSoon(
  api: Api,
  email: string,
  prefix: TokenPrefix,
  timeoutMs = 5_000,
): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return tokenMailedTo(api, email, prefix);
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export interface Session {
  key: null;
  cookie: string;
  headers: { 'x-csrf-token': string };
}

export async function signIn(api: Api, email: string, password: string): Promise<Session> {
  const r = await api.call('POST', '/v1/auth/login', { key: null, body: { email, password } });
  if (r.status !== 200) throw new Error(`sign-in failed: ${r.status} ${r.text}`);
  return {
    key: null,
    cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!,
    headers: { 'x-csrf-token': r.body.csrf_token as string },
  };
}

/** Opens the verification link mailed to `email`. */
export async function verifyEmail(api: Api, email: string): Promise<void> {
  const token = tokenMailedTo(api, email, 'amisi_ev_');
  const r = await api.call('POST', '/v1/auth/verify-email', { key: null, body: { token } });
  if (r.status !== 200) throw new Error(`verification failed: ${r.status} ${r.text}`);
}

/** Signs up, verifies the address and signs in; returns the session and the sign-up org. */
export async function verifiedUser(
  api: Api,
  email: string,
  password = 'violet quartz harbour 7 lanterns',
): Promise<{ session: Session; org: string; user: string }> {
  const up = await api.call('POST', '/v1/auth/signup', { key: null, body: { email, password } });
  if (up.status !== 202) throw new Error(`sign-up failed: ${up.status} ${up.text}`);
  await verifyEmail(api, email);
  const me = await api.call('POST', '/v1/auth/login', { key: null, body: { email, password } });
  if (me.status !== 200) throw new Error(`sign-in failed: ${me.status} ${me.text}`);
  const first = (me.body.memberships as { org_id: string }[])[0];
  if (!first) throw new Error(`no org after sign-up for ${email}`);
  return { session: await signIn(api, email, password), org: first.org_id, user: me.body.user.id };
}

/** Accepts the newest invitation mailed to `email` as the signed-in `session`. */
export async function acceptInvitation(api: Api, session: Session, email: string) {
  const token = tokenMailedTo(api, email, 'amisi_inv_');
  return api.call('POST', '/v1/invitations/accept', { ...session, body: { token } });
}
