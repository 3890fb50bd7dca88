import { z } from 'zod';
import { configBoolean, configNumber } from '../core/config-values.ts';

const subgraphTrafficSchema = z.strictObject({
  /** Whole-request deadline for one subgraph fetch; default 30000 ms. Over it: SUBGRAPH_TIMEOUT. */
  timeout_ms: configNumber(z.number().int().positive()).optional(),
  /** Most keep-alive connections per subgraph origin; default 128. */
  max_connections: configNumber(z.number().int().positive()).optional(),
  /**
   * Largest subgraph response body in bytes, counted while it streams in; default 10 MB. Over it
   * the fetch is cut off (connection closed) and answers SUBGRAPH_RESPONSE_TOO_LARGE.
   */
  max_response_bytes: configNumber(z.number().int().positive()).optional(),
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
});

/** `traffic_shaping`: per-subgraph fetch settings, `all` overridden by `subgraphs.<name>`, as router.yaml. */
export const trafficShapingConfigSchema = z.strictObject({
  all: subgraphTrafficSchema.prefault({}),
  subgraphs: z.record(z.string(), subgraphTrafficSchema).default({}),
});

/** `override_subgraph_url`: replaces a subgraph's routing URL from the supergraph, as router.yaml. */
export const overrideSubgraphUrlSchema = z.record(z.string(), z.url({ protocol: /^https?$/ })).default({});

export type TrafficShapingConfig = z.infer<typeof trafficShapingConfigSchema>;

export interface SubgraphTraffic {
  timeoutMs: number;
  maxConnections: number;
  maxResponseBytes: number;
  /** Subgraph error messages reach the client (else a generic one). */
  includeErrors: boolean;
  /** Extension keys of subgraph errors that reach the client besides `code`. */
  allowExtensionsKeys: readonly string[];
}

export const DEFAULT_SUBGRAPH_TIMEOUT_MS = 30_000;
export const DEFAULT_SUBGRAPH_MAX_CONNECTIONS = 128;
/**
 * 10 MB: a thousand products with every field is well under 1 MB of JSON; parsing a subgraph
 * answer costs several times its size in memory, so this bounds one fetch to tens of MB.
 */
export const DEFAULT_SUBGRAPH_MAX_RESPONSE_BYTES = 10_000_000;

export function trafficFor(config: TrafficShapingConfig, subgraph: string): SubgraphTraffic {
  const own = config.subgraphs[subgraph] ?? {};
  return {
    timeoutMs: own.timeout_ms ?? config.all.timeout_ms ?? DEFAULT_SUBGRAPH_TIMEOUT_MS,
    maxConnections: own.max_connections ?? config.all.max_connections ?? DEFAULT_SUBGRAPH_MAX_CONNECTIONS,
    maxResponseBytes: own.max_response_bytes ?? config.all.max_response_bytes ?? DEFAULT_SUBGRAPH_MAX_RESPONSE_BYTES,
    includeErrors: own.include_subgraph_errors ?? config.all.include_subgraph_errors ?? false,
    allowExtensionsKeys: own.allow_extensions_keys ?? config.all.allow_extensions_keys ?? [],
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
