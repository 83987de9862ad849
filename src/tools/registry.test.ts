import { describe, expect, it } from 'vitest';
import { CatalogError, defaultCatalog, parseCatalog } from '../core/index.ts';
import { buildToolRegistry, IMAGE_TOOL_ID } from './registry.ts';

const withTools = (tools: unknown[]) => parseCatalog({ ...structuredClone(defaultCatalog), tools });

describe('tool registry', () => {
  it('lists image.generate with its four operations, parameters and prices from the catalog', () => {
    const registry = buildToolRegistry();
    expect(registry.tools.map((t) => t.id)).toEqual([IMAGE_TOOL_ID]);
    expect(registry.tools[0]!.operations.map((o) => [o.id, o.params, o.credits])).toEqual([
      ['720p', { width: 1280, height: 720 }, 1],
      ['1080p', { width: 1920, height: 1080 }, 2],
      ['4k', { width: 3840, height: 2160 }, 3],
      ['8k', { width: 7680, height: 4320 }, 4],
    ]);
  });

  it('resolves each image operation to its exact width × height', () => {
    const registry = buildToolRegistry(defaultCatalog);
    const sizes = Object.fromEntries(
      ['720p', '1080p', '4k', '8k'].map((id) => {
        const op = registry.image(id)!;
        return [id, `${op.width}x${op.height}:${op.credits}`];
      }),
    );
    expect(sizes).toEqual({
      '720p': '1280x720:1',
      '1080p': '1920x1080:2',
      '4k': '3840x2160:3',
      '8k': '7680x4320:4',
    });
    expect(registry.image('16k')).toBeUndefined();
    expect(registry.operation(IMAGE_TOOL_ID, '4k')?.credits).toBe(3);
    expect(registry.operation('video.generate', '4k')).toBeUndefined();
  });

  it('takes tools and operations an operator adds in config, with no code change', () => {
    const registry = buildToolRegistry(
      withTools([
        {
          id: 'image.generate',
          operations: [
            { id: '720p', params: { width: 1280, height: 720 }, credits: 1 },
            { id: 'square', name: 'Square', params: { width: 1024, height: 1024 }, credits: 2 },
          ],
        },
        {
          id: 'video.generate',
          name: 'Video',
          operations: [{ id: '5s_720p', params: { seconds: 5, resolution: '720p' }, credits: 10 }],
        },
      ]),
    );
    expect(registry.image('square')).toMatchObject({ width: 1024, height: 1024, credits: 2, name: 'Square' });
    expect(registry.tools.map((t) => t.id)).toEqual(['image.generate', 'video.generate']);
    expect(registry.operation('video.generate', '5s_720p')).toEqual({
      id: '5s_720p',
      name: '5s_720p',
      params: { seconds: 5, resolution: '720p' },
      credits: 10,
    });
    expect(registry.image('5s_720p')).toBeUndefined();
  });

  it('refuses at build an image operation whose size is not a whole pixel count within the limits', () => {
    const op = (params: Record<string, unknown>) =>
      withTools([{ id: 'image.generate', operations: [{ id: 'x', params, credits: 1 }] }]);
    expect(() => buildToolRegistry(op({ width: 1280 }))).toThrow(
      /\$\.tools\[0\]\.operations\[0\]\.params\.height/,
    );
    expect(() => buildToolRegistry(op({ width: 12.5, height: 720 }))).toThrow(CatalogError);
    expect(() => buildToolRegistry(op({ width: '1280', height: 720 }))).toThrow(/params\.width/);
    expect(() => buildToolRegistry(op({ width: 20_000, height: 720 }))).toThrow(/from 1 to 16384/);
    expect(() => buildToolRegistry(op({ width: 16_384, height: 16_384 }))).toThrow(/more than/);
  });

  it('hands out frozen values, so one caller cannot change a price for the others', () => {
    const registry = buildToolRegistry();
    expect(Object.isFrozen(registry.image('8k'))).toBe(true);
    expect(Object.isFrozen(registry.tools[0]!.operations[0]!.params)).toBe(true);
  });
});
