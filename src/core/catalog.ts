/**
 * The catalog: what things cost and what each tier gives. Loaded from config (see
 * config/catalog.json for the seed's defaults) and validated here, so an invalid file is
 * refused at load with the path of the bad field instead of failing later mid-charge.
 */
import defaults from '../../config/catalog.json' with { type: 'json' };

export const TIER_IDS = ['free', 'basic', 'pro', 'business', 'enterprise'] as const;
export type TierId = (typeof TIER_IDS)[number];

export interface Money {
  amount: number; // integer minor units (cents)
  currency: string;
}

export interface Tier {
  id: TierId;
  name: string;
  allocation: number;
  recurring: boolean;
  rollover_cap: number;
  team: boolean;
  /** Null for Free. `example: true` marks the shipped placeholder prices (the seed has none). */
  price: (Money & { example?: boolean }) | null;
  /** Enterprise: allocation and cap are set per contract (per org); these are the defaults. */
  custom?: boolean;
}

export interface Pack {
  id: string;
  credits: number;
  price: Money;
}

export interface Operation {
  id: string;
  name?: string;
  params: Record<string, string | number>;
  credits: number;
}

export interface Tool {
  id: string;
  name?: string;
  operations: Operation[];
}

export interface Catalog {
  currency: string;
  /** Days after which purchased credits expire; null = never (the spec's default). */
  purchase_expiry_days: number | null;
  tiers: Tier[];
  packs: Pack[];
  tools: Tool[];
}

export class CatalogError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`invalid catalog at ${path}: ${message}`);
    this.name = 'CatalogError';
  }
}

const MAX_CREDITS = 1_000_000_000;
const MAX_CENTS = 100_000_000_00;

type Json = unknown;
const isObj = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function int(v: Json, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new CatalogError(path, `expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}
function str(v: Json, path: string, pattern = /^[a-z0-9][a-z0-9_.-]{0,63}$/): string {
  if (typeof v !== 'string' || !pattern.test(v))
    throw new CatalogError(path, `expected a string matching ${pattern}, got ${JSON.stringify(v)}`);
  return v;
}
function bool(v: Json, path: string): boolean {
  if (typeof v !== 'boolean')
    throw new CatalogError(path, `expected true or false, got ${JSON.stringify(v)}`);
  return v;
}
function obj(v: Json, path: string, allowed: string[]): Record<string, Json> {
  if (!isObj(v)) throw new CatalogError(path, 'expected an object');
  for (const k of Object.keys(v))
    if (!allowed.includes(k)) throw new CatalogError(`${path}.${k}`, 'unknown field');
  return v;
}
function arr(v: Json, path: string): Json[] {
  if (!Array.isArray(v) || v.length === 0) throw new CatalogError(path, 'expected a non-empty array');
  return v;
}
function money(v: Json, path: string, currency: string): Money {
  const o = obj(v, path, ['amount', 'currency', 'example']);
  const c = str(o.currency, `${path}.currency`, /^[a-z]{3}$/);
  if (c !== currency) throw new CatalogError(`${path}.currency`, `expected the catalog currency ${currency}`);
  const m: Money & { example?: boolean } = {
    amount: int(o.amount, `${path}.amount`, 0, MAX_CENTS),
    currency: c,
  };
  if (o.example !== undefined) m.example = bool(o.example, `${path}.example`);
  return m;
}
function unique(ids: string[], path: string) {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) throw new CatalogError(`${path}[${i}].id`, `duplicate id ${id}`);
    seen.add(id);
  });
}

/** Validates a parsed config document; throws CatalogError naming the bad field's path. */
export function parseCatalog(input: Json): Catalog {
  const root = obj(input, '$', ['currency', 'purchase_expiry_days', 'tiers', 'packs', 'tools']);
  const currency = str(root.currency, '$.currency', /^[a-z]{3}$/);
  const purchase_expiry_days =
    root.purchase_expiry_days === null || root.purchase_expiry_days === undefined
      ? null
      : int(root.purchase_expiry_days, '$.purchase_expiry_days', 1, 36_500);

  const tiers = arr(root.tiers, '$.tiers').map((t, i): Tier => {
    const p = `$.tiers[${i}]`;
    const o = obj(t, p, ['id', 'name', 'allocation', 'recurring', 'rollover_cap', 'team', 'price', 'custom']);
    const id = str(o.id, `${p}.id`) as TierId;
    if (!TIER_IDS.includes(id)) throw new CatalogError(`${p}.id`, `expected one of ${TIER_IDS.join(', ')}`);
    if (typeof o.name !== 'string' || o.name.length === 0 || o.name.length > 64)
      throw new CatalogError(`${p}.name`, 'expected a name of 1 to 64 characters');
    const tier: Tier = {
      id,
      name: o.name,
      allocation: int(o.allocation, `${p}.allocation`, 0, MAX_CREDITS),
      recurring: bool(o.recurring, `${p}.recurring`),
      rollover_cap: int(o.rollover_cap, `${p}.rollover_cap`, 0, MAX_CREDITS),
      team: bool(o.team, `${p}.team`),
      price: o.price === null || o.price === undefined ? null : money(o.price, `${p}.price`, currency),
    };
    if (o.custom !== undefined) tier.custom = bool(o.custom, `${p}.custom`);
    if (id === 'free' && tier.recurring)
      throw new CatalogError(`${p}.recurring`, 'the free tier is granted once');
    if (id !== 'free' && !tier.recurring)
      throw new CatalogError(`${p}.recurring`, 'paid tiers renew monthly');
    return tier;
  });
  unique(
    tiers.map((t) => t.id),
    '$.tiers',
  );
  if (!tiers.some((t) => t.id === 'free')) throw new CatalogError('$.tiers', 'a free tier is required');

  const packs = arr(root.packs, '$.packs').map((pk, i): Pack => {
    const p = `$.packs[${i}]`;
    const o = obj(pk, p, ['id', 'credits', 'price']);
    return {
      id: str(o.id, `${p}.id`),
      credits: int(o.credits, `${p}.credits`, 1, MAX_CREDITS),
      price: money(o.price, `${p}.price`, currency),
    };
  });
  unique(
    packs.map((x) => x.id),
    '$.packs',
  );

  const tools = arr(root.tools, '$.tools').map((tl, i): Tool => {
    const p = `$.tools[${i}]`;
    const o = obj(tl, p, ['id', 'name', 'operations']);
    const operations = arr(o.operations, `${p}.operations`).map((op, j): Operation => {
      const q = `${p}.operations[${j}]`;
      const oo = obj(op, q, ['id', 'name', 'params', 'credits']);
      const params =
        oo.params === undefined ? {} : obj(oo.params, `${q}.params`, Object.keys(oo.params ?? {}));
      for (const [k, v] of Object.entries(params))
        if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v)))
          throw new CatalogError(`${q}.params.${k}`, 'expected a string or a number');
      const operation: Operation = {
        id: str(oo.id, `${q}.id`),
        params: params as Record<string, string | number>,
        credits: int(oo.credits, `${q}.credits`, 1, MAX_CREDITS),
      };
      if (typeof oo.name === 'string') operation.name = oo.name;
      return operation;
    });
    unique(
      operations.map((x) => x.id),
      `${p}.operations`,
    );
    const tool: Tool = { id: str(o.id, `${p}.id`), operations };
    if (typeof o.name === 'string') tool.name = o.name;
    return tool;
  });
  unique(
    tools.map((x) => x.id),
    '$.tools',
  );

  return { currency, purchase_expiry_days, tiers, packs, tools };
}

export const defaultCatalog: Catalog = parseCatalog(defaults);

export function tierOf(catalog: Catalog, id: TierId): Tier {
  const t = catalog.tiers.find((x) => x.id === id);
  if (!t) throw new Error(`tier ${id} is not in the catalog`);
  return t;
}

/** Tiers are ordered as listed in the catalog: a later tier is an upgrade. */
export const tierRank = (catalog: Catalog, id: TierId) => catalog.tiers.findIndex((t) => t.id === id);

export const findPack = (catalog: Catalog, id: string) => catalog.packs.find((p) => p.id === id);

export function findOperation(catalog: Catalog, toolId: string, operationId: string): Operation | undefined {
  return catalog.tools.find((t) => t.id === toolId)?.operations.find((o) => o.id === operationId);
}
