/**
 * The one interface every image backend implements: the built-in preview renderer and
 * the adapter for OpenAI-compatible APIs. A backend turns one request into one image of
 * exactly the requested size and format, or throws; it knows nothing of credits.
 */
import { isSeed, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from './limits.ts';

export type ImageFormat = 'png' | 'webp';
export type ImageMime = 'image/png' | 'image/webp';

export interface RenderRequest {
  prompt: string;
  seed: number;
  width: number;
  height: number;
  format: ImageFormat;
  signal?: AbortSignal;
}

export interface RenderedImage {
  bytes: Buffer;
  mime: ImageMime;
  format: ImageFormat;
  width: number;
  height: number;
}

export interface BackendDescription {
  name: string;
  /** `preview`: pictures made without a model. `ai`: a generative model made them. */
  kind: 'preview' | 'ai';
  /** One plain sentence or two to show people next to the images. */
  notice: string;
}

export interface ImageBackend {
  readonly id: string;
  describe(): BackendDescription;
  render(req: RenderRequest): Promise<RenderedImage>;
}

/** A request no backend can honour is a programmer error: the caller skipped validation. */
export function assertRenderRequest(req: RenderRequest): void {
  const { width, height } = req;
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const)
    if (!Number.isInteger(v) || v < 1 || v > MAX_IMAGE_SIDE)
      throw new RangeError(`${name} must be an integer from 1 to ${MAX_IMAGE_SIDE}, got ${v}`);
  if (width * height > MAX_IMAGE_PIXELS)
    throw new RangeError(`${width}×${height} is more than ${MAX_IMAGE_PIXELS} pixels`);
  if (!isSeed(req.seed)) throw new RangeError(`seed must be a uint32, got ${req.seed}`);
  if (typeof req.prompt !== 'string') throw new TypeError('prompt must be a string');
  if (req.format !== 'png' && req.format !== 'webp')
    throw new RangeError(`format must be png or webp, got ${String(req.format)}`);
}
