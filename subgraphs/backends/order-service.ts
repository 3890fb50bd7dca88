// order-service: the gRPC backend behind the orders subgraph (see protos/orders.proto).
import { orders, type OrderRow } from './data.ts';
import type { OrderMsg, OrderServiceRpcs } from './protos/index.ts';
import type { RpcHandlers } from './grpc-server.ts';

const toMsg = (o: OrderRow): OrderMsg => ({
  id: o.id,
  userId: o.userId,
  status: `ORDER_STATUS_${o.status}`,
  createdAt: o.createdAt,
  items: o.items.map((i) => ({ ...i })),
});

const newestFirst = (a: OrderRow, b: OrderRow): number => b.createdAt.localeCompare(a.createdAt);

export const orderServiceHandlers: RpcHandlers<OrderServiceRpcs> = {
  ListOrdersByUsers: {
    keys: (req) => req.userIds,
    handle: (req) => ({
      users: req.userIds.map((userId) => ({
        userId,
        orders: orders.filter((o) => o.userId === userId).sort(newestFirst).slice(0, Math.max(0, req.limit)).map(toMsg),
      })),
    }),
  },
  GetOrders: {
    keys: (req) => req.ids,
    handle: (req) => {
      const wanted = new Set(req.ids);
      return { orders: orders.filter((o) => wanted.has(o.id)).map(toMsg) };
    },
  },
};
