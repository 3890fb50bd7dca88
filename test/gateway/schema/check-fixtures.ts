// Two subgraphs for the breaking-change tests: catalog (interfaces, a union, enums, input objects,
// defaults) and reviews (an entity extended). Each case edits one of them by text replacement.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeForTest } from '../../support/gateway.ts';

const FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@inaccessible"])';

export const CATALOG = `${FED}
type Query {
  product(upc: ID!): Product
  products(first: Int = 5, filter: ProductFilter): [Product!]!
  search(text: String!): [SearchResult!]!
  node(id: ID!): Node
  brand: Brand
}
interface Node { id: ID! }
type Product implements Node @key(fields: "upc") {
  id: ID!
  upc: ID!
  name: String!
  price: Int
  weight: Int
  status: Status!
}
type Category implements Node { id: ID! title: String }
type Brand { name: String }
union SearchResult = Product | Category
enum Status { ACTIVE DISCONTINUED }
input ProductFilter { status: Status, minPrice: Int = 0, nameContains: String }
`;

export const REVIEWS = `${FED}
type Product @key(fields: "upc") { upc: ID! reviews(first: Int = 3): [Review!]! }
type Review { id: ID! stars: Int! body: String }
`;

export type SubgraphSdls = { catalog: string; reviews: string };
export const BASE: SubgraphSdls = { catalog: CATALOG, reviews: REVIEWS };

/** Replaces `from` with `to` in one subgraph; fails when `from` is not there (a case that tests nothing). */
export function edit(base: SubgraphSdls, subgraph: keyof SubgraphSdls, from: string, to: string): SubgraphSdls {
  if (!base[subgraph].includes(from)) throw new Error(`fixture: "${from}" is not in ${subgraph}`);
  return { ...base, [subgraph]: base[subgraph].replace(from, to) };
}

export function composeSet(sdls: SubgraphSdls): string {
  return composeForTest([
    { name: 'catalog', routingUrl: 'http://127.0.0.1:1/catalog', sdl: sdls.catalog },
    { name: 'reviews', routingUrl: 'http://127.0.0.1:1/reviews', sdl: sdls.reviews },
  ]);
}

/** A folder with the current supergraph (`current.graphql`) and the proposed set as supergraph.yaml. */
export async function checkFolder(current: SubgraphSdls, proposed: SubgraphSdls): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-check-'));
  await writeFile(join(dir, 'current.graphql'), composeSet(current));
  await writeFile(join(dir, 'catalog.graphql'), proposed.catalog);
  await writeFile(join(dir, 'reviews.graphql'), proposed.reviews);
  await writeFile(
    join(dir, 'supergraph.yaml'),
    [
      'federation_version: =2.14.4',
      'subgraphs:',
      '  catalog: { routing_url: "http://127.0.0.1:1/catalog", schema: { file: ./catalog.graphql } }',
      '  reviews: { routing_url: "http://127.0.0.1:1/reviews", schema: { file: ./reviews.graphql } }',
      '',
    ].join('\n'),
  );
  return dir;
}

