// @cacheControl hints survive composition (subgraphs keep them with @composeDirective) and each
// operation's policy is computed statically as Apollo Server combines static hints: the smallest
// max-age of its fields, PRIVATE if any field is; a root field or a field returning an object
// without a hint is max-age 0 unless it inherits.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { getOperationAST, parse, type GraphQLSchema } from 'graphql';
import { CacheHints, cacheControlHeader, operationCachePolicy } from '../../../gateway/src/core/cache-policy.ts';
import { subgraphNames, subgraphSdl } from '../../../subgraphs/index.ts';
import { CACHE_CONTROL_LINK } from '../rest/helpers.ts';

function compose(subgraphs: Array<{ name: string; sdl: string }>): { hints: CacheHints | undefined; schema: GraphQLSchema } {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: `http://${s.name}.test/graphql`, typeDefs: parse(s.sdl) })));
  assert.equal(result.errors, undefined, result.errors?.map((e) => e.message).join('\n'));
  return { hints: CacheHints.fromSupergraph(parse(result.supergraphSdl!)), schema: result.schema!.toAPISchema().toGraphQLJSSchema() };
}

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@composeDirective", "@shareable"])';

const CATALOG = `${LINK}
${CACHE_CONTROL_LINK}
type Query {
  product(id: ID!): Product @cacheControl(maxAge: 120)
  products: [Product!]! @cacheControl(maxAge: 600)
  search: [Result!]! @cacheControl(maxAge: 90)
  banner: String
  me: Viewer @cacheControl(scope: PRIVATE, maxAge: 10)
}
interface Node { id: ID! }
union Result = Product | Article
type Product implements Node @key(fields: "id") @cacheControl(maxAge: 300) {
  id: ID!
  name: String!
  price: Money
  stock: Int @cacheControl(maxAge: 5)
  maker: Maker
}
type Article implements Node @cacheControl(maxAge: 20) { id: ID! title: String @cacheControl(maxAge: 15) }
type Money @shareable @cacheControl(inheritMaxAge: true) { amount: Int }
type Maker { name: String }
type Viewer { id: ID! }
`;

const REVIEWS = `${LINK}
${CACHE_CONTROL_LINK}
type Product @key(fields: "id") {
  id: ID!
  rating: Float @cacheControl(maxAge: 45, scope: PRIVATE)
  wrapped: Wrapped @cacheControl(inheritMaxAge: true)
}
type Wrapped { label: String }
`;

describe('cache policies from @cacheControl hints', () => {
  const { hints, schema } = compose([{ name: 'catalog', sdl: CATALOG }, { name: 'reviews', sdl: REVIEWS }]);
  const policy = (query: string) => {
    const document = parse(query);
    return cacheControlHeader(operationCachePolicy(schema, hints!, document, getOperationAST(document)!));
  };

  test('the hints are in the supergraph after composition', () => {
    assert.ok(hints);
    assert.equal(hints.field('Query', 'product')?.maxAge, 120);
    assert.equal(hints.type('Product')?.maxAge, 300);
    assert.equal(hints.field('Product', 'rating')?.scope, 'PRIVATE', 'a hint of another subgraph on the same entity');
  });

  const cases: Array<[string, string, string]> = [
    ['the field hint is below its type\'s', '{ product(id: "1") { id name } }', 'public, max-age=120'],
    ['a scalar field lowers it', '{ product(id: "1") { stock } }', 'public, max-age=5'],
    ['PRIVATE anywhere wins, from another subgraph too', '{ products { id rating } }', 'private, max-age=45'],
    ['an object field without a hint is max-age 0', '{ product(id: "1") { maker { name } } }', 'no-store'],
    ['inheritMaxAge on a type: no restriction', '{ product(id: "1") { price { amount } } }', 'public, max-age=120'],
    ['a field\'s hint replaces its type\'s; inheritMaxAge on a field (of the other subgraph) adds no restriction', '{ products { wrapped { label } } }', 'public, max-age=600'],
    ['a root field without a hint is max-age 0', '{ banner product(id: "1") { id } }', 'no-store'],
    ['a union: the union field\'s hint, and its members\' fields through fragments', '{ search { ... on Product { id } ... on Article { title } } }', 'public, max-age=15'],
    ['named fragments are followed', 'query Q { ...F } fragment F on Query { product(id: "1") { ...P } } fragment P on Product { stock }', 'public, max-age=5'],
    ['an explicit PRIVATE scope with its max-age', '{ me { id } }', 'private, max-age=10'],
    ['introspection at the root is not cacheable', '{ __typename product(id: "1") { __typename } __schema { queryType { name } } }', 'no-store'],
  ];
  for (const [name, query, expected] of cases) {
    test(name, () => assert.equal(policy(query), expected));
  }

  test('a supergraph without hints has none: nothing is cacheable and no work is done per request', () => {
    const plain = `${LINK} type Query { a: String }`;
    assert.equal(compose([{ name: 'plain', sdl: plain }]).hints, undefined);
  });

  test('the demo\'s home screen: max-age 30 (recent orders), PRIVATE (a user\'s orders)', () => {
    const demo = compose(subgraphNames.map((name) => ({ name, sdl: subgraphSdl(name) })));
    const document = parse(readFileSync(new URL('../../../subgraphs/home-screen.graphql', import.meta.url), 'utf8'));
    assert.equal(cacheControlHeader(operationCachePolicy(demo.schema, demo.hints!, document, getOperationAST(document)!)), 'private, max-age=30');
    const featured = parse('{ featuredProducts { name price { amount } reviewSummary { count } } }');
    assert.equal(cacheControlHeader(operationCachePolicy(demo.schema, demo.hints!, featured, getOperationAST(featured)!)), 'public, max-age=120');
  });
});
