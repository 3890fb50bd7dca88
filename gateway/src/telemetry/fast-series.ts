// The per-request series (requests, their duration, subgraph fetch durations) kept in plain Maps
// and handed to prom-client only when scraped. prom-client's `labels(...).inc()/.observe()`
// validates and hashes the label set on every call; here an observation is one Map look-up by a
// key the caller already has and an addition or two. The scrape sees them as any prom-client
// metric: they implement the interface its Registry reads (`name`, `help`, `type`, `get()`).
import type { Metric, Registry } from 'prom-client';

interface MetricValue {
  labels: Record<string, string>;
  value: number;
  metricName?: string;
}

/** What Registry.metrics() calls on each registered metric (prom-client's own classes do the same). */
interface Scraped {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: MetricValue[];
}

interface ScrapedMetric {
  readonly name: string;
  readonly help: string;
  get(): Scraped;
}

function labelsOf(names: readonly string[], values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  names.forEach((name, i) => (labels[name] = values[i]!));
  return labels;
}

/** A counter family. `key` must identify `labelValues` (e.g. them joined by \u0000). */
export class FastCounter implements ScrapedMetric {
  readonly #series = new Map<string, { labels: Record<string, string>; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  inc(key: string, labelValues: readonly string[], by = 1): void {
    const series = this.#series.get(key);
    if (series !== undefined) series.value += by;
    else this.#series.set(key, { labels: labelsOf(this.labelNames, labelValues), value: by });
  }

  get(): Scraped {
    return { name: this.name, help: this.help, type: 'counter', aggregator: 'sum', values: [...this.#series.values()] };
  }
}

interface HistogramSeries {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

/** A histogram family with fixed buckets, exported as prom-client's: `_bucket{le}`, `_sum`, `_count`. */
export class FastHistogram implements ScrapedMetric {
  readonly #series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
    // Without labels its one series is exported from the start, at 0 (as prom-client's).
    if (labelNames.length === 0) this.#series.set('', newSeries({}, buckets.length));
  }

  has(key: string): boolean {
    return this.#series.has(key);
  }

  /** Distinct label sets observed. */
  get size(): number {
    return this.#series.size;
  }

  observe(key: string, labelValues: readonly string[], value: number): void {
    let series = this.#series.get(key);
    if (series === undefined) {
      series = newSeries(labelsOf(this.labelNames, labelValues), this.buckets.length);
      this.#series.set(key, series);
    }
    let bucket = 0;
    while (bucket < this.buckets.length && value > this.buckets[bucket]!) bucket++;
    series.counts[bucket]! += 1;
    series.sum += value;
    series.count += 1;
  }

  get(): Scraped {
    const values: MetricValue[] = [];
    for (const series of this.#series.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += series.counts[i]!;
        values.push({ labels: { le: String(bound), ...series.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...series.labels }, value: series.count, metricName: `${this.name}_bucket` });
      values.push({ labels: series.labels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: series.labels, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }
}

function newSeries(labels: Record<string, string>, buckets: number): HistogramSeries {
  return { labels, counts: new Array<number>(buckets + 1).fill(0), sum: 0, count: 0 };
}
