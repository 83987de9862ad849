import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprint } from './idempotency.ts';

/** Rebuilds a JSON value with every object's keys inserted in reverse order. */
function reordered(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(reordered);
  const out: Record<string, unknown> = {};
  // defineProperty, not assignment: a "__proto__" key must stay an ordinary member.
  for (const k of Object.keys(v).reverse())
    Object.defineProperty(out, k, {
      value: reordered((v as Record<string, unknown>)[k]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

describe('request fingerprints', () => {
  it('are the same for the same request whatever the order of its fields', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(fingerprint(reordered(v))).toBe(fingerprint(v));
        expect(JSON.parse(fingerprint(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 2000 },
    );
  });

  it('differ exactly when the requests differ', () => {
    const normal = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(fingerprint(a) === fingerprint(b)).toBe(isDeepStrictEqual(normal(a), normal(b)));
      }),
      { numRuns: 1000 },
    );
    expect(fingerprint({ amount: 1 })).not.toBe(fingerprint({ amount: 2 }));
    expect(fingerprint({ a: undefined, b: 1 })).toBe(fingerprint({ b: 1 }));
  });
});
