/**
 * One-time tokens: the secret in a link mailed to one address (verify this email, join
 * this org; later: reset a password, confirm a new address). A token is
 *  - random (256 bits) with a prefix naming its purpose, so a person can tell them apart;
 *  - stored only as its SHA-256, like sessions and API keys;
 *  - bound to a purpose, a subject (user or invitation) and the address it was mailed to;
 *  - single-use: spending it is one conditional UPDATE, so of two redemptions racing on
 *    one or several instances exactly one wins;
 *  - expiring, on the service's clock (the manual clock in tests).
 * Each refusal has its own code, so a person can be told what to do: `token_invalid`
 * (unknown, replaced by a newer one, revoked, or for another purpose), `token_expired`
 * (ask for a new one), `token_used`.
 */
import { hash } from 'node:crypto';
import { DomainError } from '../core/index.ts';
import type { OneTimeToken, TokenPurpose } from '../store/types.ts';
import type { AppDeps } from './deps.ts';
import { randomSecret } from './ids.ts';

const sha256 = (s: string) => hash('sha256', s);

const PREFIX: Record<TokenPurpose, string> = {
  email_verification: 'amisi_ev_',
  invitation: 'amisi_inv_',
  password_reset: 'amisi_pwr_',
  email_change: 'amisi_emc_',
};

/** Longer than any token we mint (prefix + 43 characters); anything longer is not ours. */
const MAX_TOKEN_LENGTH = 100;

export interface TokenRequest {
  purpose: TokenPurpose;
  subject_id: string;
  org_id?: string | null;
  email: string;
  ttl_ms: number;
}

/** Mints a token and stores its hash; the secret is returned once, for the email. */
export async function issueToken(deps: AppDeps, r: TokenRequest): Promise<string> {
  const secret = randomSecret(PREFIX[r.purpose]);
  const now = deps.clock.now();
  await deps.store.createToken({
    hash: sha256(secret),
    purpose: r.purpose,
    subject_id: r.subject_id,
    org_id: r.org_id ?? null,
    email: r.email,
    created_at: now,
    expires_at: now + r.ttl_ms,
    used_at: null,
  });
  return secret;
}

const invalidToken = () =>
  new DomainError(
    'token_invalid',
    'this link is not valid: it may have been replaced by a newer one or revoked',
  );

function refusal(t: OneTimeToken, now: number): DomainError | null {
  if (t.used_at !== null) return new DomainError('token_used', 'this link was already used');
  if (now >= t.expires_at)
    return new DomainError('token_expired', `this link expired at ${new Date(t.expires_at).toISOString()}`, {
      expired_at: new Date(t.expires_at).toISOString(),
    });
  return null;
}

/** The live token of this purpose behind `secret`, without spending it; throws the refusal. */
export async function openToken(deps: AppDeps, purpose: TokenPurpose, secret: string): Promise<OneTimeToken> {
  if (secret.length > MAX_TOKEN_LENGTH || !secret.startsWith(PREFIX[purpose])) throw invalidToken();
  const t = await deps.store.findToken(sha256(secret));
  if (!t || t.purpose !== purpose) throw invalidToken();
  const no = refusal(t, deps.clock.now());
  if (no) throw no;
  return t;
}

/** Spends a token `openToken` returned; throws `token_used`/`token_expired` if another request won. */
export async function spendToken(deps: AppDeps, t: OneTimeToken): Promise<void> {
  const now = deps.clock.now();
  if (await deps.store.spendToken(t.hash, now)) return;
  const again = await deps.store.findToken(t.hash);
  throw (again && refusal(again, now)) ?? invalidToken();
}
