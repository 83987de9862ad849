/**
 * The published /openapi.json is one code generators make good clients from: it passes
 * Redocly's `recommended-strict` ruleset (operationIds present, unique and URL-safe,
 * summaries, 2xx and 4xx responses, no unused components…) plus our own rules (camelCase
 * ids, no "Default Response"), every route has its row in src/http/operations.ts and the
 * shared schemas are named components, not repeated inline. A failure says what to add.
 */
import { createConfig, lintFromString, type NormalizedProblem } from '@redocly/openapi-core';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMED_SCHEMAS } from '../../src/http/openapi.ts';
import { OPERATIONS } from '../../src/http/operations.ts';
import { type Api, startApi } from './harness.ts';

/** What the author of a new route adds, per rule that can fail. */
const HINTS: Record<string, string> = {
  'operation-operationId':
    "add the route's row to OPERATIONS in src/http/operations.ts: { id: 'verbNoun', answer: '…' }",
  'operation-operationId-unique': 'give the row in src/http/operations.ts an id no other operation has',
  'rule/operation-id-camel-case': 'ids in src/http/operations.ts are camelCase: listThings, getThing',
  'operation-summary': "add `summary: 'What it does'` to the route's schema",
  'rule/response-described':
    'give the route a row in src/http/operations.ts (its `answer` describes the success response), or a `description` on the response',
  'operation-4xx-response': "add `...errorResponses` (src/http/schemas.ts) to the route's `response`",
  'operation-2xx-response': "declare the success answer in the route's `response` schema",
  'no-unused-components':
    'a schema in NAMED_SCHEMAS (src/http/openapi.ts) matches no route any more: drop it',
};

const CONFIG = {
  extends: ['recommended-strict'],
  rules: {
    // A private, unpublished package: no licence to name.
    'info-license': 'off',
    'info-license-strict': 'off',
    'rule/operation-id-camel-case': {
      subject: { type: 'Operation', property: 'operationId' },
      assertions: { casing: 'camelCase' },
      message: 'operationId must be camelCase',
      severity: 'error',
    },
    'rule/response-described': {
      subject: { type: 'Response', property: 'description' },
      assertions: { defined: true, notPattern: '/^Default Response$/' },
      message: 'the response says nothing ("Default Response")',
      severity: 'error',
    },
  },
};

function readable(p: NormalizedProblem): string {
  const where = p.location[0]?.pointer ?? '';
  const hint = HINTS[p.ruleId];
  return `${p.severity} ${p.ruleId} at ${decodeURIComponent(where).replaceAll('~1', '/')}: ${p.message}${hint ? `\n    → ${hint}` : ''}`;
}

const routes: RouteOptions[] = [];
let api: Api;
// biome-ignore lint/suspicious/noExplicitAny: the document is read as plain JSON
let document: any;
let source: string;

beforeAll(async () => {
  // The manual clock registers the test-clock routes too: every route there can be is listed.
  api = await startApi('sqlite', {}, undefined, (r) => routes.push(r));
  const res = await api.call('GET', '/openapi.json', { key: null });
  expect(res.status).toBe(200);
  source = res.text;
  document = JSON.parse(source);
}, 60_000);
afterAll(async () => api?.close());

describe('the OpenAPI document', () => {
  it('passes the Redocly lint (recommended-strict and our rules) with no problem at all', async () => {
    const config = await createConfig(CONFIG as Parameters<typeof createConfig>[0]);
    const problems = await lintFromString({ source, absoluteRef: 'http://127.0.0.1/openapi.json', config });
    const report = problems.map(readable).join('\n');
    expect(report, `Redocly found ${problems.length} problem(s) in /openapi.json:\n${report}\n`).toBe('');
  }, 60_000);

  it('lists every published route in src/http/operations.ts, and nothing else', () => {
    const published = routes
      .filter((r) => !(r.schema as { hide?: boolean } | undefined)?.hide)
      .flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).map((m) => `${m} ${r.url}`))
      .filter((k) => !k.startsWith('HEAD '));
    const missing = published.filter((k) => !OPERATIONS[k]);
    const stale = Object.keys(OPERATIONS).filter((k) => !published.includes(k));
    expect(
      missing,
      `routes without a row in OPERATIONS (src/http/operations.ts): add { id, answer } for each:\n${missing.join('\n')}`,
    ).toEqual([]);
    expect(stale, `rows in OPERATIONS (src/http/operations.ts) with no such route: remove them`).toEqual([]);
  });

  it('says what every answer is: no "Default Response" anywhere', () => {
    const vague: string[] = [];
    for (const [path, item] of Object.entries<Record<string, { responses: object }>>(document.paths))
      for (const [method, op] of Object.entries(item))
        for (const [status, r] of Object.entries<{ description?: string }>(op.responses as never))
          if (!r.description || r.description === 'Default Response')
            vague.push(`${method.toUpperCase()} ${path} ${status}`);
    expect(vague, `responses without a description: ${HINTS['rule/response-described']}`).toEqual([]);
    expect(source).not.toContain('Default Response');
  });

  it('names the shared schemas once under components and refers to them', () => {
    for (const name of Object.keys(NAMED_SCHEMAS)) {
      expect(document.components.schemas[name], name).toBeDefined();
      expect(source, `no route refers to the named schema ${name}`).toContain(
        `"#/components/schemas/${name}"`,
      );
    }
    // The error body of every route is one component, not a copy per response.
    expect(source.match(/"#\/components\/schemas\/Problem"/g)?.length).toBeGreaterThan(100);
    expect(source.split('RFC 9457 problem details with a stable machine code').length - 1).toBe(1);
  });
});
