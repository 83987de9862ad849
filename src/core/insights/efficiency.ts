/**
 * Workflow efficiency: what the seed's iterative approach would have cost for the work the
 * org actually did. Method (exact, so a reader can redo it by hand):
 *
 *  1. Charges are grouped by tool and prompt: `usage.metadata.prompt` when it is a string
 *     (trimmed, inner whitespace collapsed, case ignored). Without a prompt, by job:
 *     `usage.metadata.draft_batch` when it is a string (a finalize names the job of its
 *     draft), else `usage.job_id`. A charge with none of these is not counted.
 *  2. A group is a list of tries. Every image of a prompt group is one try (same prompt);
 *     every charge of a job group is one try, however many images it holds (the images of
 *     one job need not share a prompt, so they are not each other's drafts).
 *  3. Only groups of two or more tries count (a one-off has no drafts to save on).
 *  4. actual = the credits the group was charged (partial captures as charged).
 *  5. iterative = the dearest try (per image) at its own price, the final, plus every other
 *     try at the tool's cheapest operation (the 720p draft), capped at actual: the seed's
 *     "drafts at 720p, finals at high resolution", with one final per group.
 *  6. savings = actual − iterative; savings_pct = savings ÷ actual, in % to one decimal.
 */
import type { Catalog } from '../catalog.ts';
import type { Transaction } from '../journal.ts';

export interface UsageRecord {
  tool: string;
  operation: string;
  quantity: number;
  /** Credits charged (positive). */
  credits: number;
  prompt: string | null;
  job_id: string | null;
  /** The job of the draft this charge finalizes (`metadata.draft_batch`). */
  draft_of?: string | null;
}

export interface EfficiencyGroup {
  by: 'prompt' | 'job_id';
  key: string;
  tool: string;
  generations: number;
  actual: number;
  iterative: number;
  savings: number;
}

export interface Efficiency {
  actual: number;
  iterative: number;
  savings: number;
  savings_pct: number;
  groups: number;
  generations: number;
  /** The groups with the most to save, at most `top`. */
  top: EfficiencyGroup[];
}

export const MAX_KEY_CHARS = 100;

const normalise = (prompt: string) => prompt.trim().replace(/\s+/g, ' ').toLowerCase();

/** A usage transaction → what the efficiency count needs (null for other transactions). */
export function usageRecord(t: Transaction): UsageRecord | null {
  if (t.type !== 'usage' || !t.usage) return null;
  const p = t.usage.metadata?.prompt;
  const d = t.usage.metadata?.draft_batch;
  return {
    tool: t.usage.tool,
    operation: t.usage.operation,
    quantity: t.usage.quantity,
    credits: -t.amount,
    prompt: typeof p === 'string' && p.trim() !== '' ? p : null,
    job_id: t.usage.job_id ?? null,
    draft_of: typeof d === 'string' && d !== '' ? d : null,
  };
}

export const pct1 = (part: number, whole: number) =>
  whole === 0 ? 0 : Math.round((part * 1000) / whole) / 10;

export function workflowEfficiency(records: readonly UsageRecord[], catalog: Catalog, top = 5): Efficiency {
  interface Try {
    quantity: number;
    unit: number;
  }
  interface Acc {
    by: 'prompt' | 'job_id';
    key: string;
    tool: string;
    generations: number;
    actual: number;
    tries: Try[];
  }
  const groups = new Map<string, Acc>();
  for (const r of records) {
    if (r.quantity <= 0) continue;
    const job = r.draft_of ?? r.job_id;
    const by = r.prompt !== null ? 'prompt' : job !== null ? 'job_id' : null;
    if (by === null) continue;
    const key = by === 'prompt' ? normalise(r.prompt!) : job!;
    const id = `${r.tool}\u0000${by}\u0000${key}`;
    const unit =
      catalog.tools.find((t) => t.id === r.tool)?.operations.find((o) => o.id === r.operation)?.credits ??
      Math.ceil(r.credits / r.quantity);
    let g = groups.get(id);
    if (!g) {
      g = { by, key, tool: r.tool, generations: 0, actual: 0, tries: [] };
      groups.set(id, g);
    }
    g.generations += r.quantity;
    g.actual += r.credits;
    if (by === 'prompt') for (let i = 0; i < r.quantity; i++) g.tries.push({ quantity: 1, unit });
    else g.tries.push({ quantity: r.quantity, unit });
  }

  const counted: EfficiencyGroup[] = [];
  for (const g of groups.values()) {
    if (g.tries.length < 2) continue;
    const ops = catalog.tools.find((t) => t.id === g.tool)?.operations ?? [];
    let final = g.tries[0]!;
    for (const t of g.tries) if (t.unit > final.unit) final = t;
    const draft = Math.min(final.unit, ...ops.map((o) => o.credits));
    let iterative = final.quantity * final.unit;
    for (const t of g.tries) if (t !== final) iterative += t.quantity * draft;
    iterative = Math.min(g.actual, iterative);
    counted.push({
      by: g.by,
      key: g.key.length > MAX_KEY_CHARS ? `${g.key.slice(0, MAX_KEY_CHARS - 1)}…` : g.key,
      tool: g.tool,
      generations: g.generations,
      actual: g.actual,
      iterative,
      savings: g.actual - iterative,
    });
  }
  let actual = 0;
  let iterative = 0;
  let generations = 0;
  for (const g of counted) {
    actual += g.actual;
    iterative += g.iterative;
    generations += g.generations;
  }
  const savings = actual - iterative;
  return {
    actual,
    iterative,
    savings,
    savings_pct: pct1(savings, actual),
    groups: counted.length,
    generations,
    top: counted
      .filter((g) => g.savings > 0)
      .sort((a, b) => b.savings - a.savings || (a.key < b.key ? -1 : 1))
      .slice(0, top),
  };
}
