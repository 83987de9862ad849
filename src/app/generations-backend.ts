/**
 * The image backend the settings choose, and how long one image may take on it. The
 * deadline bounds a batch, and the batch's hold is sized from it, so a hold cannot expire
 * while its images are still allowed to render.
 */
import {
  buildToolRegistry,
  createLocalRenderer,
  createOpenAICompatibleBackend,
  DiskOutputStore,
  type ImageBackend,
  OPENAI_DEFAULTS,
} from '../tools/index.ts';
import type { AppDeps } from './deps.ts';
import { type GenerationOptions, GenerationService, type Logger } from './generations.ts';
import { BatchRecords } from './generations-records.ts';

/** The shape of `Config['generation']` (the config layer imports nothing of the app). */
export interface ImageBackendSettings {
  backend: 'local' | 'openai';
  concurrency: number;
  batches_per_org: number;
  max_batches: number;
  openai: {
    base_url: string;
    api_key: string;
    model: string;
    timeout_ms: number;
    max_retries: number;
  } | null;
}

export interface ChosenBackend {
  backend: ImageBackend;
  /** Longest one image may take, retries included; the render is cancelled after it. */
  imageDeadlineMs: number;
}

/** The preview renderer makes an 8K image in about a second; two minutes covers a loaded machine. */
export const LOCAL_IMAGE_DEADLINE_MS = 120_000;

export function chooseBackend(s: ImageBackendSettings): ChosenBackend {
  if (s.backend === 'local')
    return { backend: createLocalRenderer(), imageDeadlineMs: LOCAL_IMAGE_DEADLINE_MS };
  if (!s.openai) throw new TypeError('the openai backend needs its settings');
  const o = s.openai;
  const backend = createOpenAICompatibleBackend({
    baseUrl: o.base_url,
    apiKey: o.api_key,
    model: o.model,
    timeoutMs: o.timeout_ms,
    maxRetries: o.max_retries,
  });
  // Every attempt at its deadline, the longest backoff between them, and decoding time.
  const imageDeadlineMs =
    o.timeout_ms * (o.max_retries + 1) + OPENAI_DEFAULTS.maxBackoffMs * o.max_retries + 10_000;
  return { backend, imageDeadlineMs };
}

/** The backend with a deadline on every image: the render gets a signal that fires at it. */
export function withImageDeadline(backend: ImageBackend, deadlineMs: number): ImageBackend {
  return {
    id: backend.id,
    describe: () => backend.describe(),
    render(req) {
      const deadline = AbortSignal.timeout(deadlineMs);
      return backend.render({
        ...req,
        signal: req.signal ? AbortSignal.any([req.signal, deadline]) : deadline,
      });
    },
  };
}

/**
 * The generation service the settings describe: images and batch records under `dataDir`,
 * rendered by the configured backend (or `chosen`, for tests and benchmarks).
 */
export function createGenerations(o: {
  deps: AppDeps;
  settings: ImageBackendSettings;
  dataDir: string;
  log?: Logger;
  chosen?: ChosenBackend;
  onEarlyRender?: GenerationOptions['onEarlyRender'];
}): GenerationService {
  const chosen = o.chosen ?? chooseBackend(o.settings);
  return new GenerationService({
    deps: o.deps,
    registry: buildToolRegistry(o.deps.catalog),
    backend: withImageDeadline(chosen.backend, chosen.imageDeadlineMs),
    imageDeadlineMs: chosen.imageDeadlineMs,
    outputs: new DiskOutputStore(o.dataDir),
    records: new BatchRecords(o.dataDir),
    concurrency: o.settings.concurrency,
    batchesPerOrg: o.settings.batches_per_org,
    maxBatches: o.settings.max_batches,
    ...(o.log ? { log: o.log } : {}),
    ...(o.onEarlyRender ? { onEarlyRender: o.onEarlyRender } : {}),
  });
}
