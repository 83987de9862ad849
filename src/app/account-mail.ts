/**
 * Mail to one person about their account: a verification link, an invitation (and, later,
 * password resets and email changes). Unlike org notices it carries a secret, so it is not
 * queued in the org's outbox, whose payloads are stored as written and listed to the org's
 * admins: it is handed to the mailer at once (SMTP when configured, else the development
 * mail folder) and only the token's hash is ever stored. A failed send is reported to the
 * caller, who can ask again (resend, invite again).
 */
import type { AppDeps } from './deps.ts';

export type { AccountMailOptions } from './deps.ts';

/** The account mail could not be handed to the mail server. */
export class MailUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailUnavailable';
  }
}

export interface AccountMail {
  to: string;
  subject: string;
  text: string;
}

/** A link into the app; the token rides in the fragment, which browsers never send to a server. */
export function accountLink(deps: AppDeps, page: string, token: string): string {
  const base = (deps.accountMail?.publicUrl ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  return `${base}/${page}#token=${token}`;
}

export async function sendAccountMail(deps: AppDeps, m: AccountMail): Promise<void> {
  const mailer = deps.accountMail?.mailer;
  if (!mailer) throw new MailUnavailable('this server has no way to send email');
  try {
    await mailer.send({
      to: [m.to],
      subject: `[Amisi Credits] ${m.subject}`,
      text: `${m.text}\n\n— Amisi Credits`,
    });
  } catch {
    // The mail server's words stay in the server's log (the mailer logs them), not in the answer.
    throw new MailUnavailable(`the email to ${m.to} could not be sent; try again in a few minutes`);
  }
}
