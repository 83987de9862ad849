/** The app's QueryClient: a refusal because the org was closed makes its record read again. */
import { describe, expect, it } from 'vitest';
import { ApiError } from './api/client';
import { orgKey } from './lib/org-record';
import { createQueryClient } from './query-client';

function failWith(code: string, status: number) {
  const qc = createQueryClient();
  qc.setQueryData(orgKey('org_1'), { id: 'org_1', closed_at: null });
  const mutation = qc.getMutationCache().build(qc, {
    mutationFn: () => Promise.reject(new ApiError({ title: code, status, code })),
  });
  return { qc, done: mutation.execute(undefined).catch(() => {}) };
}

describe('the query client', () => {
  it('reads the org again when a change is refused with 410 org_closed', async () => {
    const { qc, done } = failWith('org_closed', 410);
    await done;
    expect(qc.getQueryState(orgKey('org_1'))?.isInvalidated).toBe(true);
  });

  it('leaves the org as read for any other refusal', async () => {
    const { qc, done } = failWith('validation_failed', 400);
    await done;
    expect(qc.getQueryState(orgKey('org_1'))?.isInvalidated).toBe(false);
  });
});
