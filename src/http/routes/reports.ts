/** The usage audit: credits and charges grouped by tool, operation, member, project or day. */
import { Type } from '@sinclair/typebox';
import { loadOrg } from '../../app/ledger.ts';
import { usageReport } from '../../app/reads.ts';
import type { App, RouteContext } from '../context.ts';
import { errorResponses, Obj, OrgParams } from '../schemas.ts';
import { parseTime } from './credits.ts';

export function reportRoutes(app: App, { deps }: RouteContext) {
  app.get(
    '/v1/orgs/:org/reports/usage',
    {
      config: { access: { kind: 'org', scope: 'read' } },
      schema: {
        tags: ['reports'],
        summary: 'Credits charged, grouped, over a time range',
        params: OrgParams,
        querystring: Obj({
          group_by: Type.Optional(
            Type.Union(
              ['tool', 'operation', 'member', 'project', 'day'].map((g) => Type.Literal(g)),
              { default: 'tool' },
            ),
          ),
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
        }),
        response: {
          200: Obj({
            group_by: Type.String(),
            rows: Type.Array(Obj({ key: Type.String(), credits: Type.Integer(), count: Type.Integer() })),
            total: Type.Integer({ description: 'credits over all rows' }),
            count: Type.Integer({ description: 'charges over all rows' }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const org = request.params.org;
      const group = (q.group_by ?? 'tool') as 'tool' | 'operation' | 'member' | 'project' | 'day';
      const from = parseTime(q.from, 'from') ?? null;
      const to = parseTime(q.to, 'to') ?? null;
      await loadOrg(deps, org);
      const rows = await usageReport(deps, org, group, from, to);
      let total = 0;
      let count = 0;
      for (const r of rows) {
        total += r.credits;
        count += r.count;
      }
      return {
        group_by: group,
        rows: rows.map((r) => ({ key: r.key, credits: r.credits, count: r.count })),
        total,
        count,
      };
    },
  );
}
