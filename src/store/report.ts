/** The row key a usage report groups by; the same for every dialect. */
import type { UsageGroup } from './types.ts';

export function reportKey(
  group: UsageGroup,
  c: { day: number; tool: string; operation: string; member_id: string; project_id: string },
): string {
  switch (group) {
    case 'tool':
      return c.tool;
    case 'operation':
      return `${c.tool}/${c.operation}`;
    case 'member':
      return c.member_id || 'unassigned';
    case 'project':
      return c.project_id || 'unassigned';
    case 'day':
      return new Date(c.day).toISOString().slice(0, 10);
  }
}
