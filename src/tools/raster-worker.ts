/**
 * A preview-raster thread: samples patterns into RGB pixels (raster-pool.ts sends the work)
 * so the request thread never spends an image's ~10–20 ms of arithmetic.
 */
import { parentPort } from 'node:worker_threads';
import { type Pattern, rasterize } from './pattern.ts';

const port = parentPort!;
port.on('message', (m: { id: number; pattern: Pattern; width: number; height: number }) => {
  try {
    const pixels = rasterize(m.pattern, m.width, m.height);
    // The pixels own their memory (an image is far above Buffer's pool size): hand it over, no copy.
    const whole = pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength;
    const data = whole
      ? pixels.buffer
      : pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.length);
    port.postMessage({ id: m.id, data }, [data as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ id: m.id, error: (e as Error).message ?? String(e) });
  }
});
port.postMessage({ ready: true });
