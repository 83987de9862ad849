/**
 * `amisi demo`: one org of each tier living a realistic year (src/cli/demo/): a hobbyist on
 * Free, a freelancer on Basic, a studio on Pro, an agency that grows into Business, a
 * department on an Enterprise contract; weekdays and weekends, a holiday bump, a quiet
 * summer month, growth; drafts at 720p finalized at higher resolutions, and people who
 * render every try at full resolution; pack purchases when credits run low. Everything is
 * written through the same ledger as real traffic, each operation at its own simulated
 * time on one clock, so the log reads in order and `amisi verify` passes.
 */

import type { Config } from '../config/config.ts';
import { addMonths, type Catalog, defaultCatalog, type TierId } from '../core/index.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/types.ts';
import { flags, UsageError } from './args.ts';
import { Dice } from './demo/dice.ts';
import { PERSONAS } from './demo/personas.ts';
import { type OrgSummary, simulateOrg } from './demo/simulate.ts';
import { Progress } from './progress.ts';

export const DEFAULT_DEMO_MONTHS = 13;

export const DEMO_HELP = `usage: amisi demo [--months 1..24] [--seed <integer>]

Creates one org per tier (free, basic, pro, business, enterprise) with --months months
(default ${DEFAULT_DEMO_MONTHS}: a year of complete periods plus the current one, so the insights can
compare with last year) of realistic usage ending now, deterministic for a given --seed.
Prints one line per org: id, tier, balance, what it used and bought.`;

export async function demoCommand(config: Config, argv: string[]): Promise<number> {
  const f = flags(argv, { months: { type: 'string' }, seed: { type: 'string' } });
  if (f.help) {
    console.log(DEMO_HELP);
    return 0;
  }
  const months = f.months === undefined ? DEFAULT_DEMO_MONTHS : Number(f.months);
  if (!Number.isInteger(months) || months < 1 || months > 24)
    throw new UsageError('--months must be an integer from 1 to 24');
  const seed = f.seed === undefined ? 42 : Number(f.seed);
  if (!Number.isSafeInteger(seed)) throw new UsageError('--seed must be an integer');
  const store = await openStore(config.database_url, { catalog: config.catalog, mustExist: true });
  try {
    const progress = new Progress('simulating');
    const orgs = await seedDemo(store, {
      months,
      seed,
      end: Date.now(),
      catalog: config.catalog,
      onOrg: (i, n) => progress.update(i, n),
    });
    console.log(orgs.map(describeOrg).join('\n'));
    return 0;
  } finally {
    await store.close();
  }
}

const ALL_TIERS: TierId[] = ['free', 'basic', 'pro', 'business', 'enterprise'];

export interface DemoOptions {
  /** Calendar months of history ending at `end` (and `DEMO_EXTRA_DAYS` more). */
  months: number;
  seed: number;
  /** The simulated usage ends here (ms); a server on a manual clock passes its own now. */
  end: number;
  /** Which tiers get an org (default: all five). */
  tiers?: TierId[];
  /** The catalog the store was opened with (default: the seed's). */
  catalog?: Catalog;
  onOrg?: (done: number, of: number) => void;
}

/** The demo's start: `months` calendar months before `end`. */
/**
 * The orgs sign up `months` calendar months and a few days before `end`: a monthly period
 * anchored at sign-up is then under way at the end, as a real account's usually is, rather
 * than renewing at the very instant the demo stops.
 */
export const DEMO_EXTRA_DAYS = 11;
export const demoStart = (end: number, months: number): number =>
  addMonths(end, -months) - DEMO_EXTRA_DAYS * 86_400_000;

/**
 * Writes the demo orgs into `store` (ids `org_demo_<tier>_<seed>`); returns what each did.
 * Exported so tests can seed the store of a server they started.
 */
export async function seedDemo(store: Store, o: DemoOptions): Promise<OrgSummary[]> {
  const start = demoStart(o.end, o.months);
  const tiers = o.tiers ?? ALL_TIERS;
  const idOf = (tier: TierId) => `org_demo_${tier}_${o.seed}`;
  // Refuse before writing anything, rather than leave some orgs half-seeded.
  for (const tier of tiers)
    if (await store.getOrg(idOf(tier), o.end))
      throw new UsageError(
        `${idOf(tier)} exists already: run demo with another --seed, or on a fresh database`,
      );
  let done = 0;
  // The orgs are independent, so they live their years side by side: the store's group commit
  // then writes them together. Each keeps its own random stream, so seeding one tier gives
  // the same org as seeding all, and the result does not depend on how their writes interleave.
  return Promise.all(
    tiers.map(async (tier) => {
      const summary = await simulateOrg(store, o.catalog ?? defaultCatalog, {
        id: idOf(tier),
        tier,
        persona: PERSONAS[tier],
        start,
        end: o.end,
        dice: new Dice(o.seed * 31 + ALL_TIERS.indexOf(tier)),
      });
      o.onOrg?.(++done, tiers.length);
      return summary;
    }),
  );
}

/** One line per org: id, tier, balance, then in words what it did (and why a balance is negative). */
export function describeOrg(s: OrgSummary): string {
  const parts = [
    `${s.used} credits used in ${s.generations} generations`,
    `${s.packs} pack${s.packs === 1 ? '' : 's'} bought`,
  ];
  if (s.refused > 0) parts.push(`${s.refused} refused by a hard budget`);
  if (s.credit_line_draws > 0)
    parts.push(`drew on its credit line ${s.credit_line_draws} time(s), each repaid by the next pack`);
  const line = `${s.id}\t${s.tier}\tbalance ${s.balance}\t${parts.join(', ')}`;
  return s.balance < 0
    ? `${line}\n  ${s.id} is ${-s.balance} credits into its Enterprise credit line (limit ${s.overage_limit}); its next grant repays it first`
    : line;
}
