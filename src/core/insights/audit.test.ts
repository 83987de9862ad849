import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../catalog.ts';
import { resolutionShare, topConsumers } from './audit.ts';

describe('usage audit in insights', () => {
  it('lists the largest consumers first with their share of all credits', () => {
    const rows = [
      { key: 'mem_b', credits: 10, count: 5 },
      { key: 'mem_a', credits: 30, count: 10 },
      { key: 'unassigned', credits: 20, count: 20 },
    ];
    expect(topConsumers(rows, 2)).toEqual([
      { key: 'mem_a', credits: 30, count: 10, share_pct: 50 },
      { key: 'unassigned', credits: 20, count: 20, share_pct: 33.3 },
    ]);
  });

  it('gives the share of credits spent at each resolution with its size', () => {
    const s = resolutionShare(
      [
        { key: 'image.generate/720p', credits: 5, count: 5 },
        { key: 'image.generate/4k', credits: 15, count: 5 },
      ],
      defaultCatalog,
    );
    expect(s).toEqual([
      {
        key: 'image.generate/4k',
        tool: 'image.generate',
        operation: '4k',
        params: { width: 3840, height: 2160 },
        credits: 15,
        count: 5,
        share_pct: 75,
      },
      {
        key: 'image.generate/720p',
        tool: 'image.generate',
        operation: '720p',
        params: { width: 1280, height: 720 },
        credits: 5,
        count: 5,
        share_pct: 25,
      },
    ]);
  });

  it('has no shares without usage', () => {
    expect(resolutionShare([], defaultCatalog)).toEqual([]);
    expect(topConsumers([], 5)).toEqual([]);
  });
});
