/**
 * Where rendered images are kept, per org. The interface is small so a disk folder, an
 * object store or memory can sit behind it. Keys are opaque to callers but safe by
 * construction: an org id and a key name one file in that org's space and nothing else.
 */
import type { ImageMime } from './backend.ts';
import { formatOfMime, sniffFormat } from './image-format.ts';

export interface StoredImage {
  bytes: Buffer;
  mime: ImageMime;
}

export interface OutputStore {
  /** Stores (or replaces) the image; the key is what `get` takes back. */
  put(orgId: string, imageId: string, bytes: Buffer, mime: ImageMime): Promise<{ key: string }>;
  /** The image under `key` in this org's space, or null. Another org's key finds nothing. */
  get(orgId: string, key: string): Promise<StoredImage | null>;
}

/** Org and image ids as the ledger makes them (`org_x1`, `img_x1_00002a`): no dots, no slashes. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const KEY = /^([A-Za-z0-9][A-Za-z0-9_-]{0,127})\.(png|webp)$/;

export class OutputIdError extends Error {
  readonly code = 'invalid_output_id';
  constructor(what: string, value: string) {
    super(`invalid ${what} ${JSON.stringify(value.slice(0, 140))}: expected letters, digits, _ or -`);
    this.name = 'OutputIdError';
  }
}

export function checkId(what: 'org id' | 'image id', value: string): string {
  if (typeof value !== 'string' || !ID.test(value)) throw new OutputIdError(what, String(value));
  return value;
}

/** Parses a key made by `outputKey`; throws OutputIdError for anything else. */
export function parseKey(key: string): { imageId: string; mime: ImageMime } {
  const m = typeof key === 'string' ? KEY.exec(key) : null;
  if (!m) throw new OutputIdError('output key', String(key));
  return { imageId: m[1]!, mime: m[2] === 'png' ? 'image/png' : 'image/webp' };
}

export function outputKey(imageId: string, mime: ImageMime): string {
  const format = formatOfMime(mime);
  if (!format) throw new TypeError(`unsupported image type ${mime}`);
  return `${checkId('image id', imageId)}.${format}`;
}

/** Refuses bytes that are not the image type they are stored as (a mislabelled file would be served as it). */
export function checkBytes(bytes: Buffer, mime: ImageMime): void {
  if (!Buffer.isBuffer(bytes) || sniffFormat(bytes) !== formatOfMime(mime))
    throw new TypeError(`the bytes are not a ${mime} image`);
}
