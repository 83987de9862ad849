/**
 * `amisi demo`: one org of each tier with a few months of realistic usage (drafts at 720p,
 * finals at 4K/8K, a team with members, projects and budgets, pack purchases), written
 * through the same ledger as everything else, at the simulated times it happened.
 */

import type { Config } from '../config/config.ts';
import { balanceOf, type Command, type TierId } from '../core/index.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/types.ts';
import { flags, UsageError } from './args.ts';
import { Progress } from './progress.ts';

export const DEMO_HELP = `usage: amisi demo [--months 1..24] [--seed <integer>]

Creates one org per tier (free, basic, pro, business, enterprise) with --months months
(default 4) of usage ending now, deterministic for a given --seed. Prints the org ids.`;

const DAY = 86_400_000;

/** A small deterministic PRNG (mulberry32): the same seed gives the same demo. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A few recurring ideas: tries of one prompt are what the workflow-efficiency report groups. */
const PROMPTS = [
  'a red fox in the snow, watercolour',
  'product shot of a ceramic mug on oak',
  'city skyline at dusk, long exposure',
  'portrait of an astronaut, studio light',
  'isometric cottage with a garden',
];

const DAILY_DRAFTS: Record<TierId, number> = {
  free: 0.05,
  basic: 0.9,
  pro: 2.5,
  business: 7,
  enterprise: 18,
};

export async function demoCommand(config: Config, argv: string[]): Promise<number> {
  const f = flags(argv, { months: { type: 'string' }, seed: { type: 'string' } });
  if (f.help) {
    console.log(DEMO_HELP);
    return 0;
  }
  const months = f.months === undefined ? 4 : Number(f.months);
  if (!Number.isInteger(months) || months < 1 || months > 24)
    throw new UsageError('--months must be an integer from 1 to 24');
  const seed = f.seed === undefined ? 42 : Number(f.seed);
  if (!Number.isSafeInteger(seed)) throw new UsageError('--seed must be an integer');
  const store = await openStore(config.database_url, { catalog: config.catalog, mustExist: true });
  try {
    const progress = new Progress('simulating');
    const out = await seedDemo(store, {
      months,
      seed,
      end: Date.now(),
      onOrg: (i, n) => progress.update(i, n),
    });
    console.log(out.join('\n'));
    return 0;
  } finally {
    await store.close();
  }
}

const ALL_TIERS: TierId[] = ['free', 'basic', 'pro', 'business', 'enterprise'];

export interface DemoOptions {
  months: number;
  seed: number;
  /** The simulated usage ends here (ms); a server on a manual clock passes its own now. */
  end: number;
  /** Which tiers get an org (default: all five). */
  tiers?: TierId[];
  onOrg?: (done: number, of: number) => void;
}

/**
 * Writes the demo orgs into `store` (ids `org_demo_<tier>_<seed>`); returns one line per
 * org. Exported so tests can seed the store of a server they started.
 */
export async function seedDemo(store: Store, o: DemoOptions): Promise<string[]> {
  const start = o.end - o.months * 30 * DAY;
  const tiers = o.tiers ?? ALL_TIERS;
  const out: string[] = [];
  for (const [i, tier] of tiers.entries()) {
    const id = `org_demo_${tier}_${o.seed}`;
    // Each tier keeps its own random stream, so seeding one tier gives the same org as seeding all.
    out.push(await simulate(store, id, tier, start, o.end, rng(o.seed * 31 + ALL_TIERS.indexOf(tier))));
    o.onOrg?.(i + 1, tiers.length);
  }
  return out;
}

async function simulate(
  store: Store,
  id: string,
  tier: TierId,
  start: number,
  end: number,
  random: () => number,
) {
  const run = async (cmd: Command, now: number) => {
    const r = await store.execute(id, cmd, { now });
    return r.ok ? r.result : null;
  };
  const created = await store.createOrg(
    {
      id,
      name: `Demo ${tier[0]!.toUpperCase()}${tier.slice(1)}`,
      tier,
      ...(tier === 'enterprise' ? { allocation: 400, rollover_cap: 800, overage_limit: 100 } : {}),
    },
    { now: start },
  );
  if (!created.ok)
    throw new UsageError(`${id} exists already: run demo with another --seed, or on a fresh database`);
  const owner = (await run({ type: 'add_member', email: `owner@${tier}.demo`, role: 'owner' }, start)) as {
    id: string;
  };
  const members = [owner.id];
  const projects: string[] = [];
  if (tier === 'pro' || tier === 'business' || tier === 'enterprise') {
    for (const name of ['ana', 'ben', 'chloe']) {
      const m = (await run({ type: 'add_member', email: `${name}@${tier}.demo`, role: 'member' }, start)) as {
        id: string;
      };
      members.push(m.id);
    }
    for (const name of ['Spring campaign', 'Website refresh']) {
      const p = (await run({ type: 'add_project', name }, start)) as { id: string };
      projects.push(p.id);
    }
    await run(
      { type: 'set_budget', scope: 'member', scope_id: members[1]!, limit: 40, enforcement: 'hard' },
      start,
    );
    await run(
      { type: 'set_budget', scope: 'project', scope_id: projects[0]!, limit: 120, enforcement: 'soft' },
      start,
    );
  }
  for (let day = start; day < end; day += DAY) {
    const drafts = Math.round(DAILY_DRAFTS[tier] * 2 * random());
    // Times within the day in order: the ledger's clock only moves forward.
    const times = Array.from({ length: drafts }, () => day + Math.floor(random() * (DAY - 1))).sort(
      (a, b) => a - b,
    );
    for (const t of times) {
      const member_id = members[Math.floor(random() * members.length)]!;
      const project_id =
        projects.length > 0 && random() < 0.7 ? projects[Math.floor(random() * projects.length)]! : null;
      const operation = random() < 0.75 ? '720p' : random() < 0.6 ? '1080p' : random() < 0.7 ? '4k' : '8k';
      const prompt = PROMPTS[Math.floor(random() * PROMPTS.length)]!;
      await run(
        {
          type: 'consume',
          usage: {
            tool: 'image.generate',
            operation,
            quantity: 1,
            member_id,
            project_id,
            metadata: { prompt },
          },
        },
        Math.min(t, end - 1),
      );
    }
    // Buy a pack when running low, as a person would.
    const state = await store.getOrg(id, day);
    if (state && tier !== 'free' && balanceOf(state) < 5 && random() < 0.5) {
      const p = (await run({ type: 'purchase_create', pack: 'pack_20' }, day)) as { id: string } | null;
      if (p)
        await run({ type: 'purchase_complete', purchase_id: p.id, payment_id: `demo_${id}_${day}` }, day);
    }
  }
  await store.catchUp(id, end);
  const final = await store.getOrg(id, end);
  return `${id}\t${tier}\tbalance ${final ? balanceOf(final) : '?'}`;
}
