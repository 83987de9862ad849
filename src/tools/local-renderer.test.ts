import { crc32, inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ImageFormat } from './backend.ts';
import { baseSize, createLocalRenderer } from './local-renderer.ts';
import { buildToolRegistry } from './registry.ts';

const renderer = createLocalRenderer();
const render = (prompt: string, seed: number, width: number, height: number, format: ImageFormat = 'png') =>
  renderer.render({ prompt, seed, width, height, format });

/** Reads a PNG's chunks by hand: IHDR fields, every CRC, and the inflated pixel stream. */
function readPng(bytes: Buffer) {
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    expect(bytes.readUInt32BE(at + 8 + length), `CRC of ${type}`).toBe(
      crc32(bytes.subarray(at + 4, at + 8 + length)),
    );
    chunks.push({ type, data });
    at += 12 + length;
  }
  const ihdr = chunks[0]!;
  expect(ihdr.type).toBe('IHDR');
  expect(ihdr.data.length).toBe(13);
  expect(chunks.at(-1)!.type).toBe('IEND');
  const idat = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));
  return {
    width: ihdr.data.readUInt32BE(0),
    height: ihdr.data.readUInt32BE(4),
    bitDepth: ihdr.data[8],
    colorType: ihdr.data[9],
    interlace: ihdr.data[12],
    idat,
    types: chunks.map((c) => c.type),
  };
}

/** Width and height from a lossy WebP's VP8 frame header. */
function readWebp(bytes: Buffer) {
  expect(bytes.toString('latin1', 0, 4)).toBe('RIFF');
  expect(bytes.toString('latin1', 8, 16)).toBe('WEBPVP8 ');
  expect(bytes.subarray(23, 26).toString('hex')).toBe('9d012a');
  return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
}

describe('local preview renderer', () => {
  const operations = buildToolRegistry().imageOperations;

  it.each(operations.map((o) => [o.operation, o.width, o.height] as const))(
    'writes a %s PNG of exactly %i × %i pixels, by its IHDR bytes and by sharp',
    async (_id, width, height) => {
      const image = await render('a lighthouse at dusk', 7, width, height);
      expect([image.width, image.height, image.mime, image.format]).toEqual([
        width,
        height,
        'image/png',
        'png',
      ]);
      const png = readPng(image.bytes);
      expect([png.width, png.height, png.bitDepth, png.colorType, png.interlace]).toEqual([
        width,
        height,
        8,
        2,
        0,
      ]);
      // 8-bit RGB, not interlaced: one filter byte and 3 bytes per pixel for every row, nothing more.
      expect(inflateSync(png.idat).length).toBe(height * (1 + width * 3));
      const meta = await sharp(image.bytes).metadata();
      expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', width, height, 3]);
    },
  );

  it('gives exactly the asked size for sizes that do not divide evenly', async () => {
    for (const [w, h] of [
      [1, 1],
      [1000, 1000],
      [7681, 11],
      [333, 4097],
    ] as const) {
      const png = readPng((await render('odd', 1, w, h)).bytes);
      expect([png.width, png.height]).toEqual([w, h]);
    }
    expect(baseSize(7680, 4320)).toEqual({ width: 960, height: 540, factor: 8 });
  });

  it('writes WebP of exactly the asked size', async () => {
    const image = await render('a fox in snow', 3, 1920, 1080, 'webp');
    expect(image.mime).toBe('image/webp');
    expect(readWebp(image.bytes)).toEqual({ width: 1920, height: 1080 });
    const meta = await sharp(image.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 1920, 1080]);
  });

  it('renders the same prompt and seed to identical bytes, every time and from every instance', async () => {
    const a = await render('a fox in snow', 42, 1280, 720);
    const b = await createLocalRenderer().render({
      prompt: 'a fox in snow',
      seed: 42,
      width: 1280,
      height: 720,
      format: 'png',
    });
    expect(b.bytes.equals(a.bytes)).toBe(true);
    const webp1 = await render('a fox in snow', 42, 1280, 720, 'webp');
    const webp2 = await render('a fox in snow', 42, 1280, 720, 'webp');
    expect(webp1.bytes.equals(webp2.bytes)).toBe(true);
  });

  it('renders a different picture for another seed or another prompt', async () => {
    const a = await render('a fox in snow', 42, 1280, 720);
    const otherSeed = await render('a fox in snow', 43, 1280, 720);
    const otherPrompt = await render('a fox in snow!', 42, 1280, 720);
    expect(otherSeed.bytes.equals(a.bytes)).toBe(false);
    expect(otherPrompt.bytes.equals(a.bytes)).toBe(false);
    expect(await meanDifference(a.bytes, otherSeed.bytes)).toBeGreaterThan(10);
  });

  it('draws the same picture at every resolution, so a finalized draft looks like the draft', async () => {
    const draft = await render('a fox in snow', 42, 1280, 720);
    const final = await render('a fox in snow', 42, 3840, 2160);
    const another = await render('a fox in snow', 9, 3840, 2160);
    const sameSize = (b: Buffer) => sharp(b).resize(1280, 720, { kernel: 'cubic' }).png().toBuffer();
    expect(await meanDifference(draft.bytes, await sameSize(final.bytes))).toBeLessThan(2);
    expect(await meanDifference(draft.bytes, await sameSize(another.bytes))).toBeGreaterThan(10);
  });

  it('says plainly that it is a preview renderer, not an AI model', () => {
    const d = renderer.describe();
    expect(d.kind).toBe('preview');
    expect(d.notice).toMatch(/not an AI model/);
    expect(renderer.id).toBe('local');
  });

  it('refuses sizes beyond the limits and a cancelled request before drawing', async () => {
    await expect(render('x', 1, 0, 720)).rejects.toThrow(RangeError);
    await expect(render('x', 1, 20_000, 720)).rejects.toThrow(/width must be an integer/);
    await expect(render('x', 1, 16_000, 16_000)).rejects.toThrow(/more than/);
    await expect(render('x', -1, 10, 10)).rejects.toThrow(/seed/);
    const controller = new AbortController();
    controller.abort();
    await expect(
      renderer.render({
        prompt: 'x',
        seed: 1,
        width: 10,
        height: 10,
        format: 'png',
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});

/** Mean absolute difference per channel (0–255) of two same-size images. */
async function meanDifference(a: Buffer, b: Buffer): Promise<number> {
  const [x, y] = await Promise.all([sharp(a).raw().toBuffer(), sharp(b).raw().toBuffer()]);
  expect(x.length).toBe(y.length);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i]! - y[i]!);
  return sum / x.length;
}
