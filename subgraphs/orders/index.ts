// The orders subgraph: a user's orders, backed by order-service (gRPC).
import { buildSchema, type SubgraphModule } from '../shared/subgraph.ts';
import { createGrpcClient } from '../shared/grpc-client.ts';
import { createOrdersLoaders, type OrdersLoaders } from './loaders.ts';
import { ordersResolvers } from './resolvers.ts';

export function createOrdersSubgraph(backends: { orderServiceAddress: string }): SubgraphModule<OrdersLoaders> {
  // One channel for the subgraph's lifetime; requests multiplex over it.
  const client = createGrpcClient('orders', backends.orderServiceAddress);
  return {
    schema: buildSchema('orders', ordersResolvers),
    createContext: (req) => ({ headers: req.headers, loaders: createOrdersLoaders(client) }),
    close: () => client.close(),
  };
}
