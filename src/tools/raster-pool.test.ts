import { afterAll, describe, expect, it } from 'vitest';
import { patternOf, rasterize } from './pattern.ts';
import { RasterPool } from './raster-pool.ts';

describe('the preview raster pool', () => {
  const pool = new RasterPool(2);
  afterAll(() => pool.close());

  it('samples exactly the pixels rasterize gives on this thread', async () => {
    for (const [prompt, seed, w, h] of [
      ['a harbour at dawn', 1, 960, 540],
      ['a tall tower', 42, 640, 360],
      ['x', 7, 3, 2],
    ] as const) {
      const p = patternOf(prompt, seed);
      const off = await pool.rasterize(p, w, h);
      expect(off.length).toBe(w * h * 3);
      expect(off.equals(rasterize(p, w, h))).toBe(true);
    }
  });

  it('keeps this thread free while it samples: a timer fires before a large picture is done', async () => {
    let done = false;
    const job = pool.rasterize(patternOf('a very large picture', 3), 2400, 2400).then((px) => {
      done = true;
      return px;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    expect((await job).length).toBe(2400 * 2400 * 3);
  });

  it('runs more jobs than threads, each answered with its own picture', async () => {
    const jobs = Array.from({ length: 7 }, (_, i) => pool.rasterize(patternOf(`p${i}`, i), 120, 80));
    const out = await Promise.all(jobs);
    expect(out.map((px, i) => px.equals(rasterize(patternOf(`p${i}`, i), 120, 80)))).toEqual(
      Array(7).fill(true),
    );
  });

  it('fails the work running and waiting when it is closed', async () => {
    const small = new RasterPool(1);
    const running = expect(small.rasterize(patternOf('a', 1), 2000, 2000)).rejects.toThrow(/closed/);
    const waiting = expect(small.rasterize(patternOf('b', 2), 10, 10)).rejects.toThrow(/closed/);
    await small.close();
    await running;
    await waiting;
  });
});
