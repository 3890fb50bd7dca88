// Prometheus metrics (prom-client): one registry per running gateway, so several gateways in one
// process (the tests) never share a series. Per-request counters are incremented by the pipeline;
// the counters other parts already keep (executor, subgraphs, document cache) are read at scrape
// time through `MetricsSources`, never counted twice. Process metrics are process-wide: one
// registry for the whole process, rendered with each gateway's.
import { createRequire } from 'node:module';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ERROR_CODES } from '../core/errors.ts';
import type { TelemetryConfig } from './config.ts';
import { FastCounter, FastHistogram } from './fast-series.ts';
import type { RequestRecord } from './request-record.ts';
import type { TracingStats } from './tracing.ts';

/** Label value for operation/client names past the cap or longer than MAX_LABEL_LENGTH. */
export const OTHER_LABEL = 'other';
/** Operation before stage 4 resolved it, client without a name. */
export const UNKNOWN_LABEL = 'unknown';
/** An unnamed operation. */
export const ANONYMOUS_LABEL = 'anonymous';
const MAX_LABEL_LENGTH = 100;
const MIB = 2 ** 20;
/** Operation × client series kept per label value allowed (`max_label_values` 100 → 500 series). */
const SERIES_PER_LABEL_VALUE = 5;
/** The outcome of a request whose client went away (pipeline.ts). */
const CLIENT_ABORTED_LABEL = 'client_aborted';
const NO_LABELS: readonly string[] = [];
/** Request and subgraph fetch latency buckets (seconds). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the scrape reads from the running gateway (structural: telemetry imports no other concern). */
export interface MetricsSources {
  /** The serving graph's executor counters; undefined under `executor: apollo`, or before a graph loaded. */
  executor(): { tollgate: number; apollo: number; planCacheHits: number; planCacheMisses: number } | undefined;
  /** Per subgraph: breaker state and fetch counters since start (FederationGateway.subgraphHealth). */
  subgraphs(): Record<string, { breaker: string; stats: { fetches: number; attempts: number; retries: number; circuitOpenRejections: number; deduplicated: number } }>;
  /** The serving graph's document cache: hits, and parses (= misses). */
  documents(): { cacheHits: number; parses: number } | undefined;
  /** The serving supergraph's hash. */
  supergraphHash(): string | undefined;
  /** Per JWKS source: fetches and failed fetches since start. */
  jwks(): Record<string, { fetches: number; failures: number }>;
  /** The quota store when it is Redis: whether it is failed over to the local limiter; else undefined. */
  quotaStore(): { degraded: boolean } | undefined;
  /** The span exporter's counters when `telemetry.tracing.enabled`; else undefined (the series stay 0). */
  tracing?(): TracingStats | undefined;
  /** The memory budget (MB; undefined: none) and V8's heap limit in effect (MB). */
  memory?(): { budgetMb: number | undefined; heapLimitMb: number };
  /** Per cache (plans, documents, persisted_queries): entries and estimated bytes held now. */
  caches?(): Record<string, { size: number; bytes: number } | undefined>;
  /** The shared APQ store's Redis round trips since start (`persisted_documents.apq.store: redis`); else undefined (no series). */
  apqStore?(): { getHits: number; getMisses: number; getErrors: number; sets: number; setErrors: number } | undefined;
  /** The edge cache's look-ups since start, by subgraph, type and result (`cache.enabled`); else undefined (no series). */
  edgeCache?(): Iterable<{ readonly subgraph: string; readonly type: string; readonly result: string; readonly count: number }> | undefined;
}

/**
 * Keeps a label's distinct values bounded: the first `max` values seen are kept, later new ones
 * (and any longer than MAX_LABEL_LENGTH) fold into `other`. The reserved values pass through.
 */
export class LabelCap {
  readonly #seen = new Set<string>();
  constructor(
    private readonly max: number,
    /** Values that always pass and take no slot (the gateway's own error codes). */
    private readonly reserved: ReadonlySet<string> = new Set(),
  ) {}

  value(name: string): string {
    if (this.#seen.has(name)) return name;
    if (name === UNKNOWN_LABEL || name === ANONYMOUS_LABEL || this.reserved.has(name)) return name;
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

/** One registry's metrics as prom-client's getMetricsAsJSON gives them: what a worker sends its primary. */
export type MetricsSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

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
export function processMetrics(): Registry {
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
  readonly #maxSeries: number;
  readonly #requests: FastCounter;
  readonly #duration: FastHistogram;
  readonly #errors: Counter<'code'>;
  readonly #quota: FastCounter;
  readonly #rules: LabelCap;
  readonly #subgraphDuration: FastHistogram;
  readonly #subgraphErrors: Counter<'subgraph' | 'code'>;
  readonly #estimatedCost: FastHistogram;
  readonly #actualCost: FastHistogram;
  readonly #redisDuration: FastHistogram;
  readonly #redisErrors: Counter<'command'>;
  readonly #supergraphLoads: Counter<'result'>;
  readonly #redisCommandsSeen = new Set<string>();

  constructor(config: TelemetryConfig['metrics'], sources: MetricsSources) {
    const registers = [this.registry];
    this.#operations = new LabelCap(config.max_label_values);
    this.#clients = new LabelCap(config.max_label_values);
    // The registry's codes always pass; a subgraph's error may carry any code, those are capped
    // (so that a subgraph inventing codes cannot fold the gateway's own 5xx codes into `other`).
    this.#codes = new LabelCap(config.max_label_values, new Set([...Object.keys(ERROR_CODES), CLIENT_ABORTED_LABEL]));
    // Operation × client combinations are capped too: each name is capped, but 100 × 100 of them
    // would be 10,000 histograms. Past the cap, a new combination counts as other × other.
    this.#maxSeries = config.max_label_values * SERIES_PER_LABEL_VALUE;
    // Counted on every request: the fast series (fast-series.ts), prom-client's format when scraped.
    this.#requests = new FastCounter(
      'tollgate_requests_total',
      'GraphQL requests by operation, client and outcome (ok, ok_with_errors, or the refusal code)',
      ['operation', 'client', 'code'],
      this.registry,
    );
    this.#duration = new FastHistogram(
      'tollgate_request_duration_seconds',
      'GraphQL request duration, from the first byte handled to the answer written',
      ['operation', 'client'],
      LATENCY_BUCKETS,
      this.registry,
    );
    this.#errors = new Counter({ name: 'tollgate_errors_total', help: 'Errors returned, by code (a refusal counts once; a result counts each of its errors)', labelNames: ['code'], registers });
    this.#rules = new LabelCap(config.max_label_values);
    this.#quota = new FastCounter(
      'tollgate_quota_decisions_total',
      'Quota decisions (stage 5): admitted, limited (by the refusing rule) or store_error, by client profile',
      ['decision', 'rule', 'profile'],
      this.registry,
    );
    this.#subgraphDuration = new FastHistogram(
      'tollgate_subgraph_fetch_duration_seconds',
      'Subgraph fetch duration, retries included, by subgraph',
      ['subgraph'],
      LATENCY_BUCKETS,
      this.registry,
    );
    this.#subgraphErrors = new Counter({
      name: 'tollgate_subgraph_errors_total',
      help: 'Subgraph fetches that failed (timeout, unavailable, breaker open, bad response), by subgraph and code',
      labelNames: ['subgraph', 'code'],
      registers,
    });
    const costBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];
    this.#estimatedCost = new FastHistogram('tollgate_cost_estimated', 'Estimated operation cost (stage 4), when costs are configured', [], costBuckets, this.registry);
    this.#actualCost = new FastHistogram('tollgate_cost_actual', 'Actual operation cost, priced from the response', [], costBuckets, this.registry);
    this.#redisDuration = new FastHistogram(
      'tollgate_redis_command_duration_seconds',
      'Quota store round trips to Redis (gcra: one admission; pipeline: a batch of refunds)',
      ['command'],
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      this.registry,
    );
    this.#redisErrors = new Counter({ name: 'tollgate_redis_command_errors_total', help: 'Redis round trips that failed', labelNames: ['command'], registers });
    new Counter({
      name: 'tollgate_jwks_fetches_total',
      help: 'JWKS fetches by source and result (ok, error)',
      labelNames: ['jwks', 'result'],
      registers,
      collect() {
        this.reset();
        for (const [jwks, stats] of Object.entries(sources.jwks())) {
          this.inc({ jwks, result: 'ok' }, stats.fetches - stats.failures);
          this.inc({ jwks, result: 'error' }, stats.failures);
        }
      },
    });
    new Counter({
      name: 'tollgate_apq_redis_commands_total',
      help: 'Round trips of the shared APQ store to Redis: get (hit, miss, error), set (ok, error)',
      labelNames: ['command', 'result'],
      registers,
      collect() {
        this.reset();
        const stats = sources.apqStore?.();
        if (stats === undefined) return;
        this.inc({ command: 'get', result: 'hit' }, stats.getHits);
        this.inc({ command: 'get', result: 'miss' }, stats.getMisses);
        this.inc({ command: 'get', result: 'error' }, stats.getErrors);
        this.inc({ command: 'set', result: 'ok' }, stats.sets);
        this.inc({ command: 'set', result: 'error' }, stats.setErrors);
      },
    });
    new Gauge({
      name: 'tollgate_quota_store_up',
      help: '1 while the shared (Redis) quota store answers, 0 while failed over; absent with the memory store',
      // A label, so that the series is absent (not 0) when there is no Redis store.
      labelNames: ['store'],
      registers,
      // Across workers (server.workers): 0 while any of them is failed over.
      aggregator: 'min',
      collect() {
        this.reset();
        const store = sources.quotaStore();
        if (store !== undefined) this.set({ store: 'redis' }, store.degraded ? 0 : 1);
      },
    });

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
    new Counter({
      name: 'tollgate_plan_cache_total',
      help: "Query plan cache lookups of Tollgate's executor",
      labelNames: ['result'],
      registers,
      collect() {
        const stats = sources.executor();
        this.reset();
        this.inc({ result: 'hit' }, carried.total('plans:hit', stats?.planCacheHits ?? 0));
        this.inc({ result: 'miss' }, carried.total('plans:miss', stats?.planCacheMisses ?? 0));
      },
    });
    new Counter({
      name: 'tollgate_edge_cache_lookups_total',
      help: 'Edge cache look-ups of subgraph answers (entities by type, root fetches as Query) by result: hit, miss, error (the store did not answer: fetched uncached)',
      labelNames: ['subgraph', 'type', 'result'],
      registers,
      collect() {
        this.reset();
        for (const { subgraph, type, result, count } of sources.edgeCache?.() ?? []) this.inc({ subgraph, type, result }, count);
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
      // Across workers (server.workers; each has its own breakers): 1 while any has it open.
      aggregator: 'max',
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
    this.#supergraphLoads = new Counter({
      name: 'tollgate_supergraph_loads_total',
      help: 'Supergraph loads: at start-up and each reload (ok), or a new supergraph refused or its source unreadable (error)',
      labelNames: ['result'],
      registers,
    });
    // Both series from the start (see redisCommand): the first refused reload is an increase.
    this.#supergraphLoads.labels('ok').inc(0);
    this.#supergraphLoads.labels('error').inc(0);
    new Gauge({
      name: 'tollgate_supergraph_info',
      help: 'The serving supergraph (its hash), value 1',
      labelNames: ['hash'],
      registers,
      // Across workers (server.workers): 1 per hash served by any of them (two while a reload reaches them).
      aggregator: 'max',
      collect() {
        this.reset();
        const hash = sources.supergraphHash();
        if (hash !== undefined) this.set({ hash }, 1);
      },
    });
    new Counter({
      name: 'tollgate_trace_spans_exported_total',
      help: 'Spans the OTLP collector accepted (telemetry.tracing)',
      registers,
      collect() {
        this.reset();
        this.inc(sources.tracing?.()?.exported ?? 0);
      },
    });
    new Counter({
      name: 'tollgate_trace_spans_dropped_total',
      help: 'Spans not exported, by reason: queue_full (batch.max_queue_size reached), export_failed (lost with a failed export)',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        const stats = sources.tracing?.();
        this.inc({ reason: 'queue_full' }, stats?.droppedQueueFull ?? 0);
        this.inc({ reason: 'export_failed' }, stats?.droppedExportFailed ?? 0);
      },
    });
    new Counter({
      name: 'tollgate_trace_export_failures_total',
      help: 'OTLP export requests that failed (refused, unreachable, bad answer, or past otlp.timeout_ms)',
      registers,
      collect() {
        this.reset();
        this.inc(sources.tracing?.()?.exportFailures ?? 0);
      },
    });
    new Gauge({
      name: 'tollgate_memory_heap_limit_bytes',
      help: "V8's heap size limit in effect (set from memory.max_mb or the cgroup limit by tollgate serve, else V8's default)",
      registers,
      collect() {
        const memory = sources.memory?.();
        if (memory) this.set(memory.heapLimitMb * MIB);
      },
    });
    // The budget is fixed at start (restart-only): without one the series is not registered at
    // all, since a label-less gauge would read 0 and `rss / budget` alerts would divide by it.
    const budgetMb = sources.memory?.().budgetMb;
    if (budgetMb !== undefined) {
      new Gauge({
        name: 'tollgate_memory_budget_bytes',
        help: 'The memory budget (memory.max_mb, else 90% of the cgroup limit); absent without one',
        registers,
        collect() {
          this.set(budgetMb * MIB);
        },
      });
    }
    const cacheGauge = (name: string, help: string, read: (usage: { size: number; bytes: number }) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['cache'],
        registers,
        collect() {
          this.reset();
          for (const [cache, usage] of Object.entries(sources.caches?.() ?? {})) if (usage) this.set({ cache }, read(usage));
        },
      });
    cacheGauge('tollgate_cache_entries', 'Entries held per cache (plans, documents, persisted_queries)', (usage) => usage.size);
    cacheGauge('tollgate_cache_bytes', "Estimated heap bytes held per cache, as its byte bound counts them (memory.<cache>.max_mb)", (usage) => usage.bytes);
    processMetrics();
  }

  /** One request done: counted by operation, client and outcome, with its errors, quota decision and cost. */
  requestDone(record: RequestRecord, seconds: number): void {
    let operation = !record.resolved ? UNKNOWN_LABEL : record.operationName === undefined ? ANONYMOUS_LABEL : this.#operations.value(record.operationName);
    const clientName = record.clientName ?? record.clientId;
    let client = clientName === undefined || clientName === '' ? UNKNOWN_LABEL : this.#clients.value(clientName);
    const outcome = record.outcome === 'ok' || record.outcome === 'ok_with_errors' ? record.outcome : this.#codes.value(record.outcome);
    let series = `${operation}\u0000${client}`;
    if (!this.#duration.has(series) && this.#duration.size >= this.#maxSeries) {
      operation = OTHER_LABEL;
      client = OTHER_LABEL;
      series = `${OTHER_LABEL}\u0000${OTHER_LABEL}`;
    }
    this.#requests.inc(`${series}\u0000${outcome}`, [operation, client, outcome]);
    this.#duration.observe(series, [operation, client], seconds);
    for (const [code, count] of record.errorCodes) this.#errors.labels(this.#codes.value(code)).inc(count);
    if (record.quota) {
      const rule = record.quota.decision === 'limited' && record.quota.policy !== undefined ? this.#rules.value(record.quota.policy) : 'none';
      const profile = record.profile ?? UNKNOWN_LABEL;
      this.#quota.inc(`${record.quota.decision}\u0000${rule}\u0000${profile}`, [record.quota.decision, rule, profile]);
    }
    if (record.estimatedCost !== undefined) this.#estimatedCost.observe('', NO_LABELS, record.estimatedCost);
    if (record.actualCost !== undefined) this.#actualCost.observe('', NO_LABELS, record.actualCost);
  }

  /** One subgraph fetch done (RequestRecord.fetchStarted), failed when `errorCode` is set. */
  subgraphFetch(subgraph: string, seconds: number, errorCode: string | undefined): void {
    this.#subgraphDuration.observe(subgraph, [subgraph], seconds);
    if (errorCode !== undefined) this.#subgraphErrors.labels(subgraph, this.#codes.value(errorCode)).inc();
  }

  /** A supergraph loaded (start-up, reload), or refused / unreadable (the last good one serves on). */
  supergraphLoad(result: 'ok' | 'error'): void {
    this.#supergraphLoads.labels(result).inc();
  }

  /** One Redis round trip of the quota store. */
  redisCommand(command: string, seconds: number, failed: boolean): void {
    this.#redisDuration.observe(command, [command], seconds);
    // The error series exists (at 0) from the first round trip: increase() cannot see the first
    // error of a series that starts at 1, and alerts on it would miss it.
    if (failed) this.#redisErrors.labels(command).inc();
    else if (!this.#redisCommandsSeen.has(command)) {
      this.#redisCommandsSeen.add(command);
      this.#redisErrors.labels(command).inc(0);
    }
  }

  /** This gateway's metrics and the process's as data, for a primary to aggregate (server.workers). */
  async snapshot(): Promise<MetricsSnapshot> {
    const [own, process] = await Promise.all([this.registry.getMetricsAsJSON(), processMetrics().getMetricsAsJSON()]);
    return [...own, ...process];
  }

  /** The text exposition format: this gateway's metrics, then the process's. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    const [own, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return { contentType: this.registry.contentType, text: `${own}\n${process}` };
  }
}
