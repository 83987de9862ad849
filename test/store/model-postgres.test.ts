/**
 * The core's model-based property test (test/core/reference-model.ts) against the PostgreSQL
 * store: random command sequences over three orgs, some sent as batches the group commit
 * applies in one transaction, each step checked against the obviously-correct model, and
 * `verify` run on the real database every 5 steps and at the end. Each sequence has orgs of
 * its own; a few share a database (store-ledger.ts: SEQUENCES_PER_DATABASE).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { propertyRuns, runModelTest } from '../core/reference-model.ts';
import { closeSharedStores, largestBatch, nextStoreLedger } from './store-ledger.ts';

// Sized by count (12 sequences of up to 80 steps, AMISI_PROPERTY_RUNS to change it). The
// limit only stops a hung run: a loaded 2-core machine took about 4 s per PostgreSQL sequence,
// so it allows 15 s each, and never less than 15 minutes.
const runs = propertyRuns(12);

describe('the model-based property test against the PostgreSQL store', () => {
  afterAll(closeSharedStores);
  it('agrees with the model on PostgreSQL, step by step and batch by batch', {
    timeout: Math.max(900_000, runs * 15_000),
  }, async () => {
    await runModelTest(() => nextStoreLedger('postgres'), {
      numRuns: runs,
      maxCommands: 80,
      verifyEvery: 5,
    });
    // The batch steps did reach the group commit as batches of several operations.
    expect(largestBatch.ops).toBeGreaterThan(1);
  });
});
