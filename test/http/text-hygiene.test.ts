/**
 * Text both databases can keep: PostgreSQL refuses NUL characters and unpaired UTF-16
 * surrogates where SQLite stores them, so every string a request carries (body, query string,
 * path parameters; object keys too) is refused at validation with the field named, on both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, DIALECTS, expectProblem, newOrg, startApi } from './harness.ts';

interface Case {
  rule: string;
  method: 'GET' | 'POST';
  path: (org: string) => string;
  body?: unknown;
  field: string;
  message: RegExp;
}

const NUL = /must not contain a NUL character \(U\+0000\)/;
const SURROGATE = /must not contain an unpaired surrogate/;

const cases: Case[] = [
  {
    rule: 'a NUL in an org name',
    method: 'POST',
    path: () => '/v1/orgs',
    body: { name: 'Ac\u0000me' },
    field: 'body.name',
    message: NUL,
  },
  {
    rule: 'a lone high surrogate in an org name',
    method: 'POST',
    path: () => '/v1/orgs',
    body: { name: 'Acme \ud83d' },
    field: 'body.name',
    message: SURROGATE,
  },
  {
    rule: 'a NUL in a member email',
    method: 'POST',
    path: (org) => `/v1/orgs/${org}/members`,
    body: { email: 'ann\u0000@example.com', role: 'member' },
    field: 'body.email',
    message: NUL,
  },
  {
    rule: 'a lone low surrogate in a project name',
    method: 'POST',
    path: (org) => `/v1/orgs/${org}/projects`,
    body: { name: '\udc00 studio' },
    field: 'body.name',
    message: SURROGATE,
  },
  {
    rule: 'a NUL in a metadata value',
    method: 'POST',
    path: (org) => `/v1/orgs/${org}/usage`,
    body: { tool: 'image.generate', operation: '8k', metadata: { note: 'a\u0000b' } },
    field: 'body.metadata.note',
    message: NUL,
  },
  {
    rule: 'a lone surrogate in a metadata key',
    method: 'POST',
    path: (org) => `/v1/orgs/${org}/usage`,
    body: { tool: 'image.generate', operation: '8k', metadata: { 'run\ud800': 'x' } },
    field: 'body.metadata',
    message: /must not have a field name that contains an unpaired surrogate/,
  },
  {
    rule: 'a NUL in a query string value',
    method: 'GET',
    path: (org) => `/v1/orgs/${org}/transactions?starting_after=tx%00`,
    field: 'querystring.starting_after',
    message: NUL,
  },
  {
    rule: 'a NUL in a path parameter',
    method: 'POST',
    path: (org) => `/v1/orgs/${org}/holds/h%00/release`,
    field: 'params.hold',
    message: NUL,
  },
];

describe.each(DIALECTS)('text hygiene (%s)', (dialect) => {
  let api: Api;
  let org: string;
  beforeAll(async () => {
    api = await startApi(dialect);
    org = await newOrg(api, { name: 'Hygiene', tier: 'pro' });
  });
  afterAll(async () => {
    await api?.close();
  });

  for (const c of cases)
    it(`refuses ${c.rule} with 400 naming ${c.field}`, async () => {
      const r = await api.call(c.method, c.path(org), c.body === undefined ? {} : { body: c.body });
      expectProblem(r, 400, 'validation_failed');
      expect(r.body.errors).toEqual([{ field: c.field, message: expect.stringMatching(c.message) }]);
      expect(r.body.detail).toBe(`${c.field} ${r.body.errors[0].message}`);
    });

  it('stores well-formed text of every plane, surrogate pairs included', async () => {
    const name = 'Ünïcødé 🚀 日本 \u{10FFFF}';
    const r = await api.call('POST', '/v1/orgs', { body: { name } });
    expect(r.status).toBe(201);
    expect((await api.call('GET', `/v1/orgs/${r.body.id}`)).body.name).toBe(name);
  });
});
