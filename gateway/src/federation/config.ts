import { z } from 'zod';
import { configBoolean, configNumber } from '../core/config-values.ts';

const positiveInt = () => configNumber(z.number().int().positive()).optional();
const nonNegativeInt = () => configNumber(z.number().int().nonnegative()).optional();

/**
 * `retry`: retries of query fetches (never mutations or subscriptions), only on connection errors
 * and 502/503/504/429, with jittered exponential backoff, within the fetch's `timeout_ms` (which
 * covers every attempt), and within a retry budget: router.yaml's `experimental_retry` names
 * (`min_per_sec`, `retry_percent`, its `ttl` in ms), Finagle's RetryBudget behind them.
 */
const retrySchema = z.strictObject({
  /** Default true. */
  enabled: configBoolean().optional(),
  /** Attempts per fetch, the first included; default 3 (two retries). */
  max_attempts: configNumber(z.number().int().min(1).max(10)).optional(),
  /** Retries allowed whatever the traffic, per second of the budget's window; default 3. */
  min_per_sec: configNumber(z.number().nonnegative()).optional(),
  /** Share of fetches over the window that may be retried; default 0.2. */
  retry_percent: configNumber(z.number().min(0).max(1)).optional(),
  /** The budget's rolling window; default 10000 ms. */
  ttl_ms: positiveInt(),
  /** First backoff (doubled per retry, full jitter); default 25 ms. */
  backoff_base_ms: nonNegativeInt(),
  /** Longest backoff; default 1000 ms. */
  backoff_max_ms: nonNegativeInt(),
  /** A 429's `Retry-After` is waited for up to this long, else the 429 is not retried; default 2000 ms. */
  max_retry_after_ms: nonNegativeInt(),
});

/** `circuit_breaker`: per subgraph, over every upstream attempt (all instances). */
const circuitBreakerSchema = z.strictObject({
  /** Default true. */
  enabled: configBoolean().optional(),
  /** Opens when at least this share of the window's attempts failed; default 0.5. */
  failure_ratio: configNumber(z.number().gt(0).max(1)).optional(),
  /** ...and the window holds at least this many attempts; default 20. */
  minimum_requests: positiveInt(),
  /** Rolling window; default 10000 ms. */
  window_ms: positiveInt(),
  /** Open this long (no call made) before probing; default 5000 ms. */
  cooldown_ms: positiveInt(),
  /** Probes let through at once when half-open; this many successes close it; default 3. */
  half_open_probes: positiveInt(),
});

/** `outlier_detection`: passive health checking of a subgraph's instances, as Envoy's. */
const outlierDetectionSchema = z.strictObject({
  /** Failures in a row (connection error, timeout, 5xx) that eject an instance; default 5. */
  consecutive_failures: positiveInt(),
  /** First ejection; doubled each time it is ejected again before a success; default 10000 ms. */
  base_ejection_ms: positiveInt(),
  /** Longest ejection; default 60000 ms. */
  max_ejection_ms: positiveInt(),
});

/** `health_check`: an active `{ __typename }` query to ejected instances; off unless `interval_ms` is set. */
const healthCheckSchema = z.strictObject({
  interval_ms: positiveInt(),
  /** Default 1000 ms. */
  timeout_ms: positiveInt(),
});

const subgraphTrafficSchema = z.strictObject({
  /** Whole-fetch deadline, every retry included; default 30000 ms. Over it: SUBGRAPH_TIMEOUT. */
  timeout_ms: positiveInt(),
  /** Most keep-alive connections per subgraph origin; default 128. */
  max_connections: positiveInt(),
  /**
   * Largest subgraph response body in bytes, counted while it streams in, after decompression;
   * default 10 MB. Over it the fetch is cut off (connection closed) and answers
   * SUBGRAPH_RESPONSE_TOO_LARGE.
   */
  max_response_bytes: positiveInt(),
  /**
   * Pass the subgraph's error messages to clients (router.yaml's include_subgraph_errors, per
   * subgraph here); default false: a generic message, the subgraph's message goes to the log.
   */
  include_subgraph_errors: configBoolean().optional(),
  /**
   * Extension keys of subgraph errors that may reach clients besides `code` (always kept when it is
   * a plain identifier); default none. `http` never passes: subgraphs do not set the client's status.
   */
  allow_extensions_keys: z.array(z.string().min(1)).optional(),
  /**
   * One upstream request for identical query fetches in flight at once (same body, same identity
   * headers), as router.yaml's; default false. Never for mutations, never across identities.
   */
  deduplicate_query: configBoolean().optional(),
  /** Ask for gzip/br responses (`accept-encoding: gzip, br`), decoded while streaming; default true. */
  compression: configBoolean().optional(),
  /**
   * Tollgate's executor sends entity fetches to this subgraph that run at the same time as one
   * request, one aliased `_entities` field each; default true. False for a subgraph that cannot
   * take several `_entities` fields in one operation.
   */
  batch_entity_fetches: configBoolean().optional(),
  retry: retrySchema.optional(),
  circuit_breaker: circuitBreakerSchema.optional(),
  outlier_detection: outlierDetectionSchema.optional(),
  health_check: healthCheckSchema.optional(),
});

/** `traffic_shaping`: per-subgraph fetch settings, `all` overridden by `subgraphs.<name>`, as router.yaml. */
export const trafficShapingConfigSchema = z.strictObject({
  all: subgraphTrafficSchema.prefault({}),
  subgraphs: z.record(z.string(), subgraphTrafficSchema).default({}),
});

const subgraphUrl = z.url({ protocol: /^https?$/ });

/**
 * `override_subgraph_url`: replaces a subgraph's routing URL from the supergraph, as router.yaml;
 * a list is several instances of the subgraph, spread least-in-flight.
 */
export const overrideSubgraphUrlSchema = z.record(z.string(), z.union([subgraphUrl, z.array(subgraphUrl).min(1)])).default({});

export type TrafficShapingConfig = z.infer<typeof trafficShapingConfigSchema>;

export interface RetrySettings {
  maxAttempts: number;
  minPerSec: number;
  retryPercent: number;
  ttlMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxRetryAfterMs: number;
}

export interface BreakerSettings {
  failureRatio: number;
  minimumRequests: number;
  windowMs: number;
  cooldownMs: number;
  halfOpenProbes: number;
}

export interface OutlierSettings {
  consecutiveFailures: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
}

export interface HealthCheckSettings {
  intervalMs: number;
  timeoutMs: number;
}

export interface SubgraphTraffic {
  timeoutMs: number;
  maxConnections: number;
  maxResponseBytes: number;
  /** Subgraph error messages reach the client (else a generic one). */
  includeErrors: boolean;
  /** Extension keys of subgraph errors that reach the client besides `code`. */
  allowExtensionsKeys: readonly string[];
  deduplicateQuery: boolean;
  compression: boolean;
  /** Entity fetches running together share one request (Tollgate's executor). */
  batchEntityFetches: boolean;
  /** Undefined: retries off. */
  retry: RetrySettings | undefined;
  /** Undefined: no circuit breaker. */
  breaker: BreakerSettings | undefined;
  outlier: OutlierSettings;
  /** Undefined: no active health check. */
  healthCheck: HealthCheckSettings | undefined;
}

export const DEFAULT_SUBGRAPH_TIMEOUT_MS = 30_000;
export const DEFAULT_SUBGRAPH_MAX_CONNECTIONS = 128;
/**
 * 10 MB: a thousand products with every field is well under 1 MB of JSON; parsing a subgraph
 * answer costs several times its size in memory, so this bounds one fetch to tens of MB.
 */
export const DEFAULT_SUBGRAPH_MAX_RESPONSE_BYTES = 10_000_000;

export const DEFAULT_RETRY: RetrySettings = {
  maxAttempts: 3,
  minPerSec: 3,
  retryPercent: 0.2,
  ttlMs: 10_000,
  backoffBaseMs: 25,
  backoffMaxMs: 1_000,
  maxRetryAfterMs: 2_000,
};

export const DEFAULT_BREAKER: BreakerSettings = {
  failureRatio: 0.5,
  minimumRequests: 20,
  windowMs: 10_000,
  cooldownMs: 5_000,
  halfOpenProbes: 3,
};

export const DEFAULT_OUTLIER: OutlierSettings = { consecutiveFailures: 5, baseEjectionMs: 10_000, maxEjectionMs: 60_000 };

const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 1_000;

type SubgraphTrafficInput = z.infer<typeof subgraphTrafficSchema>;

/** `subgraphs.<name>` over `all` over the defaults, key by key (nested blocks too). */
export function trafficFor(config: TrafficShapingConfig, subgraph: string): SubgraphTraffic {
  const own: SubgraphTrafficInput = config.subgraphs[subgraph] ?? {};
  const all = config.all;
  const retry = { ...all.retry, ...own.retry };
  const breaker = { ...all.circuit_breaker, ...own.circuit_breaker };
  const outlier = { ...all.outlier_detection, ...own.outlier_detection };
  const health = { ...all.health_check, ...own.health_check };
  return {
    timeoutMs: own.timeout_ms ?? all.timeout_ms ?? DEFAULT_SUBGRAPH_TIMEOUT_MS,
    maxConnections: own.max_connections ?? all.max_connections ?? DEFAULT_SUBGRAPH_MAX_CONNECTIONS,
    maxResponseBytes: own.max_response_bytes ?? all.max_response_bytes ?? DEFAULT_SUBGRAPH_MAX_RESPONSE_BYTES,
    includeErrors: own.include_subgraph_errors ?? all.include_subgraph_errors ?? false,
    allowExtensionsKeys: own.allow_extensions_keys ?? all.allow_extensions_keys ?? [],
    // On by default, as in Hive Gateway and Hive Router: the key holds the identity headers, so
    // only what one caller could have received anyway is shared (README "Deduplication").
    deduplicateQuery: own.deduplicate_query ?? all.deduplicate_query ?? true,
    compression: own.compression ?? all.compression ?? true,
    batchEntityFetches: own.batch_entity_fetches ?? all.batch_entity_fetches ?? true,
    retry:
      retry.enabled === false
        ? undefined
        : {
            maxAttempts: retry.max_attempts ?? DEFAULT_RETRY.maxAttempts,
            minPerSec: retry.min_per_sec ?? DEFAULT_RETRY.minPerSec,
            retryPercent: retry.retry_percent ?? DEFAULT_RETRY.retryPercent,
            ttlMs: retry.ttl_ms ?? DEFAULT_RETRY.ttlMs,
            backoffBaseMs: retry.backoff_base_ms ?? DEFAULT_RETRY.backoffBaseMs,
            backoffMaxMs: retry.backoff_max_ms ?? DEFAULT_RETRY.backoffMaxMs,
            maxRetryAfterMs: retry.max_retry_after_ms ?? DEFAULT_RETRY.maxRetryAfterMs,
          },
    breaker:
      breaker.enabled === false
        ? undefined
        : {
            failureRatio: breaker.failure_ratio ?? DEFAULT_BREAKER.failureRatio,
            minimumRequests: breaker.minimum_requests ?? DEFAULT_BREAKER.minimumRequests,
            windowMs: breaker.window_ms ?? DEFAULT_BREAKER.windowMs,
            cooldownMs: breaker.cooldown_ms ?? DEFAULT_BREAKER.cooldownMs,
            halfOpenProbes: breaker.half_open_probes ?? DEFAULT_BREAKER.halfOpenProbes,
          },
    outlier: {
      consecutiveFailures: outlier.consecutive_failures ?? DEFAULT_OUTLIER.consecutiveFailures,
      baseEjectionMs: outlier.base_ejection_ms ?? DEFAULT_OUTLIER.baseEjectionMs,
      maxEjectionMs: outlier.max_ejection_ms ?? DEFAULT_OUTLIER.maxEjectionMs,
    },
    healthCheck:
      health.interval_ms === undefined
        ? undefined
        : { intervalMs: health.interval_ms, timeoutMs: health.timeout_ms ?? DEFAULT_HEALTH_CHECK_TIMEOUT_MS },
  };
}

/**
 * `executor`: what runs the query plans. `tollgate` (default) is Tollgate's own executor, which
 * caches everything derivable per operation and falls back to Apollo's for plan shapes it does not
 * run (subscriptions; also @defer and @fromContext plans, which today's planner settings and
 * supergraph loading never produce), counted in FederationGateway.executorStats; `apollo` is
 * @apollo/gateway's stock executor.
 */
export const executorConfigSchema = z.enum(['tollgate', 'apollo']).default('tollgate');

export type ExecutorMode = z.infer<typeof executorConfigSchema>;
