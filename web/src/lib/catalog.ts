/**
 * The catalog (GET /v1/catalog: tiers, packs, tools and their prices), asked once and
 * shared by every page, and the one way the app names a tier: by the catalog's own name
 * for it ("Pro"), never by its id, a table of our own or CSS capitalisation.
 */
import { useQuery } from '@tanstack/react-query';
import { api, call, type Ok } from '../api/client';

export type Catalog = Ok<'/v1/catalog', 'get'>;
export type Tier = Catalog['tiers'][number];

/** The catalog changes only with the server's configuration: five minutes is fresh enough. */
const CATALOG_FRESH_MS = 5 * 60_000;

export function useCatalog() {
  return useQuery({
    queryKey: ['catalog'],
    queryFn: () => call(api.GET('/v1/catalog')),
    staleTime: CATALOG_FRESH_MS,
  });
}

/**
 * A tier's name as the catalog gives it. While the catalog is loading, or for an id it does
 * not list (a retired tier in old history), the id with a capital letter rather than nothing.
 */
export function tierName(tiers: readonly Pick<Tier, 'id' | 'name'>[] | undefined, id: string): string {
  return tiers?.find((t) => t.id === id)?.name ?? id.charAt(0).toUpperCase() + id.slice(1);
}

/** `tierName` bound to the shared catalog query, for components that show a tier. */
export function useTierName(): (id: string) => string {
  const tiers = useCatalog().data?.tiers;
  return (id) => tierName(tiers, id);
}
