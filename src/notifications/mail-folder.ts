/**
 * The development mailbox: without `SMTP_URL`, mail that must reach one person (an email
 * verification link, an invitation) is written as an RFC 5322 `.eml` file into a folder
 * (`AMISI_MAIL_DIR`, default `<data dir>/mail`) that any mail client or text editor opens,
 * and announced in the log. Org notices keep their own path (the org's outbox, readable
 * through `GET /v1/orgs/{org}/emails`): those carry no secret, these do, which is why they
 * never go through a table an org admin can list.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Mail, Mailer } from './mailer.ts';

export interface MailFolderOptions {
  dir: string;
  from: string;
  /** Told of every message written; the server logs it (see docs/accounts.md). */
  onWrite: (path: string, mail: Mail) => void;
}

let sequence = 0;

/** `20261201T101500123Z-000042-<pid>.eml`: files sort in the order they were written. */
const fileName = (now: Date) =>
  `${now.toISOString().replace(/[-:.]/g, '')}-${String(sequence++).padStart(6, '0')}-${process.pid}.eml`;

export function mailFolder(o: MailFolderOptions): Mailer {
  // Builds the same message SMTP would carry, without sending it anywhere.
  const build = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let made = false;
  return {
    async send(m) {
      if (!made) {
        // Owner-only: the files hold live links into people's accounts.
        mkdirSync(o.dir, { recursive: true, mode: 0o700 });
        made = true;
      }
      const info = await build.sendMail({
        from: o.from,
        to: m.to.join(', '),
        subject: m.subject,
        text: m.text,
      });
      const path = join(o.dir, fileName(new Date()));
      writeFileSync(path, info.message as Buffer, { mode: 0o600 });
      o.onWrite(path, m);
    },
    close() {
      build.close();
    },
  };
}
