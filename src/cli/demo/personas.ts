/**
 * Who each demo org is: a plausible customer of each tier, with its people, projects,
 * budgets, habits, rhythm of the year and way of buying credits. Data only; `year.ts`
 * plans their year from it and `simulate.ts` lives it on the ledger.
 *
 * - Free: a hobbyist on weekends; spends the 5 sign-up credits (Free has no monthly
 *   allocation), then buys a 20-credit pack whenever it runs out; busiest before the holidays.
 * - Basic: a freelance illustrator who signs up on Free and subscribes in the first week;
 *   banks rollover in quiet months, runs short before the holidays and buys a pack then.
 * - Pro: a small studio of four growing through the year; budgets for a contractor and a
 *   campaign; banks more than the cap in the quiet summer (credits forfeited at renewal).
 * - Business: an agency that starts on Pro and upgrades when the team grows.
 * - Enterprise: a marketing department on a contract (400 credits a period, cap 800, a
 *   100-credit credit line) that tops up with 200-credit packs before it runs dry, so it
 *   never has to draw on the credit line.
 *
 * Everyone drafts at 720p and finalizes at a higher resolution some of the time; some
 * people render every try at full resolution, which is what the efficiency report prices.
 */
import type { Enforcement, Role, TierId } from '../../core/index.ts';
import type { Rhythm } from './rhythm.ts';

export type Resolution = '720p' | '1080p' | '4k' | '8k';

/**
 * How a person works on one idea: `draft_then_final` is the seed's workflow (batches of
 * 720p drafts, then a finalize of the chosen one at high resolution); `direct` renders
 * every try at the final resolution; `single` is a one-off; `explore` drafts without a final.
 */
export type SessionKind = 'draft_then_final' | 'direct' | 'single' | 'explore';

export interface Person {
  /** The local part of the email (`ana` → ana@pro.demo). */
  name: string;
  role: Role;
  /** Days after the org was created that this person joins. */
  joins_after_days: number;
  /** This person's part of the org's sessions, relative to the others. */
  share: number;
  habits: Partial<Record<SessionKind, number>>;
  /** The resolutions of this person's finals. */
  finals: Partial<Record<Resolution, number>>;
  /** Chance of a second final after drafting (re-rendering another draft, or the same at another size). */
  refines?: number;
}

export type DemoBudget =
  | { scope: 'member'; person: string; limit: number; enforcement: Enforcement }
  | { scope: 'project'; project: string; limit: number; enforcement: Enforcement };

export interface Persona {
  name: string;
  signs_up_on: TierId;
  /** A change of plan this many days in (at most a quarter into a shorter demo). */
  upgrade?: { to: TierId; after_days: number };
  contract?: { allocation: number; rollover_cap: number; overage_limit: number };
  people: Person[];
  projects: { name: string; after_days: number }[];
  /** Share of sessions that belong to a project. */
  project_share: number;
  budgets: DemoBudget[];
  /** How many drafts a batch asks for, [min, max]. */
  drafts: readonly [number, number];
  /** Work sessions on a usual weekday at the middle of the year (before the rhythm). */
  sessions_per_weekday: number;
  /** Sessions start in these UTC hours, [from, to). */
  hours: readonly [number, number];
  rhythm: Rhythm;
  /**
   * Buying credits: `pack` whenever a generation would not be covered, and also whenever
   * what is available falls under `keep` (a cushion; 0 = only when it runs out).
   */
  packs: { pack: string; keep: number };
}

const STUDIO_RHYTHM: Rhythm = {
  weekend: 0.15,
  holiday: 2.2,
  year_end: 0.15,
  quiet_month: 7,
  quiet: 0.2,
  growth: [0.7, 1.3],
};

const drafter = { draft_then_final: 7, direct: 1, single: 1.5, explore: 1 };
const renderer = { draft_then_final: 2, direct: 5, single: 2, explore: 0.5 };

export const PERSONAS: Record<TierId, Persona> = {
  free: {
    name: 'Demo Free',
    signs_up_on: 'free',
    people: [
      {
        name: 'owner',
        role: 'owner',
        joins_after_days: 0,
        share: 1,
        habits: { draft_then_final: 3, direct: 2, single: 3, explore: 1 },
        finals: { '1080p': 3, '4k': 1 },
        refines: 0.4,
      },
    ],
    projects: [],
    project_share: 0,
    budgets: [],
    drafts: [2, 3],
    sessions_per_weekday: 0.065,
    hours: [17, 23],
    rhythm: { weekend: 3, holiday: 2.2, year_end: 1.5, quiet_month: 6, quiet: 0.3, growth: [0.9, 1.1] },
    packs: { pack: 'pack_20', keep: 0 },
  },
  basic: {
    name: 'Demo Basic',
    signs_up_on: 'free',
    upgrade: { to: 'basic', after_days: 6 },
    people: [
      {
        name: 'owner',
        role: 'owner',
        joins_after_days: 0,
        share: 1,
        habits: { draft_then_final: 5, direct: 4, single: 2, explore: 1 },
        finals: { '1080p': 3, '4k': 2 },
        refines: 0.5,
      },
    ],
    projects: [
      { name: 'Shop listings', after_days: 0 },
      { name: 'Picture book', after_days: 40 },
    ],
    project_share: 0.8,
    budgets: [],
    drafts: [2, 3],
    sessions_per_weekday: 0.14,
    hours: [8, 20],
    rhythm: { weekend: 0.5, holiday: 2.3, year_end: 0.3, quiet_month: 7, quiet: 0.2, growth: [0.8, 1.2] },
    packs: { pack: 'pack_20', keep: 0 },
  },
  pro: {
    name: 'Demo Pro',
    signs_up_on: 'pro',
    people: [
      {
        name: 'owner',
        role: 'owner',
        joins_after_days: 0,
        share: 2,
        habits: drafter,
        finals: { '4k': 3, '8k': 1 },
      },
      {
        name: 'ana',
        role: 'member',
        joins_after_days: 3,
        share: 2,
        habits: drafter,
        finals: { '1080p': 1, '4k': 3 },
      },
      {
        name: 'ben',
        role: 'member',
        joins_after_days: 10,
        share: 2,
        habits: renderer,
        finals: { '4k': 2, '8k': 1 },
      },
      {
        name: 'chloe',
        role: 'admin',
        joins_after_days: 21,
        share: 1,
        habits: drafter,
        finals: { '1080p': 2, '4k': 2 },
      },
    ],
    projects: [
      { name: 'Spring campaign', after_days: 0 },
      { name: 'Website refresh', after_days: 14 },
      { name: 'Holiday catalogue', after_days: 200 },
    ],
    project_share: 0.75,
    budgets: [
      { scope: 'member', person: 'ana', limit: 40, enforcement: 'hard' },
      { scope: 'project', project: 'Spring campaign', limit: 120, enforcement: 'soft' },
    ],
    drafts: [2, 4],
    sessions_per_weekday: 0.4,
    hours: [8, 18],
    rhythm: STUDIO_RHYTHM,
    packs: { pack: 'pack_50', keep: 5 },
  },
  business: {
    name: 'Demo Business',
    signs_up_on: 'pro',
    upgrade: { to: 'business', after_days: 75 },
    people: [
      {
        name: 'owner',
        role: 'owner',
        joins_after_days: 0,
        share: 1,
        habits: drafter,
        finals: { '4k': 2, '8k': 1 },
      },
      {
        name: 'dev',
        role: 'admin',
        joins_after_days: 1,
        share: 2,
        habits: drafter,
        finals: { '4k': 3, '8k': 1 },
      },
      {
        name: 'eli',
        role: 'member',
        joins_after_days: 5,
        share: 2,
        habits: renderer,
        finals: { '4k': 1, '8k': 1 },
      },
      {
        name: 'fay',
        role: 'member',
        joins_after_days: 30,
        share: 2,
        habits: drafter,
        finals: { '1080p': 1, '4k': 2 },
      },
      {
        name: 'gus',
        role: 'member',
        joins_after_days: 80,
        share: 2,
        habits: drafter,
        finals: { '4k': 2, '8k': 1 },
      },
      { name: 'hana', role: 'member', joins_after_days: 95, share: 1, habits: renderer, finals: { '4k': 3 } },
    ],
    projects: [
      { name: 'Client: Northwind', after_days: 0 },
      { name: 'Client: Lumen Coffee', after_days: 20 },
      { name: 'Pitch decks', after_days: 60 },
      { name: 'Holiday campaign', after_days: 190 },
    ],
    project_share: 0.85,
    budgets: [
      { scope: 'project', project: 'Pitch decks', limit: 60, enforcement: 'soft' },
      { scope: 'member', person: 'hana', limit: 80, enforcement: 'hard' },
    ],
    drafts: [3, 4],
    sessions_per_weekday: 0.95,
    hours: [8, 19],
    rhythm: { ...STUDIO_RHYTHM, growth: [0.6, 1.35] },
    packs: { pack: 'pack_100', keep: 15 },
  },
  enterprise: {
    name: 'Demo Enterprise',
    signs_up_on: 'enterprise',
    contract: { allocation: 400, rollover_cap: 800, overage_limit: 100 },
    people: [
      { name: 'owner', role: 'owner', joins_after_days: 0, share: 1, habits: drafter, finals: { '4k': 1 } },
      ...['ivy', 'jon', 'kai', 'lea', 'max', 'noa', 'oli', 'pia', 'raj'].map(
        (name, i): Person => ({
          name,
          role: i === 0 ? 'admin' : 'member',
          joins_after_days: i < 5 ? 0 : 20 + i * 25,
          share: i === 2 ? 3 : i === 8 ? 1 : 2,
          habits: i % 3 === 1 ? renderer : drafter,
          finals: i % 2 === 0 ? { '4k': 3, '8k': 1 } : { '1080p': 1, '4k': 2, '8k': 1 },
        }),
      ),
    ],
    projects: [
      { name: 'Brand library', after_days: 0 },
      { name: 'Spring launch', after_days: 0 },
      { name: 'Social media', after_days: 0 },
      { name: 'Trade show', after_days: 120 },
      { name: 'Holiday campaign', after_days: 180 },
    ],
    project_share: 0.9,
    budgets: [
      { scope: 'member', person: 'raj', limit: 80, enforcement: 'hard' },
      { scope: 'project', project: 'Social media', limit: 150, enforcement: 'soft' },
    ],
    drafts: [3, 4],
    sessions_per_weekday: 2.6,
    hours: [7, 19],
    rhythm: { ...STUDIO_RHYTHM, growth: [0.85, 1.2] },
    packs: { pack: 'pack_200', keep: 60 },
  },
};
