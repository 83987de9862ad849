/**
 * Text both databases can keep. PostgreSQL refuses the NUL character (U+0000) in `text` and
 * `jsonb`, and an unpaired UTF-16 surrogate has no UTF-8 encoding at all; SQLite stores
 * both. Left to the database, the same request succeeds on one and answers 500 on the other.
 *
 * So every string a request carries — body, query string, path parameters, object keys as
 * well as values, at any depth (metadata has keys the schemas cannot list) — is checked here,
 * once, before the schemas run, and refused as `validation_failed` naming the field the way
 * schema errors do. The walk visits each value once, so its cost is bounded by the body
 * limit (`AMISI_BODY_LIMIT_BYTES`) and the URL length; it is iterative, so deep nesting
 * cannot exhaust the stack.
 */
import type { FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.ts';

const NUL = '\u0000';
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The request parts checked, named as schema errors name them (`body.name`, `querystring.limit`). */
const PARTS = ['body', 'querystring', 'params'] as const;

export interface TextFault {
  field: string;
  message: string;
}

/** What is wrong with a string, or null when a database can keep it. */
function fault(s: string): string | null {
  if (s.includes(NUL)) return 'a NUL character (U+0000)';
  if (UNPAIRED_SURROGATE.test(s)) return 'an unpaired surrogate (text that is not valid Unicode)';
  return null;
}

/** Parsed JSON, query strings and path parameters: objects of text (some without a prototype), never bytes. */
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !ArrayBuffer.isView(v);

/**
 * The first string under `value` that a database could not keep, with its field path, or
 * null. Arrays and objects are walked; bytes (the raw Buffer body of the Stripe webhook) are not text.
 */
export function findUnstorableText(value: unknown, root: string): TextFault | null {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const f = fault(v);
      if (f) return { field: path, message: `must not contain ${f}` };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (isRecord(v)) {
      const keys = Object.keys(v);
      for (const k of keys) {
        const f = fault(k);
        if (f) return { field: path, message: `must not have a field name that contains ${f}` };
      }
      for (let i = keys.length - 1; i >= 0; i--) stack.push([v[keys[i]!], `${path}.${keys[i]}`]);
    }
  }
  return null;
}

/** For the preValidation hook: the problem to refuse the request with when any part carries text a database cannot keep. */
export function unstorableTextProblem(request: FastifyRequest): HttpProblem | null {
  const parts: Record<(typeof PARTS)[number], unknown> = {
    body: request.body,
    querystring: request.query,
    params: request.params,
  };
  for (const part of PARTS) {
    const f = findUnstorableText(parts[part], part);
    if (f) return new HttpProblem('validation_failed', `${f.field} ${f.message}`, { errors: [f] });
  }
  return null;
}
