/** An OutputStore in memory, for tests and demos of the layers above; same key rules as disk. */
import type { ImageMime } from './backend.ts';
import {
  checkBytes,
  checkId,
  type OutputStore,
  outputKey,
  parseKey,
  type StoredImage,
} from './output-store.ts';

export class MemoryOutputStore implements OutputStore {
  private readonly images = new Map<string, StoredImage>();

  async put(orgId: string, imageId: string, bytes: Buffer, mime: ImageMime): Promise<{ key: string }> {
    const key = outputKey(imageId, mime);
    checkBytes(bytes, mime);
    this.images.set(`${checkId('org id', orgId)}/${key}`, { bytes: Buffer.from(bytes), mime });
    return { key };
  }

  async get(orgId: string, key: string): Promise<StoredImage | null> {
    parseKey(key);
    const found = this.images.get(`${checkId('org id', orgId)}/${key}`);
    return found ? { bytes: Buffer.from(found.bytes), mime: found.mime } : null;
  }
}
