/** Flag parsing for the CLI with node's own parseArgs: unknown flags are refused, not ignored. */
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function flags<const T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(
  argv: string[],
  options: T,
) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values as { [K in keyof T]?: T[K]['type'] extends 'string' ? string : boolean } & { help?: boolean };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Parses an RFC 3339 time given on the command line. */
export function timeFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new UsageError(`--${name} must be an RFC 3339 time such as 2026-01-31T00:00:00Z`);
  return t;
}
