/**
 * Sign-up says nothing about who has an account: the same answer for a new email and a
 * known one, and the email tells the owner which. Passwords too easy to guess are refused,
 * with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_PASSWORD_SCORE } from '../../src/app/password-strength.ts';
import { SmtpSink } from '../notifications/smtp.ts';
import { type Api, DIALECTS, expectProblem, startApi, uniqueEmail } from './harness.ts';

const signUp = (api: Api, body: Record<string, unknown>) =>
  api.call('POST', '/v1/auth/signup', { key: null, body });
const logIn = (api: Api, email: string, password: string) =>
  api.call('POST', '/v1/auth/login', { key: null, body: { email, password } });

/** Waits until the sink holds a mail to `to` whose text contains `words` (mail leaves in the background). */
async function mailTo(smtp: SmtpSink, to: string, words: string) {
  for (let i = 0; i < 200; i++) {
    const m = smtp.mails.find((x) => x.to.some((t) => t.includes(to)) && x.data.includes(words));
    if (m) return m;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `no mail to ${to} containing ${words}; got ${smtp.mails.map((m) => m.data).join('\n---\n')}`,
  );
}

describe.each(DIALECTS)('sign-up on %s', (dialect) => {
  let api: Api;
  const smtp = new SmtpSink();
  beforeAll(async () => {
    await smtp.start();
    api = await startApi(dialect, { smtp_url: `smtp://127.0.0.1:${smtp.port}` });
  });
  afterAll(async () => {
    await api?.close();
    await smtp.close();
  });

  it('answers a known email exactly as a new one, and tells the owner by email', async () => {
    const known = uniqueEmail('known');
    const first = await signUp(api, { email: known, password: 'correct horse battery', org_name: 'Mine' });
    const fresh = uniqueEmail('fresh');
    const other = await signUp(api, { email: fresh, password: 'purple tractor lamp' });
    const again = await signUp(api, { email: known, password: 'another quiet harbour' });
    for (const r of [first, other, again]) {
      expect(r.status).toBe(202);
      expect(Object.keys(r.body).sort()).toEqual(['email', 'message']);
    }
    // Byte for byte the same answer as the first time, when the account was made.
    expect(again.text).toBe(first.text);
    expect(other.text).toBe(first.text.replaceAll(known, fresh));
    // The address's owner hears of both: the account made, then someone trying again.
    await mailTo(smtp, known, 'Verify your email address');
    await mailTo(smtp, known, 'already has one');
    await mailTo(smtp, fresh, 'Verify your email address');
    // The second attempt changed nothing: the first password still signs in, the second does not.
    expect((await logIn(api, known, 'correct horse battery')).status).toBe(200);
    expectProblem(await logIn(api, known, 'another quiet harbour'), 401, 'unauthorized');
  });

  it('refuses passwords too easy to guess, naming body.password and saying why', async () => {
    const email = uniqueEmail('weak');
    for (const [password, why] of [
      ['        ', 'Repeated characters'],
      ['password', 'heavily used password'],
      ['12345678', 'heavily used password'],
      [`${email.split('@')[0]}`, 'personal'],
    ] as const) {
      const r = await signUp(api, { email, password });
      expectProblem(r, 400, 'validation_failed');
      expect(r.body.errors).toEqual([{ field: 'body.password', message: expect.stringContaining(why) }]);
      expect(r.body.detail).toMatch(/^body\.password is too easy to guess/);
      expect(r.body.password_score).toBeLessThan(MIN_PASSWORD_SCORE);
      expect(r.body.min_password_score).toBe(MIN_PASSWORD_SCORE);
    }
    // Nothing was made by a refused sign-up; a passphrase then works.
    expectProblem(await logIn(api, email, 'password'), 401, 'unauthorized');
    expect((await signUp(api, { email, password: 'violet tractor lamp' })).status).toBe(202);
    expect((await logIn(api, email, 'violet tractor lamp')).status).toBe(200);
  });
});
