// Starts the four demo subgraphs (accounts, catalog, orders, reviews), each on its own port,
// over running backends (see ./backends).
import { startGraphQLServer, type RunningGraphQLServer } from './shared/http-server.ts';
import type { SubgraphModule, SubgraphName } from './shared/subgraph.ts';
import { createAccountsSubgraph } from './accounts/index.ts';
import { createCatalogSubgraph } from './catalog/index.ts';
import { createOrdersSubgraph } from './orders/index.ts';
import { createReviewsSubgraph } from './reviews/index.ts';

export type { SubgraphName } from './shared/subgraph.ts';
export { subgraphSdl } from './shared/subgraph.ts';

export const subgraphNames: readonly SubgraphName[] = ['accounts', 'catalog', 'orders', 'reviews'];

export interface BackendAddresses {
  usersApiUrl: string;
  productsApiUrl: string;
  orderServiceAddress: string;
  reviewServiceAddress: string;
}

export interface StartSubgraphsOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port per subgraph. Default 0 (a free port); the demo uses 4001–4004. */
  ports?: Partial<Record<SubgraphName, number>>;
}

export interface RunningSubgraphs {
  /** http://127.0.0.1:PORT/graphql per subgraph. */
  urls: Record<SubgraphName, string>;
  stop(): Promise<void>;
}

export async function startSubgraphs(backends: BackendAddresses, opts: StartSubgraphsOptions = {}): Promise<RunningSubgraphs> {
  const modules: Record<SubgraphName, SubgraphModule<unknown>> = {
    accounts: createAccountsSubgraph(backends),
    catalog: createCatalogSubgraph(backends),
    orders: createOrdersSubgraph(backends),
    reviews: createReviewsSubgraph(backends),
  };
  const started = await Promise.allSettled(
    subgraphNames.map((name) =>
      startGraphQLServer({ ...modules[name], host: opts.host ?? '127.0.0.1', port: opts.ports?.[name] ?? 0 }),
    ),
  );
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    for (const name of subgraphNames) modules[name].close();
  };
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    // Do not leak the ones that did start (e.g. one port already in use).
    await stop();
    throw failed.reason;
  }
  const servers = started.map((s) => (s as PromiseFulfilledResult<RunningGraphQLServer>).value);
  const urls = Object.fromEntries(subgraphNames.map((name, i) => [name, servers[i]!.url])) as Record<SubgraphName, string>;
  return { urls, stop };
}
