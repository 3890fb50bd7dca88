// The edge cache tests' shop: two counting subgraphs (products: root fields and Product's name;
// reviews: Product's rating and a PRIVATE note per caller) with @cacheControl hints, and gateways
// over them with the cache on (or off, the reference an answer must deep-equal).
import type { GatewayConfigInput } from '../../../gateway/src/config/schema.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';
import { CACHE_CONTROL_LINK } from '../rest/helpers.ts';
import { apiKeysFor } from '../quota/helpers.ts';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@composeDirective"])';

const PRODUCTS_SDL = `${LINK}
${CACHE_CONTROL_LINK}
type Query {
  topProducts: [Product!]! @cacheControl(maxAge: 60)
  product(upc: ID!): Product @cacheControl(maxAge: 60)
  clock: Int @cacheControl(maxAge: 1)
  uncached: Int
}
type Mutation { rename(upc: ID!, name: String!): Product }
type Product @key(fields: "upc") @cacheControl(maxAge: 60) { upc: ID! name: String! }
`;

const REVIEWS_SDL = `${LINK}
${CACHE_CONTROL_LINK}
type Product @key(fields: "upc") {
  upc: ID!
  rating: Int @cacheControl(maxAge: 60)
  myNote: String @cacheControl(maxAge: 60, scope: PRIVATE)
}
`;

export interface Shop {
  products: FixtureSubgraph;
  reviews: FixtureSubgraph;
  supergraph: string;
  names: Record<string, string>;
  ratings: Record<string, number>;
  /** While set, the rating of this upc fails with an error. */
  failRating: { upc: string | undefined };
  ticks: { n: number };
  stop(): Promise<void>;
}

export async function startShop(): Promise<Shop> {
  const names: Record<string, string> = { p1: 'Kettle', p2: 'Teapot', p3: 'Mug' };
  const ratings: Record<string, number> = { p1: 5, p2: 4, p3: 3 };
  const failRating: { upc: string | undefined } = { upc: undefined };
  const ticks = { n: 0 };
  const product = (upc: string) => (names[upc] === undefined ? null : { upc, name: names[upc] });
  const products = await startFixtureSubgraph(PRODUCTS_SDL, {
    Query: {
      topProducts: () => ['p1', 'p2', 'p3'].map(product),
      product: (_root, args: any) => product(args.upc),
      clock: () => ++ticks.n,
      uncached: () => 1,
    },
    Mutation: {
      rename: (_root, args: any) => {
        names[args.upc] = args.name;
        return product(args.upc);
      },
    },
    Product: { __resolveReference: (ref: any) => product(ref.upc) } as never,
  });
  const reviews = await startFixtureSubgraph(REVIEWS_SDL, {
    Product: {
      __resolveReference: (ref: any) => ({ upc: ref.upc }),
      rating: (p: any) => {
        if (failRating.upc === p.upc) throw new Error(`rating of ${p.upc} unavailable`);
        return ratings[p.upc] ?? null;
      },
      myNote: (p: any, _args: unknown, context: any) => `note on ${p.upc} for ${context.headers['x-tollgate-client'] ?? 'nobody'}`,
    } as never,
  });
  const supergraph = composeForTest([
    { name: 'products', routingUrl: products.url, sdl: PRODUCTS_SDL },
    { name: 'reviews', routingUrl: reviews.url, sdl: REVIEWS_SDL },
  ]);
  return {
    products,
    reviews,
    supergraph,
    names,
    ratings,
    failRating,
    ticks,
    async stop() {
      await products.stop();
      await reviews.stop();
    },
  };
}

export const API_KEYS = apiKeysFor([{ clientId: 'alice' }, { clientId: 'bob' }, { clientId: 'ops' }]);

/** A gateway over the shop with the edge cache on (`cache` merged over enabled: true). */
export function startCachedGateway(shop: Shop, cache: NonNullable<GatewayConfigInput['cache']> = {}, overrides: Omit<GatewayConfigInput, 'supergraph' | 'cache'> = {}): Promise<RunningGateway> {
  return startTestGateway(shop.supergraph, { authentication: { api_keys: API_KEYS.config }, ...overrides, cache: { enabled: true, ...cache } });
}

/** Requests each subgraph got so far. */
export function calls(shop: Shop): { products: number; reviews: number } {
  return { products: shop.products.received.length, reviews: shop.reviews.received.length };
}

/** Subgraph calls made while `run` runs. */
export async function callsDuring(shop: Shop, run: () => Promise<unknown>): Promise<{ products: number; reviews: number }> {
  const before = calls(shop);
  await run();
  const after = calls(shop);
  return { products: after.products - before.products, reviews: after.reviews - before.reviews };
}

export async function query(gateway: RunningGateway, text: string, headers: Record<string, string> = {}, variables?: Record<string, unknown>): Promise<any> {
  const result = await postGraphQL(gateway.url, { query: text, ...(variables ? { variables } : {}) }, headers);
  return result.body;
}

/** The representations the reviews subgraph was last sent. */
export function lastRepresentations(shop: Shop): unknown[] {
  const body = shop.reviews.bodies.at(-1) as { variables?: { representations?: unknown[] } } | undefined;
  return body?.variables?.representations ?? [];
}
