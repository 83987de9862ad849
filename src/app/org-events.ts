/**
 * The org event stream's use case: watch an org and hear its balance whenever a committed
 * write changed it, on this instance or (PostgreSQL) any other. Announcements are
 * coalesced: while a balance is being read, further changes only mark it stale, so a
 * burst of writes costs at most two reads per stream. Streams are bounded per org and per
 * process, since each holds a connection and a listener for as long as a tab is open.
 */
import { notFound } from '../core/index.ts';
import { type BalanceView, balanceView } from './balance.ts';
import type { AppDeps } from './deps.ts';

/** Open streams one org may hold on one process: a team's browsers with a few tabs each. */
export const MAX_STREAMS_PER_ORG = 20;
/** Open streams on one process across orgs (each is a socket and a listener). */
export const MAX_STREAMS_TOTAL = 2_000;

export class TooManyStreams extends Error {
  constructor(
    readonly scope: 'org' | 'server',
    readonly limit: number,
  ) {
    super(
      scope === 'org'
        ? `this org already has ${limit} open event streams on this server; close some tabs, or poll GET /v1/orgs/{org}/balance`
        : `this server already has ${limit} open event streams; retry shortly, or poll GET /v1/orgs/{org}/balance`,
    );
    this.name = 'TooManyStreams';
  }
}

export interface OrgWatch {
  /** Stops listening and frees the stream's slot; safe to call twice. */
  close(): void;
}

export class OrgEvents {
  private readonly perOrg = new Map<string, number>();
  private total = 0;
  private readonly open = new Set<OrgWatch>();

  constructor(
    private readonly deps: AppDeps,
    readonly limits = { perOrg: MAX_STREAMS_PER_ORG, total: MAX_STREAMS_TOTAL },
  ) {}

  /**
   * Takes a slot (or throws TooManyStreams), then sends the org's balance now and after
   * every change until closed. Refuses an unknown org with not_found.
   */
  async watch(
    orgId: string,
    onBalance: (b: BalanceView) => void,
    onError: (e: unknown) => void,
  ): Promise<OrgWatch> {
    const n = this.perOrg.get(orgId) ?? 0;
    if (n >= this.limits.perOrg) throw new TooManyStreams('org', this.limits.perOrg);
    if (this.total >= this.limits.total) throw new TooManyStreams('server', this.limits.total);
    this.perOrg.set(orgId, n + 1);
    this.total++;
    let closed = false;
    let off = () => {};
    const watch: OrgWatch = {
      close: () => {
        if (closed) return;
        closed = true;
        off();
        this.open.delete(watch);
        this.total--;
        const left = (this.perOrg.get(orgId) ?? 1) - 1;
        if (left > 0) this.perOrg.set(orgId, left);
        else this.perOrg.delete(orgId);
      },
    };
    this.open.add(watch);

    let reading = false;
    let stale = false;
    const read = async () => {
      if (closed) return;
      if (reading) {
        stale = true;
        return;
      }
      reading = true;
      try {
        do {
          stale = false;
          const now = this.deps.clock.now();
          const state = await this.deps.store.getOrg(orgId, now);
          if (!state) throw notFound('org', orgId);
          if (!closed) onBalance(balanceView(state, this.deps.catalog, now));
        } while (stale && !closed);
      } catch (e) {
        if (!closed) onError(e);
      } finally {
        reading = false;
      }
    };

    try {
      // Listen first, then read: a change committed in between is still heard.
      off = await this.deps.store.orgChanges.subscribe(orgId, () => void read());
      const state = await this.deps.store.getOrg(orgId, this.deps.clock.now());
      if (!state) throw notFound('org', orgId);
    } catch (e) {
      watch.close();
      throw e;
    }
    void read();
    return watch;
  }

  /** Streams open on this process. */
  get size() {
    return this.open.size;
  }
}
