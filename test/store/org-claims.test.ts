/**
 * The orgs a person may own are claimed in one atomic step (issue 13, defect 4): however
 * many claims race, on one store or on two instances sharing PostgreSQL, exactly
 * `limit − owned` succeed, and a claim given back can be claimed again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { DIALECTS, type Harness, openHarness, PG_URL } from './dialects.ts';

describe.each(DIALECTS)('org claims on %s', (dialect) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('grants exactly limit − owned of 30 concurrent claims, and a released claim once more', async () => {
    h = await openHarness(dialect);
    const store = h.store;
    const results = await Promise.all(Array.from({ length: 30 }, () => store.claimOrg('usr_a', 1, 5)));
    expect(results.filter(Boolean)).toHaveLength(4);
    expect(await store.claimOrg('usr_a', 1, 5)).toBe(false);
    await store.releaseOrgClaim('usr_a');
    expect(await store.claimOrg('usr_a', 1, 5)).toBe(true);
    expect(await store.claimOrg('usr_a', 1, 5)).toBe(false);
  });

  it('counts orgs owned beyond the claims, and refuses a person at the limit already', async () => {
    h = await openHarness(dialect);
    expect(await h.store.claimOrg('usr_b', 5, 5)).toBe(false);
    expect(await h.store.claimOrg('usr_c', 1, 3)).toBe(true); // claimed 2
    expect(await h.store.claimOrg('usr_c', 3, 3)).toBe(false); // owns 3 by other means
    expect(await h.store.claimOrg('usr_d', 0, 1)).toBe(true);
    expect(await h.store.claimOrg('usr_d', 0, 1)).toBe(false);
  });
});

describe('org claims from two instances sharing PostgreSQL', () => {
  it('grants exactly limit − owned across both', async () => {
    const h = await openHarness('postgres');
    const other = await openPostgresStore({ url: PG_URL, schema: h.location });
    try {
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? h.store : other).claimOrg('usr_x', 2, 5)),
      );
      expect(results.filter(Boolean)).toHaveLength(3);
    } finally {
      await other.close();
      await h.cleanup();
    }
  });
});
