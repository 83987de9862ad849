/**
 * Idempotency at the command level: a key names one intended effect. The same key with
 * the same command gives back the first result and applies nothing again; the same key
 * with a different command is refused. Stores keep the records (in the same transaction
 * as the effect); this file only decides.
 */
import { DomainError } from './errors.ts';

export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
/** Keys are kept at least this long (the spec's 24 hours); stores may keep them longer. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3600 * 1000;
/**
 * How long every idempotency record (ledger commands and requests outside the ledger) is
 * kept and replayed, on every database: twice the promise, so a retry at the edge of the
 * promise still finds it. The one constant for the window; retention prunes after it.
 */
export const IDEMPOTENCY_KEPT_MS = IDEMPOTENCY_RETENTION_MS * 2;

export interface IdempotencyRecord {
  key: string;
  fingerprint: string;
  /** The outcome as first returned: a result or a refusal are both replayed. */
  status: number;
  body: unknown;
  created_at: number;
}

/** Canonical JSON (sorted keys) so that field order does not make two requests differ. */
export function fingerprint(value: unknown): string {
  return canonical(value);
}

/** JSON with object keys sorted at every level; undefined members are left out, as JSON does. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return v === undefined ? 'null' : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonical(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let out = '{';
  for (const k of keys) {
    const x = o[k];
    if (x === undefined || typeof x === 'function') continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(k)}:${canonical(x)}`;
  }
  return `${out}}`;
}

export type Decision = { run: true } | { run: false; replay: IdempotencyRecord };

export function decide(existing: IdempotencyRecord | undefined, fp: string, now: number): Decision {
  if (!existing || now - existing.created_at > IDEMPOTENCY_KEPT_MS) return { run: true };
  if (existing.fingerprint !== fp)
    throw new DomainError(
      'idempotency_key_reuse',
      `idempotency key ${existing.key} was already used for a different request`,
    );
  return { run: false, replay: existing };
}

export function validKey(key: string): boolean {
  return key.length > 0 && key.length <= IDEMPOTENCY_KEY_MAX_LENGTH && /^[\x21-\x7e]+$/.test(key);
}
