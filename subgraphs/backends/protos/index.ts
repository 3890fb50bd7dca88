// The gRPC contracts shared by the demo backends (servers) and the subgraphs (clients): where the
// .proto files live, how they are loaded, and the TypeScript shape of each message as
// @grpc/proto-loader hands it over (camelCase fields, enums as strings, defaults filled in).
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

// ---- orders.proto ----
export type OrderStatusMsg =
  | 'ORDER_STATUS_UNSPECIFIED'
  | 'ORDER_STATUS_PLACED'
  | 'ORDER_STATUS_SHIPPED'
  | 'ORDER_STATUS_DELIVERED'
  | 'ORDER_STATUS_CANCELLED';
export interface ItemMsg { upc: string; quantity: number; unitPriceCents: number }
export interface OrderMsg { id: string; userId: string; status: OrderStatusMsg; createdAt: string; items: ItemMsg[] }
export interface UserOrdersMsg { userId: string; orders: OrderMsg[] }

/** Each RPC as [request, response]. */
export interface OrderServiceRpcs {
  ListOrdersByUsers: [{ userIds: string[]; limit: number }, { users: UserOrdersMsg[] }];
  GetOrders: [{ ids: string[] }, { orders: OrderMsg[] }];
}

// ---- reviews.proto ----
export interface ReviewMsg {
  id: string;
  upc: string;
  authorId: string;
  authorUsername: string;
  rating: number;
  body: string;
  createdAt: string;
}
export interface SummaryMsg { upc: string; averageRating: number; count: number }
export interface ProductReviewsMsg { upc: string; reviews: ReviewMsg[] }

export interface ReviewServiceRpcs {
  GetSummaries: [{ upcs: string[] }, { summaries: SummaryMsg[] }];
  ListReviewsByProducts: [{ upcs: string[]; limit: number }, { products: ProductReviewsMsg[] }];
  LatestReviews: [{ limit: number }, { reviews: ReviewMsg[] }];
}

// ---- loading ----
/** Constraint for an RPC map such as OrderServiceRpcs: method name → [request, response]. */
export type RpcMap<R> = { [M in keyof R]: [unknown, unknown] };

/** RPC map per service, so a client for 'orders' is typed with OrderServiceRpcs. */
export interface GrpcRpcs {
  orders: OrderServiceRpcs;
  reviews: ReviewServiceRpcs;
}

export const grpcServices = {
  orders: { file: 'orders.proto', name: 'tollgate.orders.v1.OrderService' },
  reviews: { file: 'reviews.proto', name: 'tollgate.reviews.v1.ReviewService' },
} as const;
export type GrpcServiceName = keyof typeof grpcServices;

const loaded = new Map<GrpcServiceName, grpc.ServiceClientConstructor>();

/** The generated client constructor (its `.service` is the server-side definition). Loaded once. */
export function loadGrpcService(name: GrpcServiceName): grpc.ServiceClientConstructor {
  const cached = loaded.get(name);
  if (cached) return cached;
  const { file, name: fullName } = grpcServices[name];
  const definition = protoLoader.loadSync(fileURLToPath(new URL(file, import.meta.url)), {
    keepCase: false, // snake_case fields become camelCase, matching the interfaces above
    enums: String,
    longs: Number,
    defaults: true, // empty repeated fields arrive as [] and zero numbers as 0
  });
  let node: unknown = grpc.loadPackageDefinition(definition);
  for (const part of fullName.split('.')) node = (node as Record<string, unknown>)[part];
  if (typeof node !== 'function') throw new Error(`gRPC service ${fullName} not found in ${file}`);
  const ctor = node as grpc.ServiceClientConstructor;
  loaded.set(name, ctor);
  return ctor;
}
