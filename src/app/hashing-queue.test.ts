import { describe, expect, it } from 'vitest';
import { HASHES_AT_ONCE, HASHES_WAITING, HASHING_BUSY_RETRY_SECONDS, HashingQueue } from './hashing-queue.ts';
import { Throttled } from './throttled.ts';

/** Work that finishes when the test says so. */
function gate() {
  let open = () => {};
  const done = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, work: () => done };
}

describe('the password hashing queue', () => {
  it('runs HASHES_AT_ONCE at once, keeps HASHES_WAITING waiting and refuses the next at once', async () => {
    const q = new HashingQueue();
    const g = gate();
    const started: number[] = [];
    const accepted = Array.from({ length: HASHES_AT_ONCE + HASHES_WAITING }, (_, i) =>
      q.run(async () => {
        started.push(i);
        await g.work();
        return i;
      }),
    );
    await Promise.resolve();
    expect(q.load).toEqual({ running: HASHES_AT_ONCE, waiting: HASHES_WAITING });
    expect(started).toEqual(Array.from({ length: HASHES_AT_ONCE }, (_, i) => i));
    const refused = await q.run(async () => 'never').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Throttled);
    expect((refused as Throttled).retryAfterSeconds).toBe(HASHING_BUSY_RETRY_SECONDS);
    g.open();
    expect(await Promise.all(accepted)).toEqual(accepted.map((_, i) => i));
    // Those that waited ran in the order they came, and the queue is empty again.
    expect(started).toEqual(accepted.map((_, i) => i));
    expect(q.load).toEqual({ running: 0, waiting: 0 });
  });

  it('frees the slot of work that fails', async () => {
    const q = new HashingQueue(1, 0);
    await expect(q.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await q.run(async () => 'next')).toBe('next');
  });
});
