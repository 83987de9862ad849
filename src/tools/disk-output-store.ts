/**
 * Images on disk: `<dataDir>/outputs/<org id>/<image id>.<png|webp>`. Writes are atomic
 * (temp file, fsync, rename, fsync of the folder), so a reader never sees half an image and
 * a crash leaves either the old file or the new one. Ids are validated before any path is
 * built, and the resolved path is checked to stay inside the org's folder.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { ImageMime } from './backend.ts';
import {
  checkBytes,
  checkId,
  type OutputStore,
  outputKey,
  parseKey,
  type StoredImage,
} from './output-store.ts';

export class DiskOutputStore implements OutputStore {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = resolve(dataDir, 'outputs');
  }

  private folder(orgId: string): string {
    const dir = join(this.root, checkId('org id', orgId));
    if (!dir.startsWith(this.root + sep))
      throw new Error(`invariant violated: ${dir} is outside ${this.root}`);
    return dir;
  }

  async put(orgId: string, imageId: string, bytes: Buffer, mime: ImageMime): Promise<{ key: string }> {
    const key = outputKey(imageId, mime);
    checkBytes(bytes, mime);
    const dir = this.folder(orgId);
    await mkdir(dir, { recursive: true });
    // A dot-prefixed name cannot collide with a key: keys start with a letter or digit.
    const temp = join(dir, `.${imageId}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const file = await open(temp, 'wx', 0o640);
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, join(dir, key));
    } catch (e) {
      await unlink(temp).catch(() => {});
      throw e;
    }
    await syncFolder(dir);
    return { key };
  }

  async get(orgId: string, key: string): Promise<StoredImage | null> {
    const { mime } = parseKey(key);
    try {
      return { bytes: await readFile(join(this.folder(orgId), key)), mime };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
}

/** Makes the rename itself durable: without it a power loss can forget the new name. */
async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
