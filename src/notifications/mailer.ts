/**
 * Email through nodemailer when `SMTP_URL` is set (smtp:// or smtps://). Without it no mail
 * leaves: messages are kept in the outbox with status `stored`, readable through the API
 * (`GET /v1/orgs/{org}/emails`), which is what development and tests use.
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
