import { describe, expect, it } from 'vitest';
import { dummyHash, hashPassword, PASSWORD_HASH_COST, verifyPassword } from './passwords.ts';

const costOf = (hash: string) => Math.log2(Number(hash.split('$')[1]));

describe('password hashes', () => {
  it('are made at N = 2^15 unless a lower test cost is asked for, and each verifies at its own cost', async () => {
    expect(PASSWORD_HASH_COST).toBe(15);
    const secure = await hashPassword('violet quartz harbour');
    const cheap = await hashPassword('violet quartz harbour', 10);
    expect(secure).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(costOf(cheap)).toBe(10);
    expect(await verifyPassword('violet quartz harbour', secure)).toBe(true);
    expect(await verifyPassword('violet quartz harbour', cheap)).toBe(true);
    expect(await verifyPassword('violet quartz harbor', cheap)).toBe(false);
  });

  it('check an unknown email against a dummy hash of the same cost as real ones', async () => {
    expect(costOf(await dummyHash())).toBe(PASSWORD_HASH_COST);
    expect(costOf(await dummyHash(10))).toBe(10);
  });

  it('refuse a cost below 10 or above 15', async () => {
    await expect(hashPassword('x', 9)).rejects.toThrow(/outside 10..15/);
    await expect(hashPassword('x', 16)).rejects.toThrow(/outside 10..15/);
  });
});
