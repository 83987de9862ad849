/**
 * `OrgChanges` across instances on PostgreSQL: each committed batch runs `pg_notify` for
 * the orgs it changed inside its own transaction (so the notification is sent exactly
 * when, and only if, the batch commits), on one channel per schema with the org id as
 * payload. Each process keeps ONE connection of its own (outside the pool: a pooled client
 * cannot hold LISTEN) listening on that channel, opened when the first stream subscribes,
 * and fans notifications out to its local listeners. A lost connection is reopened; every
 * listener then hears a change, since notifications sent meanwhile are gone.
 */
import pg from 'pg';
import { LocalOrgChanges } from './org-changes.ts';
import type { OrgChanges } from './types.ts';

/** Wait before reopening a lost listening connection (then again, until it is back). */
const RECONNECT_MS = 1_000;

/** The channel of a schema: identifiers stop at 63 bytes, and both sides must agree. */
export const changesChannel = (schema: string) => `amisi_changes_${schema}`.slice(0, 63);

export class PostgresOrgChanges implements OrgChanges {
  private readonly local = new LocalOrgChanges();
  private client: pg.Client | null = null;
  private listening: Promise<void> | null = null;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    readonly channel: string,
  ) {}

  async subscribe(orgId: string, listener: () => void) {
    const off = this.local.add(orgId, listener);
    try {
      await this.listen();
    } catch (e) {
      off();
      throw e;
    }
    return off;
  }

  private listen(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    if (this.listening) return this.listening;
    const client = new pg.Client({ connectionString: this.url });
    this.client = client;
    const lost = () => {
      if (this.client !== client) return;
      this.client = null;
      this.listening = null;
      client.end().catch(() => {});
      this.reconnectSoon();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (msg) => {
      if (msg.channel === this.channel && msg.payload) this.local.emit(msg.payload);
    });
    this.listening = (async () => {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    })();
    this.listening.catch(lost);
    return this.listening;
  }

  private reconnectSoon() {
    if (this.closed || this.retry || this.local.size === 0) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.listen().then(
        () => this.local.emitAll(),
        () => {}, // `lost` schedules the next attempt
      );
    }, RECONNECT_MS);
    this.retry.unref();
  }

  async close() {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = null;
    this.listening = null;
    await c?.end().catch(() => {});
  }
}
