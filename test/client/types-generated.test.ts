/**
 * The client's types are the server's: src/client/openapi.ts is what openapi-typescript
 * makes of the server's /openapi.json today (regenerated here and compared), and the few
 * shapes src/client/types.ts writes by hand fit the generated ones (checked by tsc, which
 * `npm test` runs over test/).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { CLIENT_TYPES_FILE, clientTypesSource } from '../../scripts/client-types.ts';
import type {
  Answer,
  Body,
  CreateHoldParams,
  GenerationEvent,
  GenerationImage,
  Page,
  Transaction,
} from '../../src/client/types.ts';

describe('the client types', () => {
  it('are generated from the server’s OpenAPI document as it is now', async () => {
    const committed = readFileSync(CLIENT_TYPES_FILE, 'utf8');
    const fresh = await clientTypesSource();
    // Not toBe: a 190 KB diff helps nobody; the fix is one command.
    expect(
      committed === fresh,
      'src/client/openapi.ts is stale: the server’s schemas changed. Run `npm run gen:client` and commit it.',
    ).toBe(true);
  }, 60_000);

  it('written by hand, still fit what the server accepts and answers', () => {
    // Exactly one of amount or items: narrower than the body, never wider.
    expectTypeOf<CreateHoldParams>().toExtend<Body<'createHold'>>();
    expectTypeOf<{ amount: 5 }>().toExtend<CreateHoldParams>();
    expectTypeOf<{ amount: 5; items: [] }>().not.toExtend<CreateHoldParams>();
    // Page<T> is the shape of every list answer.
    expectTypeOf<Page<Transaction>>().toEqualTypeOf<Answer<'listTransactions'>>();
    expectTypeOf<Answer<'listHolds'>>().toExtend<Page<unknown>>();
    // The stream's events carry the schemas' batch and image.
    expectTypeOf<Extract<GenerationEvent, { event: 'done' }>['data']>().toEqualTypeOf<
      Answer<'getGeneration'>
    >();
    expectTypeOf<GenerationImage>().toEqualTypeOf<Answer<'getGeneration'>['images'][number]>();
  });
});
