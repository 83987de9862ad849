import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../catalog.ts';
import type { Transaction } from '../journal.ts';
import { type UsageRecord, usageRecord, workflowEfficiency } from './efficiency.ts';

const PRICE = { '720p': 1, '1080p': 2, '4k': 3, '8k': 4 } as const;
const gen = (
  operation: keyof typeof PRICE,
  prompt: string | null,
  extra: Partial<UsageRecord> = {},
): UsageRecord => ({
  tool: 'image.generate',
  operation,
  quantity: 1,
  credits: PRICE[operation] * (extra.quantity ?? 1),
  prompt,
  job_id: null,
  ...extra,
});
const times = (n: number, r: UsageRecord) => Array.from({ length: n }, () => r);
const eff = (rs: UsageRecord[]) => workflowEfficiency(rs, defaultCatalog);

describe('workflow efficiency', () => {
  it('prices five 4k tries of one prompt as four 720p drafts and one 4k final', () => {
    const e = eff(times(5, gen('4k', 'a red fox')));
    expect(e).toMatchObject({
      actual: 15,
      iterative: 7,
      savings: 8,
      savings_pct: 53.3,
      groups: 1,
      generations: 5,
    });
    expect(e.top).toEqual([
      {
        by: 'prompt',
        key: 'a red fox',
        tool: 'image.generate',
        generations: 5,
        actual: 15,
        iterative: 7,
        savings: 8,
      },
    ]);
  });

  it('finds nothing to save when drafts were already made at 720p', () => {
    const e = eff([...times(3, gen('720p', 'owl')), gen('4k', 'owl')]);
    expect(e).toMatchObject({ actual: 6, iterative: 6, savings: 0, savings_pct: 0 });
    expect(e.top).toEqual([]);
  });

  it('treats prompts that differ only in case and spacing as the same prompt', () => {
    const e = eff([gen('8k', 'A  Cat '), gen('8k', 'a cat')]);
    expect(e).toMatchObject({ groups: 1, actual: 8, iterative: 5 });
  });

  it('does not count a prompt generated once', () => {
    expect(eff([gen('8k', 'one'), gen('8k', 'two')])).toMatchObject({ actual: 0, groups: 0, savings_pct: 0 });
  });

  it('groups by job id when there is no prompt, and skips charges with neither', () => {
    const e = eff([
      gen('1080p', null, { job_id: 'job_1' }),
      gen('1080p', null, { job_id: 'job_1' }),
      gen('1080p', null),
      gen('1080p', null),
    ]);
    expect(e).toMatchObject({ groups: 1, generations: 2, actual: 4, iterative: 3 });
    expect(e.top[0]).toMatchObject({ by: 'job_id', key: 'job_1' });
  });

  it('counts one charge of a job as one try, however many images: a batch is not its own draft', () => {
    // Four images of one batch (job) may be four prompts: nothing to compare them with.
    expect(eff([gen('4k', null, { job_id: 'batch_1', quantity: 4 })])).toMatchObject({
      groups: 0,
      actual: 0,
    });
  });

  it('joins a finalize to the job of its draft: 720p drafts then a 4k final save nothing', () => {
    const e = eff([
      gen('720p', null, { job_id: 'batch_1', quantity: 4 }),
      gen('4k', null, { job_id: 'batch_2', draft_of: 'batch_1' }),
    ]);
    expect(e).toMatchObject({ groups: 1, generations: 5, actual: 7, iterative: 7, savings: 0 });
  });

  it('finds the saving when the drafts of a job were made at 4k before an 8k final', () => {
    const e = eff([
      gen('4k', null, { job_id: 'batch_1', quantity: 4 }),
      gen('8k', null, { job_id: 'batch_2', draft_of: 'batch_1' }),
    ]);
    // 4 drafts at 720p (4) + the 8k final (4) instead of 12 + 4.
    expect(e).toMatchObject({ actual: 16, iterative: 8, savings: 8, savings_pct: 50 });
  });

  it('counts a charge of quantity 4 with one prompt as four generations of it', () => {
    expect(eff([gen('1080p', 'batch', { quantity: 4 })])).toMatchObject({
      generations: 4,
      actual: 8,
      iterative: 5,
    });
  });

  it('never prices the iterative approach above what was actually charged', () => {
    // Captured for less than the catalog price (a partial capture): 2 credits for two 4k images.
    const e = eff([gen('4k', 'cheap', { credits: 1 }), gen('4k', 'cheap', { credits: 1 })]);
    expect(e).toMatchObject({ actual: 2, iterative: 2, savings: 0 });
  });

  it('reads the prompt from a usage transaction’s metadata and the credits from its amount', () => {
    const t = {
      type: 'usage',
      amount: -3,
      usage: {
        tool: 'image.generate',
        operation: '4k',
        quantity: 1,
        metadata: { prompt: 'a ship' },
        job_id: 'j',
      },
    } as unknown as Transaction;
    expect(usageRecord(t)).toEqual({
      tool: 'image.generate',
      operation: '4k',
      quantity: 1,
      credits: 3,
      prompt: 'a ship',
      job_id: 'j',
      draft_of: null,
    });
    const finalize = { ...t, usage: { ...t.usage!, metadata: { draft_batch: 'gen_1' } } } as Transaction;
    expect(usageRecord(finalize)).toMatchObject({ prompt: null, job_id: 'j', draft_of: 'gen_1' });
    expect(usageRecord({ ...t, type: 'purchase' } as Transaction)).toBeNull();
  });
});
