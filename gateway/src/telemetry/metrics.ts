// Prometheus metrics (prom-client): one registry per running gateway, so several gateways in one
// process (the tests) never share a series. Per-request counters are incremented by the pipeline;
// the counters other parts already keep (executor, subgraphs, document cache) are read at scrape
// time through `MetricsSources`, never counted twice. Process metrics are process-wide: one
// registry for the whole process, rendered with each gateway's.
import { createRequire } from 'node:module';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TelemetryConfig } from './config.ts';

/** Label value for operation/client names past the cap or longer than MAX_LABEL_LENGTH. */
export const OTHER_LABEL = 'other';
/** Operation before stage 4 resolved it, client without a name. */
export const UNKNOWN_LABEL = 'unknown';
/** An unnamed operation. */
export const ANONYMOUS_LABEL = 'anonymous';
const MAX_LABEL_LENGTH = 100;

/** What the scrape reads from the running gateway (structural: telemetry imports no other concern). */
export interface MetricsSources {
  /** The serving graph's executor counters; undefined under `executor: apollo`, or before a graph loaded. */
  executor(): { tollgate: number; apollo: number } | undefined;
  /** Per subgraph: breaker state and fetch counters since start (FederationGateway.subgraphHealth). */
  subgraphs(): Record<string, { breaker: string; stats: { fetches: number; attempts: number; retries: number; circuitOpenRejections: number; deduplicated: number } }>;
  /** The serving graph's document cache: hits, and parses (= misses). */
  documents(): { cacheHits: number; parses: number } | undefined;
  /** The serving supergraph's hash. */
  supergraphHash(): string | undefined;
}

export type QuotaDecision = 'admitted' | 'limited' | 'store_error';

/**
 * Keeps a label's distinct values bounded: the first `max` values seen are kept, later new ones
 * (and any longer than MAX_LABEL_LENGTH) fold into `other`. The reserved values pass through.
 */
export class LabelCap {
  readonly #seen = new Set<string>();
  constructor(private readonly max: number) {}

  value(name: string): string {
    if (this.#seen.has(name)) return name;
    if (name === UNKNOWN_LABEL || name === ANONYMOUS_LABEL) return name;
    if (name.length > MAX_LABEL_LENGTH || this.#seen.size >= this.max) return OTHER_LABEL;
    this.#seen.add(name);
    return name;
  }
}

/**
 * A counter read from a source that may start again from 0 (a reload builds a new graph, with new
 * counters): what was counted before the reset is carried, so the exported series never goes down.
 */
class Carried {
  readonly #last = new Map<string, number>();
  readonly #base = new Map<string, number>();
  total(key: string, value: number): number {
    const last = this.#last.get(key) ?? 0;
    let base = this.#base.get(key) ?? 0;
    if (value < last) {
      base += last;
      this.#base.set(key, base);
    }
    this.#last.set(key, value);
    return base + value;
  }
}

let processRegistry: Registry | undefined;
/**
 * Node process metrics and event-loop lag: prom-client's default metrics, collected once per
 * process (they are the process's), all but `nodejs_gc_duration_seconds`. That one watches every
 * garbage collection through a PerformanceObserver, which cost a quarter of the throughput on the
 * one-hop benchmark query (BENCHMARKS.md, issue 12); the others are read at scrape time, or (the
 * event-loop delay) sampled by libuv. collectDefaultMetrics cannot leave one out, so each of its
 * metrics (its own `metricsList`) is registered from prom-client's module for it; should that
 * layout change, all of them are collected (the tests notice the GC histogram).
 */
function processMetrics(): Registry {
  if (processRegistry !== undefined) return processRegistry;
  processRegistry = new Registry();
  const config = { prefix: 'tollgate_', eventLoopMonitoringPrecision: 10 };
  const load = createRequire(import.meta.url);
  let collectors: Array<(registry: Registry, options: typeof config) => void>;
  try {
    collectors = collectDefaultMetrics.metricsList.filter((name) => name !== 'gc').map((name) => load(`prom-client/lib/metrics/${name}`));
  } catch {
    collectDefaultMetrics({ register: processRegistry, ...config });
    return processRegistry;
  }
  for (const collect of collectors) collect(processRegistry, config);
  return processRegistry;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #operations: LabelCap;
  readonly #clients: LabelCap;
  readonly #codes: LabelCap;
  readonly #requests: Counter<'operation' | 'client' | 'code'>;
  readonly #duration: Histogram<'operation' | 'client'>;
  readonly #errors: Counter<'code'>;
  readonly #quota: Counter<'decision' | 'profile'>;

  constructor(config: TelemetryConfig['metrics'], sources: MetricsSources) {
    const registers = [this.registry];
    this.#operations = new LabelCap(config.max_label_values);
    this.#clients = new LabelCap(config.max_label_values);
    // Error codes are the registry's and Apollo's, but a subgraph's error may carry any code.
    this.#codes = new LabelCap(config.max_label_values);
    this.#requests = new Counter({
      name: 'tollgate_requests_total',
      help: 'GraphQL requests by operation, client and outcome (ok, ok_with_errors, or the refusal code)',
      labelNames: ['operation', 'client', 'code'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'tollgate_request_duration_seconds',
      help: 'GraphQL request duration, from the first byte handled to the answer written',
      labelNames: ['operation', 'client'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#errors = new Counter({ name: 'tollgate_errors_total', help: 'Errors returned, by code (a refusal counts once; a result counts each of its errors)', labelNames: ['code'], registers });
    this.#quota = new Counter({ name: 'tollgate_quota_decisions_total', help: 'Quota decisions (stage 5) by profile', labelNames: ['decision', 'profile'], registers });

    const carried = new Carried();
    new Counter({
      name: 'tollgate_executor_operations_total',
      help: "Operations run by Tollgate's executor and by its @apollo/gateway fallback",
      labelNames: ['executor'],
      registers,
      collect() {
        const stats = sources.executor();
        this.reset();
        this.inc({ executor: 'tollgate' }, carried.total('executor:tollgate', stats?.tollgate ?? 0));
        this.inc({ executor: 'apollo' }, carried.total('executor:apollo', stats?.apollo ?? 0));
      },
    });
    const subgraphCounter = (name: string, help: string, read: (stats: ReturnType<MetricsSources['subgraphs']>[string]['stats']) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['subgraph'],
        registers,
        collect() {
          this.reset();
          for (const [subgraph, health] of Object.entries(sources.subgraphs())) this.inc({ subgraph }, read(health.stats));
        },
      });
    subgraphCounter('tollgate_subgraph_fetches_total', 'Fetches asked of a subgraph (deduplicated ones included)', (s) => s.fetches);
    subgraphCounter('tollgate_subgraph_attempts_total', 'Requests sent to a subgraph, retries included', (s) => s.attempts);
    subgraphCounter('tollgate_subgraph_retries_total', 'Retried subgraph requests', (s) => s.retries);
    subgraphCounter('tollgate_subgraph_circuit_open_rejections_total', 'Fetches refused at once because the breaker was open', (s) => s.circuitOpenRejections);
    subgraphCounter('tollgate_subgraph_deduplicated_total', 'Fetches that joined an identical one in flight', (s) => s.deduplicated);
    new Gauge({
      name: 'tollgate_subgraph_breaker_open',
      help: "1 while the subgraph's circuit breaker is open",
      labelNames: ['subgraph'],
      registers,
      collect() {
        this.reset();
        for (const [subgraph, health] of Object.entries(sources.subgraphs())) this.set({ subgraph }, health.breaker === 'open' ? 1 : 0);
      },
    });
    new Counter({
      name: 'tollgate_document_cache_total',
      help: 'Parsed-and-validated document cache lookups (stage 4)',
      labelNames: ['result'],
      registers,
      collect() {
        const stats = sources.documents();
        this.reset();
        this.inc({ result: 'hit' }, carried.total('documents:hit', stats?.cacheHits ?? 0));
        this.inc({ result: 'miss' }, carried.total('documents:miss', stats?.parses ?? 0));
      },
    });
    new Gauge({
      name: 'tollgate_supergraph_info',
      help: 'The serving supergraph (its hash), value 1',
      labelNames: ['hash'],
      registers,
      collect() {
        this.reset();
        const hash = sources.supergraphHash();
        if (hash !== undefined) this.set({ hash }, 1);
      },
    });
    processMetrics();
  }

  /** The label value for an operation: its name, `anonymous`, or `unknown` (not resolved). */
  operationLabel(name: string | undefined): string {
    return name === undefined ? ANONYMOUS_LABEL : this.#operations.value(name);
  }

  clientLabel(name: string | undefined): string {
    return name === undefined || name === '' ? UNKNOWN_LABEL : this.#clients.value(name);
  }

  /** One request done: `code` is ok, ok_with_errors, or the refusal's code. */
  request(operation: string, client: string, code: string, seconds: number): void {
    this.#requests.labels(operation, client, code === 'ok' || code === 'ok_with_errors' ? code : this.#codes.value(code)).inc();
    this.#duration.labels(operation, client).observe(seconds);
  }

  error(code: string): void {
    this.#errors.labels(this.#codes.value(code)).inc();
  }

  quota(decision: QuotaDecision, profile: string): void {
    this.#quota.labels(decision, profile).inc();
  }

  /** The text exposition format: this gateway's metrics, then the process's. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    const [own, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return { contentType: this.registry.contentType, text: `${own}\n${process}` };
  }
}
