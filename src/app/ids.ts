/** Random ids for things minted outside an org's own id sequence (orgs, users, keys). */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `prefix_` + 16 characters of [a-z0-9] (~82 bits), unbiased. */
export function randomId(prefix: string, length = 16): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b >= 252) continue; // 252 = 36 * 7: skip the tail that would bias the modulo
      out += ALPHABET[b % 36];
      if (out.length === length) break;
    }
  }
  return `${prefix}_${out}`;
}

/** A secret a person copies once: a recognisable prefix and 256 random bits. */
export const randomSecret = (prefix: string) => `${prefix}${randomBytes(32).toString('base64url')}`;
