import { describe, expect, it } from 'vitest';
import type { ImageBackend, RenderRequest } from './backend.ts';
import { type BatchItem, type BatchProgress, renderBatch } from './batch.ts';
import { ProviderError } from './errors.ts';
import { createLocalRenderer } from './local-renderer.ts';

const item = (prompt: string): BatchItem => ({ prompt, seed: 1, width: 64, height: 36, format: 'png' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A backend that takes `ms`, fails prompts starting with "fail", and counts renders in flight. */
function fakeBackend(ms = 20, onStart: (prompt: string) => void = () => {}) {
  const stats = {
    inFlight: 0,
    maxInFlight: 0,
    started: [] as string[],
    signals: [] as (AbortSignal | undefined)[],
  };
  const backend: ImageBackend = {
    id: 'fake',
    describe: () => ({ name: 'fake', kind: 'preview', notice: 'test double' }),
    async render(req: RenderRequest) {
      stats.started.push(req.prompt);
      onStart(req.prompt);
      stats.signals.push(req.signal);
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      try {
        await sleep(ms);
        if (req.prompt.startsWith('fail-500'))
          throw new ProviderError('http_status', 'the provider answered 500', {
            status: 500,
            retryable: true,
          });
        if (req.prompt.startsWith('fail')) throw new Error(`could not draw ${req.prompt}`);
        return {
          bytes: Buffer.from(req.prompt),
          mime: 'image/png',
          format: 'png',
          width: req.width,
          height: req.height,
        };
      } finally {
        stats.inFlight--;
      }
    },
  };
  return { backend, stats };
}

describe('renderBatch', () => {
  it('reports each image on its own: failures do not sink the successes', async () => {
    const { backend } = fakeBackend();
    const results = await renderBatch(
      [item('a'), item('fail-500 b'), item('c'), item('fail d'), item('e')],
      backend,
      { concurrency: 2 },
    );
    expect(results.map((r) => [r.index, r.ok])).toEqual([
      [0, true],
      [1, false],
      [2, true],
      [3, false],
      [4, true],
    ]);
    const [, b, , d] = results;
    expect(b).toMatchObject({
      ok: false,
      error: { code: 'http_status', status: 500, retryable: true, message: 'the provider answered 500' },
    });
    expect(d).toMatchObject({
      ok: false,
      error: { code: 'render_failed', message: 'could not draw fail d' },
    });
    expect(results[4]).toMatchObject({ ok: true, image: { bytes: Buffer.from('e') } });
  });

  it.each([1, 3])('never has more than %i renders in flight', async (concurrency) => {
    const { backend, stats } = fakeBackend(15);
    await renderBatch(
      Array.from({ length: 10 }, (_, i) => item(`p${i}`)),
      backend,
      { concurrency },
    );
    expect(stats.maxInFlight).toBe(concurrency);
    expect(stats.started.length).toBe(10);
  });

  it('tells progress once per image, in completion order, and awaits it inside the slot', async () => {
    const { backend, stats } = fakeBackend(5);
    const progress: BatchProgress[] = [];
    let inCallback = 0;
    let maxBusy = 0;
    await renderBatch([item('a'), item('fail b'), item('c'), item('d')], backend, {
      concurrency: 2,
      onProgress: async (p) => {
        inCallback++;
        maxBusy = Math.max(maxBusy, stats.inFlight + inCallback);
        await sleep(10);
        inCallback--;
        progress.push(p);
      },
    });
    expect(progress.map((p) => p.done).sort()).toEqual([1, 2, 3, 4]);
    expect(progress.at(-1)).toMatchObject({ total: 4, succeeded: 3, failed: 1 });
    expect(progress.map((p) => p.result.index).sort()).toEqual([0, 1, 2, 3]);
    expect(maxBusy).toBeLessThanOrEqual(2);
  });

  it('fails the items not yet started with aborted when the signal fires, and passes it to running ones', async () => {
    const controller = new AbortController();
    // Cancel as the third image starts: the two workers have taken p0, p1, p2 by then.
    const { backend, stats } = fakeBackend(10, (prompt) => prompt === 'p2' && controller.abort());
    const results = await renderBatch(
      Array.from({ length: 6 }, (_, i) => item(`p${i}`)),
      backend,
      { concurrency: 2, signal: controller.signal },
    );
    expect(stats.started).toEqual(['p0', 'p1', 'p2']);
    expect(stats.signals.every((s) => s === controller.signal)).toBe(true);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false, false, false]);
    expect(results[3]).toEqual({
      index: 3,
      ok: false,
      error: expect.objectContaining({ code: 'aborted' }),
      elapsed_ms: 0,
    });
  });

  it('finishes every started image before rejecting for an onProgress that threw', async () => {
    const { backend, stats } = fakeBackend(10);
    const seen: number[] = [];
    const run = renderBatch([item('a'), item('b'), item('c')], backend, {
      concurrency: 2,
      onProgress: (p) => {
        seen.push(p.result.index);
        throw new Error('capture failed');
      },
    });
    await expect(run).rejects.toThrow('capture failed');
    expect(stats.inFlight).toBe(0);
    expect(seen.length).toBe(1);
  });

  it('renders real images with the local renderer, and reports a bad request as that item failing', async () => {
    const results = await renderBatch(
      [item('a cat'), { ...item('no width'), width: 0 }, item('a dog')],
      createLocalRenderer(),
    );
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]).toMatchObject({
      error: { code: 'render_failed', message: expect.stringMatching(/width/) },
    });
    const first = results[0]!;
    expect(first.ok && first.image.bytes.subarray(1, 4).toString()).toBe('PNG');
  });

  it('refuses a batch over the size limit and a concurrency outside 1–8', async () => {
    const { backend } = fakeBackend();
    await expect(renderBatch(Array(17).fill(item('x')), backend)).rejects.toThrow(/limit is 16/);
    await expect(renderBatch([item('x')], backend, { concurrency: 0 })).rejects.toThrow(RangeError);
    await expect(renderBatch([item('x')], backend, { concurrency: 9 })).rejects.toThrow(RangeError);
    expect(await renderBatch([], backend)).toEqual([]);
  });
});
