/**
 * Batch records: what a generation batch asked for, how each image went and how its hold
 * was settled, kept as one JSON file per batch under the data dir, next to the images:
 *
 *   <dataDir>/generations/<org id>/<batch id>.json     the record
 *   <dataDir>/generations/.running/<org id>.<batch id>  a marker while the batch is unsettled
 *
 * Why files and not a table: the records describe files on the same disk (the images), they
 * are written twice per batch (start, end) and read by id, and the ledger's own tables stay
 * the ledger's. Writes are atomic (temp file, fsync, rename, fsync of the folder), so a
 * crash leaves the old record or the new one. Recovery lists the markers, not every batch
 * ever made.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ImageFormat } from '../tools/index.ts';

export type BatchStatus = 'running' | 'succeeded' | 'partially_succeeded' | 'failed';
/**
 * `rendered`: the image is stored and its credits are held, not yet charged. It becomes
 * `succeeded` (delivered and charged) when the batch's hold is captured, or `failed` when
 * the hold could not be captured. Only `succeeded` images are served.
 */
export type ImageStatus = 'pending' | 'rendered' | 'succeeded' | 'failed';

export interface FailureRecord {
  code: string;
  message: string;
  retryable: boolean;
}

export interface ImageRecord {
  id: string;
  index: number;
  prompt: string;
  seed: number;
  status: ImageStatus;
  /** The output store's key once the image is stored. */
  key: string | null;
  bytes: number | null;
  error: FailureRecord | null;
  elapsed_ms: number | null;
}

export interface Settlement {
  charged: number;
  released: number;
  /** The usage transaction of the capture; null when the hold was released or lost. */
  transaction_id: string | null;
  summary: string;
}

export interface BatchRecord {
  version: 1;
  id: string;
  org_id: string;
  tool: string;
  operation: string;
  width: number;
  height: number;
  format: ImageFormat;
  credits_per_image: number;
  member_id: string | null;
  project_id: string | null;
  finalize_of: { batch_id: string; image_id: string } | null;
  backend: { id: string; name: string; kind: 'preview' | 'ai' };
  status: BatchStatus;
  /** The ledger hold: its idempotency key lets recovery find it again after a crash. */
  hold: { key: string; ttl_seconds: number; id: string | null; expires_at: number | null };
  settlement: Settlement | null;
  error: { code: string; message: string } | null;
  /** The process rendering the batch, and when it last said it was alive (wall clock). */
  owner: { host: string; pid: number; instance: string };
  heartbeat_at: number;
  /** Ledger clock. */
  created_at: number;
  completed_at: number | null;
  /**
   * Where a batch's time went, for operators and the bench. precheck: the affordability
   * read; hold: the hold's durable commit (beside the render when it started early);
   * hold_wait: the longest an image waited for that commit; settle: the capture/release.
   */
  timings_ms: {
    precheck?: number | null;
    hold: number | null;
    hold_wait?: number | null;
    render: number | null;
    settle: number | null;
  };
  images: ImageRecord[];
}

/** Ids as the app makes them; anything else names no record (and never a path). */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export class BatchRecords {
  readonly root: string;
  private readonly running: string;

  constructor(dataDir: string) {
    this.root = resolve(dataDir, 'generations');
    this.running = join(this.root, '.running');
  }

  private path(orgId: string, id: string): string | null {
    if (!ID.test(orgId) || !ID.test(id)) return null;
    return join(this.root, orgId, `${id}.json`);
  }

  async get(orgId: string, id: string): Promise<BatchRecord | null> {
    const path = this.path(orgId, id);
    if (!path) return null;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const r = JSON.parse(text) as BatchRecord;
    if (r.version !== 1 || r.id !== id || r.org_id !== orgId)
      throw new Error(`invariant violated: ${path} does not hold batch ${id} of ${orgId}`);
    return r;
  }

  /** Writes the record; an unsettled one is also marked, so recovery finds it. */
  async put(r: BatchRecord): Promise<void> {
    const path = this.path(r.org_id, r.id);
    if (!path) throw new Error(`invariant violated: bad batch ids ${r.org_id}/${r.id}`);
    const unsettled = r.settlement === null && r.status === 'running';
    if (unsettled) await writeAtomic(join(this.running, `${r.org_id}.${r.id}`), '');
    await writeAtomic(path, JSON.stringify(r));
    if (!unsettled) await unlink(join(this.running, `${r.org_id}.${r.id}`)).catch(ignoreMissing);
  }

  /** Forgets a batch that never started (its hold was refused). */
  async delete(orgId: string, id: string): Promise<void> {
    const path = this.path(orgId, id);
    if (!path) return;
    await unlink(path).catch(ignoreMissing);
    await unlink(join(this.running, `${orgId}.${id}`)).catch(ignoreMissing);
  }

  /** The batches marked unsettled, as (org, id) pairs. */
  async unsettled(): Promise<{ org_id: string; id: string }[]> {
    let names: string[];
    try {
      names = await readdir(this.running);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: { org_id: string; id: string }[] = [];
    for (const name of names) {
      const dot = name.indexOf('.');
      if (dot <= 0) continue; // temp files start with a dot
      out.push({ org_id: name.slice(0, dot), id: name.slice(dot + 1) });
    }
    return out;
  }

  /** Drops the marker of a batch that is settled (a crash between the two writes leaves one). */
  async unmark(orgId: string, id: string): Promise<void> {
    if (!ID.test(orgId) || !ID.test(id)) return;
    await unlink(join(this.running, `${orgId}.${id}`)).catch(ignoreMissing);
  }
}

const ignoreMissing = (e: unknown) => {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
};

async function writeAtomic(path: string, text: string): Promise<void> {
  const dir = resolve(path, '..');
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const file = await open(temp, 'wx', 0o640);
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw e;
  }
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
