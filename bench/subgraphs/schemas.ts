// The four subgraphs of the standard federation benchmark (accounts, products, inventory,
// reviews) as Federation v2 SDL plus resolvers over the fixed fixtures.
import { parse, type GraphQLSchema } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import {
  inStock, products, productsByUpc, reviewsByAuthor, reviewsByUpc, shippingEstimate, users,
  usersById, type Review,
} from './fixtures.ts';

export const SUBGRAPH_NAMES = ['accounts', 'products', 'inventory', 'reviews'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

const LINK = (imports: string) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [${imports}])`;

const sdl: Record<SubgraphName, string> = {
  accounts: `${LINK('"@key", "@shareable"')}
    type Query { me: User  user(id: ID!): User  users: [User] }
    type User @key(fields: "id") {
      id: ID!
      name: String
      username: String @shareable
      birthday: Int
    }`,
  products: `${LINK('"@key"')}
    type Query { topProducts(first: Int = 5): [Product] }
    type Product @key(fields: "upc") {
      upc: String!
      name: String
      price: Int
      weight: Int
    }`,
  inventory: `${LINK('"@key", "@external", "@requires"')}
    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      price: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
    }`,
  reviews: `${LINK('"@key", "@external", "@provides"')}
    type Review @key(fields: "id") {
      id: ID!
      body: String
      author: User @provides(fields: "username")
      product: Product
    }
    type User @key(fields: "id") {
      id: ID!
      username: String @external
      reviews: [Review]
    }
    type Product @key(fields: "upc") {
      upc: String!
      reviews: [Review]
    }`,
};

type Ref = Record<string, unknown>;

const resolvers: Record<SubgraphName, GraphQLResolverMap> = {
  accounts: {
    Query: {
      me: () => users[0],
      user: (_: unknown, args: { id: string }) => usersById.get(args.id) ?? null,
      users: () => users,
    },
    User: { __resolveReference: (ref: Ref) => usersById.get(String(ref['id'])) ?? null },
  },
  products: {
    Query: { topProducts: (_: unknown, args: { first: number }) => products.slice(0, args.first) },
    Product: { __resolveReference: (ref: Ref) => productsByUpc.get(String(ref['upc'])) ?? null },
  },
  inventory: {
    Product: {
      __resolveReference: (ref: Ref) => ref,
      inStock: (ref: Ref) => inStock(String(ref['upc'])),
      shippingEstimate: (ref: Ref) => shippingEstimate(Number(ref['price']), Number(ref['weight'])),
    },
  },
  reviews: {
    Review: {
      // @provides(username): the reviews subgraph answers author.username itself.
      author: (r: Review) => ({ id: r.authorId, username: usersById.get(r.authorId)?.username }),
      product: (r: Review) => ({ upc: r.upc }),
    },
    User: {
      __resolveReference: (ref: Ref) => ref,
      reviews: (ref: Ref) => reviewsByAuthor.get(String(ref['id'])) ?? [],
    },
    Product: {
      __resolveReference: (ref: Ref) => ref,
      reviews: (ref: Ref) => reviewsByUpc.get(String(ref['upc'])) ?? [],
    },
  },
};

export function subgraphSdl(name: SubgraphName): string {
  return sdl[name];
}

export function buildSchema(name: SubgraphName): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: parse(sdl[name]), resolvers: resolvers[name] }]);
}
