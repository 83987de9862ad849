/**
 * Password hashing with scrypt (memory-hard, in Node's crypto): a random 16-byte salt per
 * password, N = 2^15, r = 8, p = 1, 32-byte key. The parameters are stored with the hash,
 * so they can be raised later without locking anyone out, and a hash verifies at the cost
 * it was made with.
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * log2 of scrypt's N for new hashes: 2^15 takes ≈ 100 ms of a core and 32 MiB. Always this
 * in production (the config refuses less); a test suite may lower it with
 * AMISI_PASSWORD_HASH_COST, down to PASSWORD_HASH_COST_MIN, so that signing hundreds of test
 * people in does not spend minutes in scrypt.
 */
export const PASSWORD_HASH_COST = 15;
export const PASSWORD_HASH_COST_MIN = 10;
const R = 8;
const P = 1;
const KEYLEN = 32;

function derive(password: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...o, maxmem: 256 * o.N * o.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEYLEN, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string, cost = PASSWORD_HASH_COST): Promise<string> {
  if (!Number.isInteger(cost) || cost < PASSWORD_HASH_COST_MIN || cost > PASSWORD_HASH_COST)
    throw new Error(`password hash cost ${cost} is outside ${PASSWORD_HASH_COST_MIN}..${PASSWORD_HASH_COST}`);
  const N = 2 ** cost;
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const expected = Buffer.from(parts[5]!, 'base64url');
  const key = await derive(password, Buffer.from(parts[4]!, 'base64url'), { N: n, r, p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * A hash of nothing, verified when an email is unknown so both answers take the same time:
 * made at the cost the server hashes new passwords with.
 */
const dummies = new Map<number, Promise<string>>();
export const dummyHash = (cost = PASSWORD_HASH_COST) => {
  let dummy = dummies.get(cost);
  if (!dummy) {
    dummy = hashPassword(randomBytes(16).toString('hex'), cost);
    dummies.set(cost, dummy);
  }
  return dummy;
};
