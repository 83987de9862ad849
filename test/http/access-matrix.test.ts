/**
 * The access matrix: every route the app registers × every kind of credential, answered as
 * the one written table in docs/security.md says. The table is read from the docs, so the
 * docs cannot drift from the code, and a route added without a row fails here.
 *
 * Only the access decision is checked. Each request is a probe that cannot do anything once
 * it is let in: ids in the path other than the org are malformed and bodies carry an
 * unknown field, so a request that passes access control is refused by validation (400)
 * before its handler runs (a few reads run, and change nothing). Any answer but 401, 403
 * and the 404 that hides an org counts as "passed" (✓).
 */
import { readFileSync } from 'node:fs';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Access } from '../../src/http/auth.ts';
import { ADMIN_KEY, type Api, type CallOptions, DIALECTS, newKey, type Res, startApi } from './harness.ts';
import { newTeam, signUp } from './sessions.ts';

const CREDENTIALS = [
  'operator',
  'read key',
  'usage key',
  'billing key',
  'admin key',
  'owner',
  'admin',
  'member',
  "other org's key",
  "other org's owner",
  'nobody',
] as const;
type Credential = (typeof CREDENTIALS)[number];
type Outcome = '✓' | '401' | '403' | '404';

interface Row {
  route: string;
  needs: string;
  expected: Record<Credential, Outcome>;
}

/** What the "needs" column says for each configured access. */
function needsOf(access: Access | undefined): string {
  const a = access ?? { kind: 'public' };
  switch (a.kind) {
    case 'public':
      return 'public';
    case 'operator':
      return 'operator';
    case 'user':
      return 'signed-in person';
    case 'create_org':
      return 'person or operator';
    case 'org':
      return a.operatorOnly ? 'operator only' : a.scope;
  }
}

function readMatrix(): Row[] {
  const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
  const start = doc.indexOf('<!-- access-matrix:start -->');
  const end = doc.indexOf('<!-- access-matrix:end -->');
  if (start < 0 || end < start) throw new Error('docs/security.md has no access-matrix markers');
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim().replaceAll('`', ''));
  const lines = doc
    .slice(start, end)
    .split('\n')
    .filter((l) => l.trim().startsWith('|'));
  const header = cells(lines[0]!);
  expect(header).toEqual(['route', 'needs', ...CREDENTIALS]);
  return lines.slice(2).map((line) => {
    const [route, needs, ...outcomes] = cells(line);
    if (outcomes.length !== CREDENTIALS.length)
      throw new Error(`a row of the matrix has the wrong width: ${line}`);
    for (const o of outcomes)
      if (!['✓', '401', '403', '404'].includes(o)) throw new Error(`unknown outcome ${o} in: ${line}`);
    const expected = Object.fromEntries(CREDENTIALS.map((c, i) => [c, outcomes[i]])) as Row['expected'];
    return { route: route!, needs: needs!, expected };
  });
}

const MATRIX = readMatrix();

/** Paths whose probe must name something that exists, because the route is public and 404s otherwise. */
/** Routes that answer with a stream that stays open (Server-Sent Events). */
const STREAMS = new Set(['GET /v1/orgs/:org/events']);

const PROBE_PATHS: Record<string, string> = {
  'GET /problems/:code': '/problems/forbidden',
  'GET /docs/static/*': '/docs/static/index.html',
};

/** Every route the app registers (HEAD answers as its GET), with its configured access. */
async function registeredRoutes(): Promise<Map<string, Access | undefined>> {
  const seen: RouteOptions[] = [];
  const api = await startApi('sqlite', {}, undefined, (route) => {
    seen.push(route);
  });
  await api.close();
  const routes = new Map<string, Access | undefined>();
  for (const r of seen)
    for (const method of [r.method].flat())
      routes.set(`${method} ${r.url}`, (r.config as { access?: Access } | undefined)?.access);
  return routes;
}

describe('the access matrix in docs/security.md', () => {
  it('has one row for every route the app registers, each with the access the route is configured with', async () => {
    const routes = await registeredRoutes();
    const rows = new Map(MATRIX.map((r) => [r.route, r]));
    expect(rows.size, 'a route has two rows').toBe(MATRIX.length);
    const withoutRow: string[] = [];
    for (const [route, access] of routes) {
      if (route.startsWith('HEAD ')) {
        expect(routes.has(route.replace('HEAD', 'GET')), `${route} has no GET`).toBe(true);
        continue;
      }
      const row = rows.get(route);
      if (!row) withoutRow.push(route);
      else expect(row.needs, `the "needs" of ${route}`).toBe(needsOf(access));
    }
    expect(withoutRow, 'routes missing from the matrix in docs/security.md').toEqual([]);
    const stale = [...rows.keys()].filter((r) => !routes.has(r));
    expect(stale, 'rows of the matrix for routes the app does not register').toEqual([]);
  });
});

describe.each(DIALECTS)('every route × every credential, on %s', (dialect) => {
  let api: Api;
  let org: string;
  let as: Record<Credential, CallOptions>;
  beforeAll(async () => {
    api = await startApi(dialect);
    const team = await newTeam(api);
    org = team.org;
    const other = await signUp(api, 'stranger');
    as = {
      operator: {},
      'read key': { key: await newKey(api, org, ['read']) },
      'usage key': { key: await newKey(api, org, ['usage']) },
      'billing key': { key: await newKey(api, org, ['billing']) },
      'admin key': { key: await newKey(api, org, ['admin']) },
      owner: team.owner.as,
      admin: team.admin.as,
      member: team.member.as,
      "other org's key": { key: await newKey(api, other.org, ['read', 'usage', 'billing', 'admin']) },
      "other org's owner": other.person.as,
      nobody: { key: null },
    };
  });
  afterAll(async () => {
    await api?.close();
  });

  /** An event stream never ends: read its status and headers (and a refusal's body), then hang up. */
  async function openStream(path: string, o: CallOptions): Promise<Res> {
    const headers: Record<string, string> = {};
    if (o.key !== null) headers.authorization = `Bearer ${o.key ?? ADMIN_KEY}`;
    if (o.cookie) headers.cookie = o.cookie;
    const abort = new AbortController();
    const r = await fetch(api.url + path, { headers, signal: abort.signal });
    if (r.ok) {
      abort.abort();
      return { status: r.status, headers: r.headers, body: null, text: '' };
    }
    const text = await r.text();
    return { status: r.status, headers: r.headers, body: JSON.parse(text), text };
  }

  const probe = (route: string) => {
    const [method, pattern] = route.split(' ') as [string, string];
    const path =
      PROBE_PATHS[route] ??
      pattern
        .split('/')
        .map((seg) => (seg === ':org' ? org : seg.startsWith(':') || seg === '*' ? 'not!an!id' : seg))
        .join('/');
    const body = method === 'GET' ? undefined : { access_matrix_probe: true };
    return { method, path, body };
  };

  /**
   * 404 is access control only when it hides the org ("org … not found", the same answer
   * as for an org that does not exist); a handler's own 404 (a setting never made, Stripe
   * not configured) comes after access control let the request in.
   */
  const outcomeOf = (r: Res): Outcome => {
    if (r.status === 401) return '401';
    if (r.status === 403) return '403';
    if (r.status === 404) {
      if (String(r.body?.detail).startsWith('there is no '))
        throw new Error(`the probe missed its route: ${r.text}`);
      return r.body?.detail === `org ${org} not found` ? '404' : '✓';
    }
    return '✓';
  };

  it('answers each as the matrix says: ✓ passes access control, else 401, 403 or 404', async () => {
    const wrong: string[] = [];
    for (const row of MATRIX) {
      const { method, path, body } = probe(row.route);
      for (const credential of CREDENTIALS) {
        const r = STREAMS.has(row.route)
          ? await openStream(path, as[credential])
          : await api.call(method, path, { ...as[credential], ...(body ? { body } : {}) });
        const got = outcomeOf(r);
        if (got !== row.expected[credential])
          wrong.push(
            `${row.route} as ${credential}: expected ${row.expected[credential]}, got ${r.status} ${r.text.slice(0, 160)}`,
          );
      }
    }
    expect(wrong).toEqual([]);
  });
});
