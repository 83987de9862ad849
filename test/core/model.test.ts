import { describe, it } from 'vitest';
import { memoryLedgerLike, propertyRuns, runModelTest } from './reference-model.ts';

// 2000 random sequences of up to 100 steps over three orgs take a few seconds; raise them
// with AMISI_PROPERTY_RUNS=50000 for a long hunt. A failure prints fast-check's seed and path.
const runs = propertyRuns(2000);

describe('the ledger against a reference model', () => {
  it('agrees with the model on balance, held, available and credits by source after every step, and verifies', {
    // Sized by count; the limit only stops a hung run (a loaded 2-core machine took 60 s for 2000).
    timeout: 600_000 + runs * 300,
  }, async () => {
    await runModelTest(() => memoryLedgerLike(), { numRuns: runs });
  });
});
