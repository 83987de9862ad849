/**
 * The built-in preview renderer, the default backend: a deterministic abstract picture of
 * the prompt + seed at the exact output size. It is not an AI model and says so.
 *
 * Cost sketch: the picture is sampled in JavaScript at most LOCAL_BASE_MAX_SIDE pixels on
 * its longest side (≤ 0.52 M pixels, ~20 ms of CPU, in a worker thread of raster-pool.ts so
 * the request thread stays free), then sharp scales it by a whole factor
 * with nearest-neighbour to the target (8K: 8×, each sample an 8×8 block of a smooth
 * gradient) and encodes. Interpolating kernels at 8K cost 0.4–0.7 s in libvips; repeating
 * samples costs ~50 ms and also makes rows repeat, which zlib encodes quickly and small.
 */
import sharp from 'sharp';
import { assertRenderRequest, type ImageBackend, type RenderedImage, type RenderRequest } from './backend.ts';
import { encode, MIME_OF } from './image-format.ts';
import { patternOf } from './pattern.ts';
import { RasterPool } from './raster-pool.ts';

/** Longest side the picture is sampled at before it is scaled to the output size. */
export const LOCAL_BASE_MAX_SIDE = 960;

export const LOCAL_BACKEND_ID = 'local';

/** The sample grid for an output size: every output pixel maps to one sample. */
export function baseSize(width: number, height: number): { width: number; height: number; factor: number } {
  const factor = Math.max(1, Math.ceil(Math.max(width, height) / LOCAL_BASE_MAX_SIDE));
  return { width: Math.ceil(width / factor), height: Math.ceil(height / factor), factor };
}

/** One pool for every local renderer of the process: threads are per machine, not per renderer. */
let shared: RasterPool | null = null;
function sharedPool(): RasterPool {
  if (!shared) shared = new RasterPool();
  return shared;
}

export function createLocalRenderer(options: { pool?: RasterPool } = {}): ImageBackend {
  const pool = () => options.pool ?? sharedPool();
  return {
    id: LOCAL_BACKEND_ID,
    describe: () => ({
      name: 'Built-in preview renderer',
      kind: 'preview',
      notice:
        'Built-in preview renderer: it draws an abstract picture derived from the prompt and seed. ' +
        'It is not an AI model. Connect an OpenAI-compatible image API for AI-generated images.',
    }),
    async render(req: RenderRequest): Promise<RenderedImage> {
      assertRenderRequest(req);
      req.signal?.throwIfAborted();
      const { width, height, format } = req;
      const base = baseSize(width, height);
      const raster = await pool().rasterize(patternOf(req.prompt, req.seed), base.width, base.height);
      req.signal?.throwIfAborted();
      let image = sharp(raster, { raw: { width: base.width, height: base.height, channels: 3 } });
      if (base.width !== width || base.height !== height)
        image = image.resize(width, height, { fit: 'fill', kernel: 'nearest' });
      const bytes = await encode(image, format).toBuffer();
      return { bytes, mime: MIME_OF[format], format, width, height };
    },
  };
}
