import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskOutputStore } from './disk-output-store.ts';
import { createLocalRenderer } from './local-renderer.ts';
import { MemoryOutputStore } from './memory-output-store.ts';
import { OutputIdError, type OutputStore } from './output-store.ts';

let dataDir: string;
let png: Buffer;
let webp: Buffer;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'amisi-outputs-'));
  const r = createLocalRenderer();
  png = (await r.render({ prompt: 'stored', seed: 1, width: 64, height: 36, format: 'png' })).bytes;
  webp = (await r.render({ prompt: 'stored', seed: 1, width: 64, height: 36, format: 'webp' })).bytes;
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const TRAVERSAL = [
  '../org_b',
  '..',
  '.',
  'a/b',
  'a\\b',
  '/etc',
  '.hidden',
  'a.png',
  'nul\u0000',
  '',
  'x'.repeat(129),
];

describe.each([
  ['disk', () => new DiskOutputStore(dataDir) as OutputStore],
  ['memory', () => new MemoryOutputStore() as OutputStore],
])('%s output store', (_name, make) => {
  it('gives back exactly the bytes and type it was given, under the key it returned', async () => {
    const store = make();
    const a = await store.put('org_a', 'img_1', png, 'image/png');
    const b = await store.put('org_a', 'img_2', webp, 'image/webp');
    expect([a.key, b.key]).toEqual(['img_1.png', 'img_2.webp']);
    expect(await store.get('org_a', a.key)).toEqual({ bytes: png, mime: 'image/png' });
    expect(await store.get('org_a', b.key)).toEqual({ bytes: webp, mime: 'image/webp' });
    expect(await store.get('org_a', 'img_3.png')).toBeNull();
  });

  it("finds nothing under another org's key", async () => {
    const store = make();
    const { key } = await store.put('org_a', 'img_1', png, 'image/png');
    expect(await store.get('org_b', key)).toBeNull();
  });

  it.each(TRAVERSAL)('refuses the id %j as org id, image id and key', async (bad) => {
    const store = make();
    await expect(store.put(bad, 'img_1', png, 'image/png')).rejects.toThrow(OutputIdError);
    await expect(store.put('org_a', bad, png, 'image/png')).rejects.toThrow(OutputIdError);
    await expect(store.get(bad, 'img_1.png')).rejects.toThrow(OutputIdError);
    await expect(store.get('org_a', `${bad}.png`)).rejects.toMatchObject({ code: 'invalid_output_id' });
  });

  it('refuses bytes that are not the image type they are stored as', async () => {
    const store = make();
    await expect(store.put('org_a', 'img_1', webp, 'image/png')).rejects.toThrow(/not a image\/png/);
    await expect(store.put('org_a', 'img_1', Buffer.from('hello'), 'image/webp')).rejects.toThrow(TypeError);
    await expect(store.put('org_a', 'img_1', png, 'image/gif' as 'image/png')).rejects.toThrow(/unsupported/);
  });
});

describe('disk output store', () => {
  it('keeps files at <dataDir>/outputs/<org>/<image>.<ext> and leaves no temp files', async () => {
    const store = new DiskOutputStore(dataDir);
    await store.put('org_a', 'img_1', png, 'image/png');
    await store.put('org_a', 'img_1', png, 'image/png'); // replacing is fine: same id, same image
    expect(await readFile(join(dataDir, 'outputs', 'org_a', 'img_1.png'))).toEqual(png);
    expect(await readdir(join(dataDir, 'outputs', 'org_a'))).toEqual(['img_1.png']);
  });

  it('never writes outside the data directory for a refused id', async () => {
    const store = new DiskOutputStore(dataDir);
    for (const bad of TRAVERSAL) await store.put('org_a', bad, png, 'image/png').catch(() => {});
    for (const bad of TRAVERSAL) await store.put(bad, 'img_1', png, 'image/png').catch(() => {});
    expect(await readdir(dataDir)).toEqual([]);
    await expect(stat(join(dataDir, '..', 'org_b'))).rejects.toThrow(/ENOENT/);
  });

  it('leaves a complete file when many writers race on the same image', async () => {
    const store = new DiskOutputStore(dataDir);
    const other = Buffer.concat([png]); // same bytes, different buffer
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.put('org_a', 'img_1', i % 2 ? png : other, 'image/png')),
    );
    expect((await store.get('org_a', 'img_1.png'))!.bytes.equals(png)).toBe(true);
    expect(await readdir(join(dataDir, 'outputs', 'org_a'))).toEqual(['img_1.png']);
  });
});
