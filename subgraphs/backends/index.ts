// Starts the four demo backends the subgraphs call: two REST services and two gRPC services,
// all recording into one shared call log.
import { createCallLog, type CallLog } from './call-log.ts';
import { startRestServer } from './rest-server.ts';
import { startGrpcServer } from './grpc-server.ts';
import { usersApiRouter } from './users-api.ts';
import { productsApiRouter } from './products-api.ts';
import { orderServiceHandlers } from './order-service.ts';
import { reviewServiceHandlers } from './review-service.ts';

export type { CallRecord, CallLog } from './call-log.ts';

export type BackendName = 'usersApi' | 'productsApi' | 'orderService' | 'reviewService';

export interface RunningBackends {
  /** http://127.0.0.1:PORT */
  usersApiUrl: string;
  productsApiUrl: string;
  /** 127.0.0.1:PORT */
  orderServiceAddress: string;
  reviewServiceAddress: string;
  calls: CallLog;
  stop(): Promise<void>;
}

export interface StartBackendsOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port per backend. Default 0 (a free port); the demo uses 4101–4104. */
  ports?: Partial<Record<BackendName, number>>;
  /** Delay added before every reply, so tests can observe in-flight overlap. Default 0. */
  latencyMs?: number;
}

export async function startBackends(opts: StartBackendsOptions = {}): Promise<RunningBackends> {
  const host = opts.host ?? '127.0.0.1';
  const latencyMs = opts.latencyMs ?? 0;
  const calls = createCallLog();
  const port = (name: BackendName): number => opts.ports?.[name] ?? 0;

  const started = await Promise.allSettled([
    startRestServer({ service: 'users-api', router: usersApiRouter, calls, host, port: port('usersApi'), latencyMs }),
    startRestServer({ service: 'products-api', router: productsApiRouter, calls, host, port: port('productsApi'), latencyMs }),
    startGrpcServer({ service: 'order-service', proto: 'orders', handlers: orderServiceHandlers, calls, host, port: port('orderService'), latencyMs }),
    startGrpcServer({ service: 'review-service', proto: 'reviews', handlers: reviewServiceHandlers, calls, host, port: port('reviewService'), latencyMs }),
  ] as const);
  const stopAll = async (): Promise<void> => {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
  };
  const [users, products, orders, reviews] = started;
  if (users.status !== 'fulfilled' || products.status !== 'fulfilled' || orders.status !== 'fulfilled' || reviews.status !== 'fulfilled') {
    // Do not leak the ones that did start (e.g. one port already in use).
    await stopAll();
    const failed = started.find((s) => s.status === 'rejected');
    throw failed?.status === 'rejected' ? failed.reason : new Error('backend failed to start');
  }
  return {
    usersApiUrl: users.value.url,
    productsApiUrl: products.value.url,
    orderServiceAddress: orders.value.address,
    reviewServiceAddress: reviews.value.address,
    calls,
    stop: stopAll,
  };
}
