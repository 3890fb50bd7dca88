// `/metrics` with several worker processes (server.workers): each worker's series and the
// primary's, summed into one exposition by prom-client's AggregatorRegistry.aggregate. It groups
// by metric name and label set, so the fast series (fast-series.ts, which export prom-client's
// JSON shape with `aggregator: 'sum'`) add up as prom-client's own counters and histograms do;
// gauges say how they combine where a sum would mislead (metrics.ts: `aggregator`).
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import { processMetrics, type MetricsSnapshot } from './metrics.ts';

/** One exposition of every process's snapshot. A counter of a worker that was restarted starts again from 0 (a counter reset to Prometheus). */
export async function renderAggregated(snapshots: readonly MetricsSnapshot[]): Promise<{ contentType: string; text: string }> {
  const registry = AggregatorRegistry.aggregate(snapshots as MetricsSnapshot[]);
  return { contentType: registry.contentType, text: await registry.metrics() };
}

export interface WorkersStats {
  live: number;
  configured: number;
  restarts: number;
}

/** The primary's own series: its workers, and its process (its CPU and memory count with theirs). */
export class PrimaryMetrics {
  readonly #registry = new Registry();

  constructor(stats: () => WorkersStats) {
    const registers = [this.#registry];
    new Gauge({
      name: 'tollgate_workers',
      help: 'Worker processes (server.workers): live (started and serving) and configured',
      labelNames: ['state'],
      registers,
      collect() {
        const now = stats();
        this.set({ state: 'live' }, now.live);
        this.set({ state: 'configured' }, now.configured);
      },
    });
    new Counter({
      name: 'tollgate_worker_restarts_total',
      help: 'Workers started again by the primary after one exited without being asked to',
      registers,
      collect() {
        this.reset();
        this.inc(stats().restarts);
      },
    });
    processMetrics();
  }

  async snapshot(): Promise<MetricsSnapshot> {
    const [own, process] = await Promise.all([this.#registry.getMetricsAsJSON(), processMetrics().getMetricsAsJSON()]);
    return [...own, ...process];
  }
}
