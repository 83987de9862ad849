/**
 * An org's year, planned: who joins when, which projects and budgets appear, the change of
 * plan, and every work session of every day (weekday and weekend, the seasons, growth),
 * as one list of dated operations in time order. Pure: a persona, a seed and a span in,
 * the plan out; `simulate.ts` runs it on the ledger.
 */
import type { TierId } from '../../core/index.ts';
import type { Dice } from './dice.ts';
import type { DemoBudget, Person, Persona } from './personas.ts';
import { promptFor } from './prompts.ts';
import { activity, seasonOf } from './rhythm.ts';
import { type Generation, planSession } from './sessions.ts';

export const DAY = 86_400_000;
const HOUR = 3_600_000;

export type Planned =
  | { at: number; kind: 'join'; person: Person }
  | { at: number; kind: 'project'; name: string }
  | { at: number; kind: 'budget'; budget: DemoBudget }
  | { at: number; kind: 'upgrade'; tier: TierId }
  | { at: number; kind: 'generate'; generation: Generation };

export function planYear(persona: Persona, dice: Dice, start: number, end: number): Planned[] {
  const span = end - start;
  // Setup happens through the first days; a short demo compresses it into its first quarter.
  const after = (days: number) => start + Math.min(days * DAY, span / 4);
  const plan: Planned[] = [];
  const joined = new Map<string, number>();
  for (const person of persona.people) {
    const at = person.role === 'owner' ? start : after(person.joins_after_days) + HOUR;
    joined.set(person.name, at);
    plan.push({ at, kind: 'join', person });
  }
  const created = new Map<string, number>();
  for (const p of persona.projects) {
    const at = after(p.after_days) + 2 * HOUR;
    created.set(p.name, at);
    plan.push({ at, kind: 'project', name: p.name });
  }
  for (const budget of persona.budgets) {
    const at = budget.scope === 'member' ? joined.get(budget.person)! : created.get(budget.project)!;
    plan.push({ at: at + 10 * 60_000, kind: 'budget', budget });
  }
  if (persona.upgrade)
    plan.push({
      at: after(persona.upgrade.after_days) + 3 * HOUR,
      kind: 'upgrade',
      tier: persona.upgrade.to,
    });

  const [from, to] = persona.hours;
  // Work accumulates with the day's activity and a session starts whenever a jittered share of
  // one has built up: the number of sessions follows the rhythm closely (a small org's month is
  // never empty by bad luck, the holidays always show), while their times stay random.
  let owed = 0;
  let threshold = 0.5 + dice.next();
  for (let day = Math.floor(start / DAY) * DAY; day < end; day += DAY) {
    owed += persona.sessions_per_weekday * activity(persona.rhythm, day, start, end);
    let sessions = 0;
    while (owed >= threshold) {
      owed -= threshold;
      threshold = 0.5 + dice.next();
      sessions++;
    }
    const holiday = seasonOf(persona.rhythm, day) === 'holiday';
    for (let s = 0; s < sessions; s++) {
      const at = day + from * HOUR + Math.floor(dice.next() * (to - from) * HOUR);
      const people = persona.people.filter((p) => joined.get(p.name)! <= at);
      if (people.length === 0) continue;
      const person = pickByShare(dice, people);
      const projects = persona.projects.filter((p) => created.get(p.name)! <= at);
      const project =
        projects.length > 0 && dice.chance(persona.project_share) ? dice.pick(projects).name : null;
      for (const generation of planSession(
        dice,
        person,
        persona.drafts,
        at,
        promptFor(dice, holiday),
        project,
      ))
        if (generation.at > start && generation.at < end)
          plan.push({ at: generation.at, kind: 'generate', generation });
    }
  }
  // Sessions of different people interleave; the ledger sees one clock (a stable sort keeps
  // the order of operations planned for the same instant).
  return plan.sort((a, b) => a.at - b.at);
}

function pickByShare(dice: Dice, people: Person[]): Person {
  const total = people.reduce((s, p) => s + p.share, 0);
  let r = dice.next() * total;
  for (const p of people) {
    r -= p.share;
    if (r < 0) return p;
  }
  return people[people.length - 1]!;
}
