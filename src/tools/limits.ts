/**
 * Every bound the tools side enforces, in one place, and the check that turns a generation
 * request into clear refusals before any credit is quoted or held. A limit on everything:
 * prompts, batches, seeds, pixels, concurrency, provider time and bytes.
 */
import { DomainError } from '../core/index.ts';

/** Counted in Unicode code points, as JSON Schema's `maxLength` counts them. */
export const MAX_PROMPT_CHARS = 2000;
/** Prompts in one generation request: one quote, one hold, one grid to review. */
export const MAX_BATCH_SIZE = 16;
/** Seeds are unsigned 32-bit integers, so every backend and client can carry them exactly. */
export const MAX_SEED = 0xffff_ffff;
/** Longest side of any image an operation may ask for (8K is 7680). */
export const MAX_IMAGE_SIDE = 16_384;
/** Pixels of one image: 8K is 33.2 M; this leaves room for a square 8K and stops typos. */
export const MAX_IMAGE_PIXELS = 8192 * 8192;
/** Renders in flight for one batch; each 8K render holds ~100 MB of raw pixels at its peak. */
export const MAX_RENDER_CONCURRENCY = 8;
/** Bytes of one provider response (base64 JSON); a 4K PNG is a few MB, this bounds a bad one. */
export const MAX_PROVIDER_RESPONSE_BYTES = 64 * 1024 * 1024;

export type ToolIssueCode =
  | 'prompts_missing'
  | 'batch_too_large'
  | 'prompt_empty'
  | 'prompt_too_long'
  | 'prompt_control_character'
  | 'seed_invalid'
  | 'unknown_operation';

export interface ToolIssue {
  code: ToolIssueCode;
  /** Where in the request, as the client sent it: `prompts[2]`, `seed`, `operation`. */
  path: string;
  message: string;
}

/**
 * What the check needs of the tool registry (`registry.ts`): which image operations exist.
 * Stated here rather than imported, because the registry takes its pixel bounds from this
 * file and the two must not import each other.
 */
export interface ImageOperations {
  image(operation: string): object | undefined;
  readonly imageOperations: readonly { operation: string }[];
}

export interface GenerationInput {
  prompts: readonly string[];
  /** Checked only when a registry is given; then it is required. */
  operation?: string;
  seed?: number | null;
}

const codePoints = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

// Tab, line feed and carriage return are text; every other C0 control and DEL is not.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Every problem with a generation request, in request order; empty when it may proceed. */
export function generationIssues(input: GenerationInput, registry?: ImageOperations): ToolIssue[] {
  const issues: ToolIssue[] = [];
  const { prompts } = input;
  if (!Array.isArray(prompts) || prompts.length === 0) {
    issues.push({ code: 'prompts_missing', path: 'prompts', message: 'give at least one prompt' });
  } else if (prompts.length > MAX_BATCH_SIZE) {
    issues.push({
      code: 'batch_too_large',
      path: 'prompts',
      message: `${prompts.length} prompts in one batch; the limit is ${MAX_BATCH_SIZE}`,
    });
  } else {
    prompts.forEach((prompt, i) => {
      const path = `prompts[${i}]`;
      const which = prompts.length === 1 ? 'the prompt' : `prompt ${i + 1}`;
      if (typeof prompt !== 'string' || prompt.trim().length === 0) {
        issues.push({ code: 'prompt_empty', path, message: `${which} is empty` });
        return;
      }
      const length = codePoints(prompt);
      if (length > MAX_PROMPT_CHARS)
        issues.push({
          code: 'prompt_too_long',
          path,
          message: `${which} is ${length} characters long; the limit is ${MAX_PROMPT_CHARS}`,
        });
      const control = CONTROL.exec(prompt);
      if (control)
        issues.push({
          code: 'prompt_control_character',
          path,
          message: `${which} contains the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
        });
    });
  }
  const { seed } = input;
  if (seed !== undefined && seed !== null && !isSeed(seed))
    issues.push({
      code: 'seed_invalid',
      path: 'seed',
      message: `the seed must be an integer from 0 to ${MAX_SEED}, got ${JSON.stringify(seed)}`,
    });
  // With a registry, the operation is required and must be one of its image operations.
  if (registry && (typeof input.operation !== 'string' || !registry.image(input.operation))) {
    const known = registry.imageOperations.map((o) => o.operation).join(', ');
    issues.push({
      code: 'unknown_operation',
      path: 'operation',
      message:
        input.operation === undefined
          ? `give an operation: one of ${known}`
          : `unknown operation ${JSON.stringify(input.operation)}; expected one of ${known}`,
    });
  }
  return issues;
}

/**
 * The same check as a domain refusal the HTTP edge already maps (`validation_failed`), or
 * null. The message is the first issue's; all of them travel in `issues`.
 */
export function checkGeneration(input: GenerationInput, registry?: ImageOperations): DomainError | null {
  const issues = generationIssues(input, registry);
  if (issues.length === 0) return null;
  return new DomainError('validation_failed', issues[0]!.message, { issues });
}

export const isSeed = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_SEED;
