/**
 * One work session: a person with one idea (a prompt) for a project, turned into the
 * generations they run, minutes apart. The generations look like the generation API's:
 * each has a job id (`gen_…`), a batch of drafts says how many images it asked for and
 * got, and a finalize names the draft it re-renders (`finalize_of`, `draft_batch`). The
 * prompt is in the metadata, as an integration passing its prompts through would send it.
 */
import type { Dice } from './dice.ts';
import type { Person, Resolution, SessionKind } from './personas.ts';

const MINUTE = 60_000;

export interface Generation {
  at: number;
  person: string;
  project: string | null;
  operation: Resolution;
  quantity: number;
  job_id: string;
  metadata: Record<string, string | number>;
  /** A batch runs as hold + capture, like the generation API; the rest as one consume. */
  batch: boolean;
  /** Images of a batch that failed to render: released with the hold, never charged. */
  failed: number;
}

export function planSession(
  dice: Dice,
  person: Person,
  drafts: readonly [number, number],
  at: number,
  prompt: string,
  project: string | null,
): Generation[] {
  const kind = dice.weighted<SessionKind>(person.habits);
  const final = dice.weighted<Resolution>(person.finals);
  const out: Generation[] = [];
  let t = at;
  const next = () => {
    const now = t;
    t += dice.int(2, 9) * MINUTE + dice.int(0, 59_999);
    return now;
  };
  const gen = (operation: Resolution, quantity: number, metadata: Record<string, string | number> = {}) => {
    const batch = quantity > 1;
    const failed = batch && dice.chance(0.04) ? 1 : 0;
    const g: Generation = {
      at: next(),
      person: person.name,
      project,
      operation,
      quantity,
      job_id: dice.id('gen'),
      metadata: {
        prompt,
        ...(batch ? { images_requested: quantity, images_delivered: quantity - failed } : {}),
        ...metadata,
      },
      batch,
      failed,
    };
    out.push(g);
    return g;
  };

  switch (kind) {
    case 'draft_then_final': {
      const rounds = 1 + (dice.chance(0.45) ? 1 : 0) + (dice.chance(0.15) ? 1 : 0);
      let last: Generation | null = null;
      for (let r = 0; r < rounds; r++) last = gen('720p', dice.int(drafts[0], drafts[1]));
      const finals = dice.chance(person.refines ?? 0.3) ? 2 : 1;
      for (let f = 0; f < finals; f++)
        gen(final, 1, {
          finalize_of: `img_${last!.job_id.slice(4)}_${dice.int(0, last!.quantity - last!.failed - 1)}`,
          draft_batch: last!.job_id,
        });
      break;
    }
    case 'direct': {
      const tries = dice.int(2, 4);
      for (let i = 0; i < tries; i++) gen(final, 1);
      break;
    }
    case 'single':
      gen(dice.chance(0.5) ? final : dice.pick<Resolution>(['720p', '1080p']), 1);
      break;
    case 'explore':
      gen('720p', dice.int(drafts[0], drafts[1]));
      break;
  }
  return out;
}
