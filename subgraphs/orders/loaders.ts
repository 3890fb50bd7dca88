// orders → order-service (gRPC). One ListOrdersByUsers per page size and one GetOrders per
// request tick, however many users or orders are asked.
import DataLoader from 'dataloader';
import type { GrpcClient } from '../shared/grpc-client.ts';
import { alignByKey, loaderPerArg } from '../shared/loaders.ts';
import type { OrderMsg, OrderServiceRpcs } from '../backends/protos/index.ts';

export interface OrdersLoaders {
  order: DataLoader<string, OrderMsg | null>;
  /** Recent orders by user id, for one `first` value. */
  recentOrders(first: number): DataLoader<string, OrderMsg[]>;
}

export function createOrdersLoaders(client: GrpcClient<OrderServiceRpcs>): OrdersLoaders {
  return {
    order: new DataLoader(async (ids) => {
      const { orders } = await client.call('GetOrders', { ids: [...ids] });
      return alignByKey(ids, orders, (o) => o.id);
    }),
    recentOrders: loaderPerArg(
      (limit: number) =>
        new DataLoader<string, OrderMsg[]>(async (userIds) => {
          const { users } = await client.call('ListOrdersByUsers', { userIds: [...userIds], limit });
          return alignByKey(userIds, users, (u) => u.userId).map((u) => u?.orders ?? []);
        }),
    ),
  };
}
