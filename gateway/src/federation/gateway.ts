import { ApolloGateway, type ServiceEndpointDefinition } from '@apollo/gateway';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import type { DocumentNode } from 'graphql';
import type { Logger } from 'pino';
import { trafficFor, type ExecutorMode, type TrafficShapingConfig } from './config.ts';
import { checkFetchBudget } from './executor/fetch-budget.ts';
import { summarizePlan } from './executor/plan-summary.ts';
import type { RequestContext } from '../core/request-context.ts';
import type { OperationAuthorizer } from '../core/authorization-hook.ts';
import type { FetchCacheHook } from '../core/fetch-cache.ts';
import { authorizingGateway } from './executor/authorizing-gateway.ts';
import { ExecutorStats } from './executor/executor-stats.ts';
import { TollgateGateway } from './executor/tollgate-gateway.ts';
import type { SubgraphDataSource, SubgraphHealth } from './subgraph-data-source.ts';
import { SubgraphSources } from './subgraph-sources.ts';

export { SubgraphSources } from './subgraph-sources.ts';

export type { SubgraphHealth, SubgraphStats, InstanceHealth } from './subgraph-data-source.ts';

export type { AuthorizedOperation, OperationAuthorizer } from '../core/authorization-hook.ts';

export interface FederationGateway {
  /** What Apollo Server runs: Tollgate's executor or @apollo/gateway's, per `executor`. */
  gateway: GatewayInterface;
  /** Closes the subgraph connection pools (unless they are shared: `options.sources`). */
  close(): Promise<void>;
  /** Operations run by Tollgate's executor and by its @apollo/gateway fallback; undefined for `executor: apollo`. */
  executorStats: ExecutorStats | undefined;
  /**
   * Per subgraph: its circuit breaker's state, each instance (by position in its URL list: ejected
   * or not, requests in flight) and the fetch counters (attempts, retries, budget refusals, fast
   * failures, deduplicated fetches). Subgraphs appear once the supergraph is loaded.
   */
  subgraphHealth(): Record<string, SubgraphHealth>;
  /**
   * Plans an operation into the plan cache ahead of its first request (TollgateGateway.planAhead);
   * undefined for `executor: apollo`, whose plan cache is its own.
   */
  planAhead?: ((document: DocumentNode, queryHash: string, operationName: string | undefined) => boolean) | undefined;
}

/** The supergraph SDL, or the SDL with its parsed document (Tollgate's executor builds from the document). */
export type SupergraphInput = string | { sdl: string; document: DocumentNode };

/** The slice of gateway.yaml the federation gateway reads. */
export interface FederationConfig {
  executor: ExecutorMode;
  traffic_shaping: TrafficShapingConfig;
  /** One URL, or several instances of the subgraph. */
  override_subgraph_url: Record<string, string | readonly string[]>;
  /** `limits` is http's slice of gateway.yaml; federation reads only its fetch budget. */
  limits: { max_subgraph_fetches: number };
  /** `telemetry` is its own slice; federation reads only the request-id header's name (kept out of deduplication keys). */
  telemetry?: { request_id_header?: string | undefined } | undefined;
}

export interface FederationGatewayOptions {
  /** Field-level authorization: may swap the document before it is planned (both executors). */
  authorize?: OperationAuthorizer;
  /**
   * Data sources shared with the gateway's earlier and later loads (breakers and ejections survive
   * a reload); the caller closes them. Without it the gateway has its own, closed by close().
   */
  sources?: SubgraphSources;
  /** The edge cache (`cache`), Tollgate's executor only; default none. */
  cache?: FetchCacheHook | undefined;
  /** Bounds of Tollgate's plan cache (`memory.plan_cache`); default 1000 entries, no byte bound. */
  planCache?: { maxEntries: number; maxBytes: number };
}

/** A federation gateway over a fixed supergraph, fetching through Tollgate's pooled data source. */
export function createFederationGateway(
  input: SupergraphInput,
  config: FederationConfig,
  logger: Logger,
  options: FederationGatewayOptions = {},
): FederationGateway {
  const maxFetches = config.limits.max_subgraph_fetches;
  const shared = options.sources;
  const registry = shared ?? new SubgraphSources(logger.child({ component: 'subgraph' }), config.telemetry?.request_id_header);
  const sources = new Map<string, SubgraphDataSource>();
  // Called per schema load by either executor: one data source (breaker, instances) per subgraph.
  const buildService = ({ name, url }: ServiceEndpointDefinition) => {
    const override = config.override_subgraph_url[name];
    const targets = override === undefined ? (url ? [url] : []) : typeof override === 'string' ? [override] : [...override];
    if (targets.length === 0) throw new Error(`subgraph "${name}" has no routing URL; set override_subgraph_url.${name}`);
    const source = registry.get(name, targets, trafficFor(config.traffic_shaping, name));
    sources.set(name, source);
    return source;
  };
  // Shared sources outlive this load: their owner closes them.
  const close = () => (shared ? Promise.resolve() : registry.close());
  const subgraphHealth = () => {
    const health: Record<string, SubgraphHealth> = {};
    for (const [name, source] of sources) health[name] = source.health();
    return health;
  };
  const supergraph = typeof input === 'string' ? { sdl: input } : input;
  if (config.executor === 'tollgate') {
    const executorStats = new ExecutorStats();
    const gateway = new TollgateGateway({
      supergraph,
      stats: executorStats,
      buildService,
      logger: logger.child({ component: 'tollgate-executor' }),
      authorize: options.authorize,
      maxSubgraphFetches: maxFetches,
      planCacheSize: options.planCache?.maxEntries,
      planCacheBytes: options.planCache?.maxBytes,
      cache: options.cache,
    });
    return { gateway, close, executorStats, subgraphHealth, planAhead: (document, queryHash, operationName) => gateway.planAhead(document, queryHash, operationName) };
  }
  // ApolloGateway parses the SDL string itself.
  // The fetch budget is checked on the plan between planning and executing, as Tollgate's executor does.
  const apollo = new ApolloGateway({
    supergraphSdl: supergraph.sdl,
    logger: logger.child({ component: 'apollo-gateway' }),
    buildService,
    experimental_didResolveQueryPlan: ({ queryPlan, requestContext }) => {
      checkFetchBudget(queryPlan, maxFetches);
      (requestContext.context as Partial<RequestContext>).exposeQueryPlan?.(summarizePlan(queryPlan));
    },
  });
  const gateway: GatewayInterface = apollo;
  // Operations reach the executor resolved: stage 4 refuses an unknown or ambiguous operationName.
  return { gateway: options.authorize ? authorizingGateway(gateway, options.authorize) : gateway, close, executorStats: undefined, subgraphHealth };
}
