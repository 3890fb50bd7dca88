import { GraphQLError } from 'graphql';
import { pageSize, usd, type Money, type Resolvers } from '../shared/subgraph.ts';
import type { ItemMsg, OrderMsg } from '../backends/protos/index.ts';
import type { OrdersLoaders } from './loaders.ts';

/** A Product representation as the gateway sends it once @requires is satisfied. */
interface ProductRef {
  upc: string;
  price?: Pick<Money, 'amount'>;
  weight?: number;
}

/** Free from 50.00 USD; otherwise 5.00 plus 1.00 per started 500 g. */
export function shippingEstimate(priceCents: number, weightGrams: number): number {
  if (priceCents >= 5000) return 0;
  return 500 + 100 * Math.ceil(weightGrams / 500);
}

export const ordersResolvers: Resolvers<OrdersLoaders> = {
  User: {
    // Nothing to fetch: recentOrders only needs the id.
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    recentOrders: (user: { id: string }, args: { first: number }, ctx) => ctx.loaders.recentOrders(pageSize(args.first)).load(user.id),
  },
  Order: {
    __resolveReference: (ref: { id: string }, ctx) => ctx.loaders.order.load(ref.id),
    // ORDER_STATUS_SHIPPED → SHIPPED; UNSPECIFIED is not a GraphQL value and surfaces as a field error.
    status: (order: OrderMsg) => order.status.replace(/^ORDER_STATUS_/, ''),
    total: (order: OrderMsg) => usd(order.items.reduce((sum, i) => sum + i.unitPriceCents * i.quantity, 0)),
  },
  OrderItem: {
    product: (item: ItemMsg) => ({ upc: item.upc }),
    unitPrice: (item: ItemMsg) => usd(item.unitPriceCents),
  },
  Product: {
    __resolveReference: (ref: ProductRef) => ref,
    shippingEstimate: (product: ProductRef) => {
      if (product.price === undefined || product.weight === undefined) {
        throw new GraphQLError('shippingEstimate needs the product price and weight (@requires)');
      }
      return shippingEstimate(product.price.amount, product.weight);
    },
  },
};
