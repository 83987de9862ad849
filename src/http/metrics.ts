/**
 * Prometheus metrics on their own registry (so several servers can live in one process,
 * as in tests): request durations by route, credits charged, ledger writes by command and
 * outcome, holds created and resolved, holds open now (read from the store at scrape
 * time), and the store's batch sizes.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { WriteResult } from '../app/vocabulary.ts';
import type { Command } from '../core/index.ts';

export class Metrics {
  readonly registry = new Registry();
  readonly requestSeconds = new Histogram({
    name: 'amisi_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly creditsCharged = new Counter({
    name: 'amisi_credits_charged_total',
    help: 'Credits charged for usage (captures and direct charges)',
    registers: [this.registry],
  });
  readonly writes = new Counter({
    name: 'amisi_ledger_writes_total',
    help: 'Ledger commands by type and outcome (ok, refused code, replayed)',
    labelNames: ['command', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly holds = new Counter({
    name: 'amisi_holds_total',
    help: 'Holds created, captured and released by a request (expiries are not counted here)',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  readonly earlyRenders = new Counter({
    name: 'amisi_generation_early_renders_total',
    help: 'Generation batches that began rendering while their hold committed: kept, or dropped when the hold was refused',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'amisi_store_batch_size',
    help: 'Operations committed together by one store transaction (group commit)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'amisi_store_batch_duration_seconds',
    help: 'Time to apply and commit one batch',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  constructor(openHolds?: () => Promise<number>) {
    collectDefaultMetrics({ register: this.registry });
    if (openHolds)
      new Gauge({
        name: 'amisi_holds_open',
        help: 'Holds open right now across every org (credits reserved for work in progress)',
        registers: [this.registry],
        async collect() {
          this.set(await openHolds());
        },
      });
  }

  onWrite = (cmd: Command | { type: 'create_org' }, r: WriteResult) => {
    if (!r.ok) {
      this.writes.inc({ command: cmd.type, outcome: r.replayed ? 'replayed' : r.error.code });
      return;
    }
    this.writes.inc({ command: cmd.type, outcome: r.replayed ? 'replayed' : 'ok' });
    if (r.replayed) return;
    for (const t of r.txns) if (t.type === 'usage') this.creditsCharged.inc(-t.amount);
    if (cmd.type === 'hold') this.holds.inc({ event: 'created' });
    else if (cmd.type === 'capture') this.holds.inc({ event: 'captured' });
    else if (cmd.type === 'release') this.holds.inc({ event: 'released' });
  };

  onBatch = (size: number, ms: number) => {
    this.batchSize.observe(size);
    this.batchSeconds.observe(ms / 1000);
  };
}
