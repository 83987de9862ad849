import { describe, expect, it } from 'vitest';
import { checkGeneration, generationIssues, MAX_BATCH_SIZE, MAX_PROMPT_CHARS, MAX_SEED } from './limits.ts';
import { buildToolRegistry } from './registry.ts';
import { randomSeed } from './seed.ts';

const registry = buildToolRegistry();
const codes = (...a: Parameters<typeof generationIssues>) => generationIssues(...a).map((i) => i.code);

describe('generation limits', () => {
  it('accepts a batch at the limits: 16 prompts of 2000 characters, the largest seed', () => {
    const prompts = Array.from({ length: MAX_BATCH_SIZE }, () => 'p'.repeat(MAX_PROMPT_CHARS));
    expect(generationIssues({ prompts, seed: MAX_SEED, operation: '8k' }, registry)).toEqual([]);
    expect(checkGeneration({ prompts: ['a cat'], seed: 0, operation: '720p' }, registry)).toBeNull();
  });

  it('refuses an empty request and a batch over the limit, saying the limit', () => {
    expect(codes({ prompts: [] })).toEqual(['prompts_missing']);
    const over = generationIssues({ prompts: Array(MAX_BATCH_SIZE + 1).fill('x') });
    expect(over).toEqual([
      { code: 'batch_too_large', path: 'prompts', message: '17 prompts in one batch; the limit is 16' },
    ]);
  });

  it('names the prompt that is empty, too long or holds control characters', () => {
    const issues = generationIssues({
      prompts: [
        'fine',
        '   ',
        'x'.repeat(MAX_PROMPT_CHARS + 1),
        'nul\u0000here',
        'tabs\tand\nlines are fine',
      ],
    });
    expect(issues).toEqual([
      { code: 'prompt_empty', path: 'prompts[1]', message: 'prompt 2 is empty' },
      {
        code: 'prompt_too_long',
        path: 'prompts[2]',
        message: 'prompt 3 is 2001 characters long; the limit is 2000',
      },
      {
        code: 'prompt_control_character',
        path: 'prompts[3]',
        message: 'prompt 4 contains the control character U+0000',
      },
    ]);
  });

  it('counts characters as code points, so 2000 emoji are within the limit', () => {
    expect(generationIssues({ prompts: ['🦊'.repeat(MAX_PROMPT_CHARS)] })).toEqual([]);
    expect(codes({ prompts: ['🦊'.repeat(MAX_PROMPT_CHARS + 1)] })).toEqual(['prompt_too_long']);
  });

  it('takes seeds as unsigned 32-bit integers only', () => {
    for (const seed of [0, 1, MAX_SEED, null, undefined]) expect(codes({ prompts: ['a'], seed })).toEqual([]);
    for (const seed of [-1, MAX_SEED + 1, 1.5, Number.NaN])
      expect(codes({ prompts: ['a'], seed })).toEqual(['seed_invalid']);
  });

  it('refuses an operation the catalog does not offer, listing those it does', () => {
    const [issue] = generationIssues({ prompts: ['a'], operation: '16k' }, registry);
    expect(issue).toEqual({
      code: 'unknown_operation',
      path: 'operation',
      message: 'unknown operation "16k"; expected one of 720p, 1080p, 4k, 8k',
    });
    expect(generationIssues({ prompts: ['a'] }, registry)[0]!.message).toBe(
      'give an operation: one of 720p, 1080p, 4k, 8k',
    );
  });

  it('turns issues into one validation_failed refusal carrying all of them', () => {
    const refusal = checkGeneration({ prompts: [''], seed: -1, operation: '4k' }, registry)!;
    expect(refusal.code).toBe('validation_failed');
    expect(refusal.message).toBe('the prompt is empty');
    expect((refusal.extra.issues as unknown[]).length).toBe(2);
  });

  it('draws fresh seeds within the seed range', () => {
    const seeds = Array.from({ length: 50 }, randomSeed);
    expect(seeds.every((s) => Number.isInteger(s) && s >= 0 && s <= MAX_SEED)).toBe(true);
    expect(new Set(seeds).size).toBeGreaterThan(45);
  });
});
