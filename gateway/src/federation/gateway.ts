import { ApolloGateway, type ServiceEndpointDefinition } from '@apollo/gateway';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import type { DocumentNode } from 'graphql';
import type { Logger } from 'pino';
import { trafficFor, type ExecutorMode, type TrafficShapingConfig } from './config.ts';
import { checkFetchBudget } from './executor/fetch-budget.ts';
import type { OperationAuthorizer } from '../core/authorization-hook.ts';
import { authorizingGateway } from './executor/authorizing-gateway.ts';
import { ExecutorStats } from './executor/executor-stats.ts';
import { TollgateGateway } from './executor/tollgate-gateway.ts';
import { requireResolvedOperation } from './executor/wrap-executor.ts';
import { SubgraphDataSource, SubgraphPools } from './subgraph-data-source.ts';

export type { AuthorizedOperation, OperationAuthorizer } from '../core/authorization-hook.ts';

export interface FederationGateway {
  /** What Apollo Server runs: Tollgate's executor or @apollo/gateway's, per `executor`. */
  gateway: GatewayInterface;
  /** Closes the subgraph connection pools. */
  close(): Promise<void>;
  /** Operations run by Tollgate's executor and by its @apollo/gateway fallback; undefined for `executor: apollo`. */
  executorStats: ExecutorStats | undefined;
}

/** The supergraph SDL, or the SDL with its parsed document (Tollgate's executor builds from the document). */
export type SupergraphInput = string | { sdl: string; document: DocumentNode };

/** The slice of gateway.yaml the federation gateway reads. */
export interface FederationConfig {
  executor: ExecutorMode;
  traffic_shaping: TrafficShapingConfig;
  override_subgraph_url: Record<string, string>;
  /** `limits` is http's slice of gateway.yaml; federation reads only its fetch budget. */
  limits: { max_subgraph_fetches: number };
}

export interface FederationGatewayOptions {
  /** Field-level authorization: may swap the document before it is planned (both executors). */
  authorize?: OperationAuthorizer;
}

/** A federation gateway over a fixed supergraph, fetching through Tollgate's pooled data source. */
export function createFederationGateway(
  input: SupergraphInput,
  config: FederationConfig,
  logger: Logger,
  options: FederationGatewayOptions = {},
): FederationGateway {
  const pools = new SubgraphPools();
  const subgraphLogger = logger.child({ component: 'subgraph' });
  const maxFetches = config.limits.max_subgraph_fetches;
  const buildService = ({ name, url }: ServiceEndpointDefinition) => {
    const target = config.override_subgraph_url[name] ?? url;
    if (!target) throw new Error(`subgraph "${name}" has no routing URL; set override_subgraph_url.${name}`);
    const traffic = trafficFor(config.traffic_shaping, name);
    return new SubgraphDataSource(name, target, pools.get(target, traffic), traffic, subgraphLogger);
  };
  const close = () => pools.close();
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
    });
    return { gateway: requireResolvedOperation(gateway), close, executorStats };
  }
  // ApolloGateway parses the SDL string itself.
  // The fetch budget is checked on the plan between planning and executing, as Tollgate's executor does.
  const apollo = new ApolloGateway({
    supergraphSdl: supergraph.sdl,
    logger: logger.child({ component: 'apollo-gateway' }),
    buildService,
    experimental_didResolveQueryPlan: ({ queryPlan }) => checkFetchBudget(queryPlan, maxFetches),
  });
  const gateway: GatewayInterface = apollo;
  return { gateway: requireResolvedOperation(options.authorize ? authorizingGateway(gateway, options.authorize) : gateway), close, executorStats: undefined };
}
