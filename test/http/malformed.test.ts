/**
 * Generated malformed requests against every mutation: wrong types, negative, fractional
 * and oversized numbers, missing and unknown fields, invalid JSON, wrong content types,
 * oversized bodies, NUL characters and unpaired surrogates. Each must be answered 4xx
 * problem+json (never 5xx), and nothing may change: the org's state, its transaction log,
 * its keys and the clock are compared before and after.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, DIALECTS, newKey, newOrg, startApi } from './harness.ts';

type Field =
  | { name: string; kind: 'int'; min: number; max: number; required?: boolean }
  | { name: string; kind: 'str'; maxLength: number; required?: boolean }
  | { name: string; kind: 'enum'; values: string[]; required?: boolean }
  | { name: string; kind: 'array'; required?: boolean }
  | { name: string; kind: 'object'; required?: boolean };

interface Target {
  method: 'POST' | 'PUT';
  path: string;
  valid: Record<string, unknown>;
  fields: Field[];
}

const ID_FIELD = (name: string, required = false): Field => ({ name, kind: 'str', maxLength: 100, required });

const wrongType = (kind: Field['kind']) =>
  fc.oneof(
    ...[
      kind !== 'int' ? fc.integer() : fc.string({ maxLength: 5 }).map((s) => `${s}7`),
      fc.boolean(),
      fc.constant(null),
      kind !== 'array' ? fc.array(fc.integer(), { maxLength: 3 }) : fc.constant({ a: 1 }),
      kind !== 'object' ? fc.constant({ nested: true }) : fc.constant([1, 2]),
      kind !== 'str' && kind !== 'enum' ? fc.string({ maxLength: 8 }) : fc.double({ noNaN: true }),
    ],
  );

/** A value that no schema of this field accepts. */
function badValue(f: Field): fc.Arbitrary<unknown> {
  switch (f.kind) {
    case 'int':
      return fc.oneof(
        wrongType('int'),
        fc.integer({ min: -(2 ** 40), max: f.min - 1 }),
        fc.integer({ min: f.max + 1, max: f.max + 2 ** 40 }),
        fc.constantFrom(2 ** 53, 1e21, -1e21),
        fc.double({ min: f.min, max: Math.min(f.max, 1e6), noNaN: true }).filter((x) => !Number.isInteger(x)),
      );
    case 'str':
      return fc.oneof(
        wrongType('str'),
        fc.constant(''),
        fc.integer({ min: f.maxLength + 1, max: f.maxLength + 300 }).map((n) => 'x'.repeat(n)),
        // Text PostgreSQL cannot store (SQLite can): refused on both, before either sees it.
        fc.constantFrom('a\u0000b', 'N\ud800', '\udfffN'),
      );
    case 'enum':
      return fc.oneof(
        wrongType('enum'),
        fc.string({ maxLength: 12 }).filter((s) => !f.values.includes(s)),
      );
    case 'array':
      return fc.oneof(
        wrongType('array'),
        fc.constant([]),
        fc.constant(Array.from({ length: 150 }, () => 'x')),
        fc.array(fc.oneof(fc.integer(), fc.constant(null)), { minLength: 1, maxLength: 3 }),
      );
    case 'object':
      return fc.oneof(
        wrongType('object'),
        fc.constant(Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, i]))),
        fc.constant({ long: 'y'.repeat(600) }),
        fc.constant({ 'bad key!': 1 }),
        fc.constant({ note: 'a\u0000b' }),
        fc.constant({ 'k\ud800': 1 }),
      );
  }
}

type Mutation = { kind: 'json'; body: unknown } | { kind: 'raw'; text: string; contentType?: string };

function malformed(t: Target): fc.Arbitrary<Mutation> {
  const names = new Set(t.fields.map((f) => f.name));
  const options: fc.Arbitrary<Mutation>[] = [
    // an unknown field
    fc
      .tuple(
        fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !names.has(k) && k !== '__proto__'),
        fc.jsonValue({ maxDepth: 1 }),
      )
      .map(([k, v]) => ({ kind: 'json', body: { ...t.valid, [k]: v } })),
    // not an object at all
    fc
      .oneof(
        fc.integer(),
        fc.string({ maxLength: 10 }),
        fc.constant(null),
        fc.array(fc.integer(), { maxLength: 3 }),
      )
      .map((body) => ({ kind: 'json', body })),
    // not JSON
    fc
      .constantFrom('{', '{"a":', 'nul', '[1,2', '{"tool":}', "{'a':1}", '{"a":1}}', '\u0000')
      .map((text) => ({ kind: 'raw', text, contentType: 'application/json' })),
    // the right body under the wrong content type
    fc
      .constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
        'multipart/form-data',
      )
      .map((contentType) => ({ kind: 'raw', text: JSON.stringify(t.valid), contentType })),
    // larger than the server accepts
    fc.integer({ min: 70_000, max: 200_000 }).map((n) => ({
      kind: 'raw',
      text: JSON.stringify({ ...t.valid, pad: 'z'.repeat(n) }),
      contentType: 'application/json',
    })),
  ];
  const fields = t.fields;
  if (fields.length > 0) {
    // one field with a value its schema refuses
    options.push(
      fc
        .constantFrom(...fields)
        .chain((f) => badValue(f).map((v) => ({ kind: 'json' as const, body: { ...t.valid, [f.name]: v } }))),
    );
    const required = fields.filter((f) => f.required);
    if (required.length > 0)
      options.push(
        fc.constantFrom(...required).map((f) => {
          const { [f.name]: _dropped, ...rest } = t.valid;
          return { kind: 'json' as const, body: rest };
        }),
      );
  }
  return fc.oneof(...options);
}

describe.each(DIALECTS)('malformed requests on %s', (dialect) => {
  let api: Api;
  let targets: Target[];
  let org: string;
  let snapshot: () => Promise<string>;

  beforeAll(async () => {
    api = await startApi(dialect);
    org = await newOrg(api, { name: 'Fuzz', tier: 'pro' });
    await newKey(api, org, ['read']);
    const m = await api.call('POST', `/v1/orgs/${org}/members`, {
      body: { email: 'f@example.com', role: 'member' },
    });
    const p = await api.call('POST', `/v1/orgs/${org}/projects`, { body: { name: 'P' } });
    const h = await api.call('POST', `/v1/orgs/${org}/holds`, { body: { amount: 2 } });
    const pur = await api.call('POST', `/v1/orgs/${org}/purchases`, { body: { pack: 'pack_20' } });
    const o = `/v1/orgs/${org}`;
    const item = { tool: 'image.generate', operation: '720p', quantity: 1 };
    const tool: Field[] = [
      { name: 'tool', kind: 'str', maxLength: 64, required: true },
      { name: 'operation', kind: 'str', maxLength: 64, required: true },
      { name: 'quantity', kind: 'int', min: 1, max: 10_000 },
    ];
    targets = [
      {
        method: 'POST',
        path: '/v1/orgs',
        valid: { name: 'N', tier: 'basic' },
        fields: [
          { name: 'name', kind: 'str', maxLength: 100, required: true },
          { name: 'tier', kind: 'enum', values: ['free', 'basic', 'pro', 'business', 'enterprise'] },
          { name: 'allocation', kind: 'int', min: 0, max: 1e9 },
          { name: 'rollover_cap', kind: 'int', min: 0, max: 1e9 },
        ],
      },
      {
        method: 'POST',
        path: `${o}/subscription`,
        valid: { tier: 'business' },
        fields: [
          {
            name: 'tier',
            kind: 'enum',
            values: ['free', 'basic', 'pro', 'business', 'enterprise'],
            required: true,
          },
        ],
      },
      { method: 'POST', path: `${o}/subscription/cancel`, valid: {}, fields: [] },
      {
        method: 'POST',
        path: `${o}/quotes`,
        valid: { items: [item], member_id: m.body.id },
        fields: [
          { name: 'items', kind: 'array', required: true },
          ID_FIELD('member_id'),
          ID_FIELD('project_id'),
        ],
      },
      {
        method: 'POST',
        path: `${o}/usage`,
        valid: { ...item, project_id: p.body.id, metadata: { a: 1 } },
        fields: [
          ...tool,
          ID_FIELD('member_id'),
          ID_FIELD('project_id'),
          ID_FIELD('job_id'),
          { name: 'metadata', kind: 'object' },
        ],
      },
      {
        method: 'POST',
        path: `${o}/holds`,
        valid: { amount: 1, ttl_seconds: 60 },
        fields: [
          { name: 'amount', kind: 'int', min: 1, max: 1e9 },
          { name: 'ttl_seconds', kind: 'int', min: 1, max: 7 * 24 * 3600 },
          { name: 'items', kind: 'array' },
          ID_FIELD('member_id'),
        ],
      },
      {
        method: 'POST',
        path: `${o}/holds/${h.body.id}/capture`,
        valid: { amount: 1, tool: 'image.generate', operation: '720p' },
        fields: [
          { name: 'amount', kind: 'int', min: 0, max: 1e9 },
          ...tool,
          { name: 'metadata', kind: 'object' },
        ],
      },
      { method: 'POST', path: `${o}/holds/${h.body.id}/release`, valid: {}, fields: [] },
      {
        method: 'POST',
        path: `${o}/purchases`,
        valid: { pack: 'pack_50' },
        fields: [{ name: 'pack', kind: 'str', maxLength: 64, required: true }],
      },
      { method: 'POST', path: `${o}/purchases/${pur.body.id}/refund`, valid: {}, fields: [] },
      {
        method: 'POST',
        path: `${o}/adjustments`,
        valid: { amount: 5, reason: 'r' },
        fields: [
          { name: 'amount', kind: 'int', min: -1e9, max: 1e9, required: true },
          { name: 'reason', kind: 'str', maxLength: 500, required: true },
        ],
      },
      {
        method: 'POST',
        path: `${o}/members`,
        valid: { email: 'new@example.com', role: 'admin' },
        fields: [
          { name: 'email', kind: 'str', maxLength: 254, required: true },
          { name: 'role', kind: 'enum', values: ['owner', 'admin', 'member'], required: true },
        ],
      },
      {
        method: 'POST',
        path: `${o}/projects`,
        valid: { name: 'Q' },
        fields: [{ name: 'name', kind: 'str', maxLength: 100, required: true }],
      },
      {
        method: 'PUT',
        path: `${o}/budgets`,
        valid: { scope: 'project', scope_id: p.body.id, limit: 3, enforcement: 'hard' },
        fields: [
          { name: 'scope', kind: 'enum', values: ['member', 'project'], required: true },
          ID_FIELD('scope_id', true),
          { name: 'limit', kind: 'int', min: 0, max: 1e9, required: true },
          { name: 'enforcement', kind: 'enum', values: ['hard', 'soft'], required: true },
        ],
      },
      {
        method: 'POST',
        path: `${o}/api_keys`,
        valid: { name: 'k', scopes: ['read'] },
        fields: [
          { name: 'name', kind: 'str', maxLength: 100, required: true },
          { name: 'scopes', kind: 'array', required: true },
        ],
      },
      {
        method: 'POST',
        path: '/v1/auth/signup',
        valid: { email: 'fuzz-signup@example.com', password: 'long enough to pass' },
        fields: [
          { name: 'email', kind: 'str', maxLength: 254, required: true },
          { name: 'password', kind: 'str', maxLength: 200, required: true },
          { name: 'org_name', kind: 'str', maxLength: 100 },
        ],
      },
      {
        method: 'POST',
        path: '/v1/auth/login',
        valid: { email: 'fuzz-signup@example.com', password: 'long enough to pass' },
        fields: [
          { name: 'email', kind: 'str', maxLength: 254, required: true },
          { name: 'password', kind: 'str', maxLength: 200, required: true },
        ],
      },
      {
        method: 'POST',
        path: '/v1/admin/clock/advance',
        valid: { seconds: 3600 },
        fields: [{ name: 'seconds', kind: 'int', min: 0, max: 10 * 366 * 24 * 3600, required: true }],
      },
      { method: 'POST', path: '/v1/admin/renewals/run', valid: {}, fields: [] },
    ];
    snapshot = async () => {
      const clock = await api.call('GET', '/v1/admin/clock');
      const now = Date.parse(clock.body.now);
      return JSON.stringify({
        clock: clock.body.now,
        state: await api.store.getOrg(org, now),
        txns: await api.store.listTransactions(org, { limit: 100 }),
        keys: await api.store.listApiKeys(org),
        signup: await api.store.findUserByEmail('fuzz-signup@example.com'),
      });
    };
  });
  afterAll(async () => {
    await api?.close();
  });

  // 400 requests, sized by count; the limit only stops a hung run (0.75 s a request, on a busy machine).
  it('answers every malformed mutation with 4xx problem+json and changes nothing', {
    timeout: 300_000,
  }, async () => {
    const before = await snapshot();
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 0, max: targets.length - 1 })
          .chain((i) => malformed(targets[i]!).map((m) => [i, m] as const)),
        async ([i, m]) => {
          const t = targets[i]!;
          const r =
            m.kind === 'json'
              ? await api.call(t.method, t.path, {
                  raw: JSON.stringify(m.body),
                  headers: { 'content-type': 'application/json' },
                })
              : await api.call(t.method, t.path, {
                  raw: m.text,
                  headers: { 'content-type': m.contentType ?? 'application/json' },
                });
          seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
          expect(
            r.status,
            `${t.method} ${t.path} ${JSON.stringify(m).slice(0, 300)} → ${r.text.slice(0, 300)}`,
          ).toBeGreaterThanOrEqual(400);
          expect(r.status).toBeLessThan(500);
          expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(r.body).toMatchObject({
            status: r.status,
            code: expect.any(String),
            detail: expect.any(String),
          });
          expect(r.text).not.toMatch(/\bat .+\.ts:\d+|node_modules|stack/i);
        },
      ),
      { numRuns: 400 },
    );
    expect(await snapshot()).toBe(before);
    // The generator reached each kind of refusal.
    for (const status of [400, 413, 415]) expect(seen.get(status) ?? 0).toBeGreaterThan(0);
  });
});
