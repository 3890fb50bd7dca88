import { ApolloGateway } from '@apollo/gateway';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.ts';
import { trafficFor } from './config.ts';
import { SubgraphDataSource, SubgraphPools } from './subgraph-data-source.ts';

export interface FederationGateway {
  gateway: ApolloGateway;
  /** Closes the subgraph connection pools. */
  close(): Promise<void>;
}

/** An @apollo/gateway over a fixed supergraph SDL, fetching through Tollgate's pooled data source. */
export function createFederationGateway(supergraphSdl: string, config: GatewayConfig, logger: Logger): FederationGateway {
  const pools = new SubgraphPools();
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: logger.child({ component: 'apollo-gateway' }),
    buildService: ({ name, url }) => {
      const target = config.override_subgraph_url[name] ?? url;
      if (!target) throw new Error(`subgraph "${name}" has no routing URL; set override_subgraph_url.${name}`);
      const traffic = trafficFor(config.traffic_shaping, name);
      return new SubgraphDataSource(name, target, pools.get(target, traffic), traffic);
    },
  });
  return { gateway, close: () => pools.close() };
}
