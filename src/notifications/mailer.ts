/**
 * Email through nodemailer when `SMTP_URL` is set (smtp:// or smtps://). Without it no mail
 * leaves: org notices are kept in the outbox with status `stored`, readable through the API
 * (`GET /v1/orgs/{org}/emails`), and mail to one person with a token in it (verification,
 * invitations) is written to the development mail folder (`mail-folder.ts`).
 */
import nodemailer from 'nodemailer';

export interface Mail {
  to: string[];
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    async send(m) {
      await transport.sendMail({ from, to: m.to.join(', '), subject: m.subject, text: m.text });
    },
    close() {
      transport.close();
    },
  };
}

/** Tells `onError` of every failed send (then fails as before), so the cause reaches the log. */
export function loggedMailer(inner: Mailer, onError: (err: unknown, mail: Mail) => void): Mailer {
  return {
    async send(m) {
      try {
        await inner.send(m);
      } catch (e) {
        onError(e, m);
        throw e;
      }
    },
    close() {
      inner.close();
    },
  };
}
