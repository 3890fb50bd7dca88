import { z } from 'zod';
import { configNumber } from '../core/config-values.ts';

const subgraphTrafficSchema = z.strictObject({
  /** Whole-request deadline for one subgraph fetch; default 30000 ms. Over it: SUBGRAPH_TIMEOUT. */
  timeout_ms: configNumber(z.number().int().positive()).optional(),
  /** Most keep-alive connections per subgraph origin; default 128. */
  max_connections: configNumber(z.number().int().positive()).optional(),
});

/** `traffic_shaping`: per-subgraph fetch settings, `all` overridden by `subgraphs.<name>`, as router.yaml. */
export const trafficShapingConfigSchema = z.strictObject({
  all: subgraphTrafficSchema.prefault({}),
  subgraphs: z.record(z.string(), subgraphTrafficSchema).default({}),
});

/** `override_subgraph_url`: replaces a subgraph's routing URL from the supergraph, as router.yaml. */
export const overrideSubgraphUrlSchema = z.record(z.string(), z.url({ protocol: /^https?$/ })).default({});

export type TrafficShapingConfig = z.infer<typeof trafficShapingConfigSchema>;

export interface SubgraphTraffic { timeoutMs: number; maxConnections: number }

export const DEFAULT_SUBGRAPH_TIMEOUT_MS = 30_000;
export const DEFAULT_SUBGRAPH_MAX_CONNECTIONS = 128;

export function trafficFor(config: TrafficShapingConfig, subgraph: string): SubgraphTraffic {
  const own = config.subgraphs[subgraph] ?? {};
  return {
    timeoutMs: own.timeout_ms ?? config.all.timeout_ms ?? DEFAULT_SUBGRAPH_TIMEOUT_MS,
    maxConnections: own.max_connections ?? config.all.max_connections ?? DEFAULT_SUBGRAPH_MAX_CONNECTIONS,
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
