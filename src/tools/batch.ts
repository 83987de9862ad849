/**
 * Renders a batch with bounded concurrency and reports every image on its own: one failure
 * never throws away the others. Pure of the ledger: the caller captures credits per
 * success and releases them per failure, typically from `onProgress` as each image lands,
 * so a slow last image does not delay the charge for the first.
 */
import type { ImageBackend, RenderedImage, RenderRequest } from './backend.ts';
import { failureOf, type RenderFailure } from './errors.ts';
import { MAX_BATCH_SIZE, MAX_RENDER_CONCURRENCY } from './limits.ts';

export type BatchItem = Omit<RenderRequest, 'signal'>;

export type BatchItemResult =
  | { index: number; ok: true; image: RenderedImage; elapsed_ms: number }
  | { index: number; ok: false; error: RenderFailure; elapsed_ms: number };

export interface BatchProgress {
  done: number;
  total: number;
  succeeded: number;
  failed: number;
  result: BatchItemResult;
}

export interface BatchOptions {
  /** Renders in flight at once, 1 to MAX_RENDER_CONCURRENCY; default 2 (this machine's cores). */
  concurrency?: number;
  /** Cancels the batch: items not yet started fail with `aborted`; running ones get the signal. */
  signal?: AbortSignal;
  /**
   * Called once per item as it finishes, in completion order, and awaited inside the
   * item's slot, so per-image work (store, capture) is bounded by the same concurrency.
   * It must not throw: if it does, the batch still finishes every started item and then
   * rejects with that error.
   */
  onProgress?: (progress: BatchProgress) => void | Promise<void>;
}

export const DEFAULT_RENDER_CONCURRENCY = 2;

const NOT_STARTED: RenderFailure = Object.freeze({
  code: 'aborted',
  message: 'the batch was cancelled before this image started',
  retryable: false,
});

/** Results in item order, one per item. */
export async function renderBatch(
  items: readonly BatchItem[],
  backend: ImageBackend,
  options: BatchOptions = {},
): Promise<BatchItemResult[]> {
  const concurrency = options.concurrency ?? DEFAULT_RENDER_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_RENDER_CONCURRENCY)
    throw new RangeError(`concurrency must be an integer from 1 to ${MAX_RENDER_CONCURRENCY}`);
  if (items.length > MAX_BATCH_SIZE)
    throw new RangeError(`${items.length} items in one batch; the limit is ${MAX_BATCH_SIZE}`);
  const { signal, onProgress } = options;

  const results: BatchItemResult[] = new Array(items.length);
  let next = 0;
  let succeeded = 0;
  let failed = 0;
  let progressError: { error: unknown } | undefined;

  async function one(index: number): Promise<BatchItemResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (signal?.aborted) return { index, ok: false, error: NOT_STARTED, elapsed_ms: 0 };
    try {
      const req: RenderRequest = signal ? { ...items[index]!, signal } : { ...items[index]! };
      const image = await backend.render(req);
      return { index, ok: true, image, elapsed_ms: elapsed() };
    } catch (e) {
      return { index, ok: false, error: failureOf(e), elapsed_ms: elapsed() };
    }
  }

  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      const result = await one(index);
      results[index] = result;
      if (result.ok) succeeded++;
      else failed++;
      if (onProgress && !progressError) {
        try {
          await onProgress({ done: succeeded + failed, total: items.length, succeeded, failed, result });
        } catch (error) {
          progressError = { error };
        }
      }
    }
  }

  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (progressError) throw progressError.error;
  return results;
}
