// The cost table: operations on the shop fixture (test/fixtures/cost/shop*.graphql) with costs
// worked out by hand from Apollo Router's rules. list_size 10, mutation base cost 10.
//   object/interface/union 1, scalar/enum 0, @cost replaces either; a list multiplies its element
//   (own weight + selections); arguments and @requires are added once per selection.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { estimateCost } from '../../../gateway/src/cost/index.ts';
import { modelOf } from './helpers.ts';

interface Row {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  cost: number;
  /** The hand computation. */
  arithmetic: string;
}

const PRODUCT_P = 'fragment P on Product { name price { amount } variants { sku } }';
const CONNECTION = '{ productConnection(first: 5) { edges { node { name } } pageInfo { hasNextPage } } }';

const rows: Row[] = [
  { name: 'one object', query: '{ product(id: "1") { id name } }', cost: 1, arithmetic: 'Product 1' },
  {
    name: 'nested object, enum with a type weight',
    query: '{ product(id: "1") { name price { amount } status } }',
    cost: 4,
    arithmetic: 'Product 1 + Money 1 + Availability @cost 2',
  },
  { name: 'slicing argument default', query: '{ topProducts { name } }', cost: 5, arithmetic: 'limit default 5 × Product 1' },
  {
    name: 'slicing argument literal',
    query: '{ topProducts(limit: 2) { name price { amount } } }',
    cost: 4,
    arithmetic: '2 × (Product 1 + Money 1)',
  },
  {
    name: 'nested lists: slicing default, literal and assumedSize',
    query: '{ topProducts(limit: 3) { variants(first: 4) { sku } related { name } } }',
    cost: 24,
    arithmetic: '3 × (Product 1 + variants 4 × Variant 1 + related assumedSize 3 × Product 1) = 3 × 8',
  },
  {
    name: 'nested lists without @listSize use list_size',
    query: '{ categories { products { reviews { stars } } } }',
    cost: 360,
    arithmetic: 'categories 10 × (Category @cost 3 + products default 3 × (Product 1 + reviews 10 × Review 1)) = 10 × 36',
  },
  {
    name: 'slicing argument from a variable',
    query: 'query($n: Int) { topProducts(limit: $n) { name } }',
    variables: { n: 7 },
    cost: 7,
    arithmetic: '$n 7 × Product 1',
  },
  {
    name: 'slicing argument from a variable default',
    query: 'query($n: Int = 6) { topProducts(limit: $n) { name } }',
    variables: {},
    cost: 6,
    arithmetic: '$n default 6 × Product 1',
  },
  {
    name: 'absent variable leaves the argument default',
    query: 'query($n: Int) { topProducts(limit: $n) { name } }',
    variables: {},
    cost: 5,
    arithmetic: 'limit default 5 × Product 1',
  },
  {
    name: 'null slicing argument (literal): no size, so list_size, not the default',
    query: '{ topProducts(limit: null) { name } }',
    cost: 10,
    arithmetic: 'limit null: no default, no assumedSize → list_size 10 × Product 1 (the default 5 would be wrong: the subgraph gets null)',
  },
  {
    name: 'null slicing argument (variable sent as null)',
    query: 'query($n: Int) { topProducts(limit: $n) { name } }',
    variables: { n: null },
    cost: 10,
    arithmetic: '$n null → list_size 10 × Product 1',
  },
  {
    name: 'null slicing argument (variable null over a variable default)',
    query: 'query($n: Int = 6) { topProducts(limit: $n) { name } }',
    variables: { n: null },
    cost: 10,
    arithmetic: '$n sent null replaces its default 6 → list_size 10 × Product 1',
  },
  {
    name: 'absent slicing variable (no variable default): the argument default',
    query: 'query($n: Int) { topProducts(limit: $n) { name } }',
    cost: 5,
    arithmetic: '$n absent (no variables at all) → limit default 5 × Product 1',
  },
  {
    name: 'null slicing argument with assumedSize',
    query: '{ products(first: null) { name } }',
    cost: 20,
    arithmetic: 'first null → assumedSize 20 × Product 1',
  },
  {
    name: 'null beside a sized slicing argument: the other one sizes',
    query: 'query($f: Int) { products(first: $f, last: 8) { name } }',
    variables: { f: null },
    cost: 8,
    arithmetic: 'max(null, 8) = 8 × Product 1',
  },
  {
    name: 'nested null slicing argument',
    query: '{ topProducts(limit: 2) { variants(first: null) { sku } } }',
    cost: 22,
    arithmetic: '2 × (Product 1 + variants null → list_size 10 × Variant 1) = 2 × 11',
  },
  {
    name: 'the largest slicing argument wins',
    query: '{ products(first: 3, last: 8) { name } }',
    cost: 8,
    arithmetic: 'max(3, 8) × Product 1',
  },
  {
    name: 'largest slicing argument, from variables',
    query: 'query($f: Int, $l: Int) { products(first: $f, last: $l) { id } }',
    variables: { f: 9, l: 2 },
    cost: 9,
    arithmetic: 'max(9, 2) × Product 1',
  },
  {
    name: 'no slicing argument given: assumedSize',
    query: '{ products { name } }',
    cost: 20,
    arithmetic: 'assumedSize 20 × Product 1',
  },
  {
    name: 'sizedFields size the connection\'s lists',
    query: CONNECTION,
    cost: 12,
    arithmetic: 'ProductConnection 1 + edges 5 × (ProductEdge 1 + Product 1) + PageInfo 1',
  },
  {
    name: 'sizedFields reach into fragments',
    query: '{ productConnection(first: 2) { ... on ProductConnection { nodes { name } } ...E } } fragment E on ProductConnection { edges { cursor } }',
    cost: 5,
    arithmetic: 'ProductConnection 1 + nodes 2 × Product 1 + edges 2 × ProductEdge 1',
  },
  {
    name: '@cost on an argument (input object literal)',
    query: '{ search(filter: { text: "tent" }, limit: 2) { __typename } }',
    cost: 6,
    arithmetic: '2 × SearchResult 1 + filter @cost 4 (replaces the input object\'s 1) + text 0',
  },
  {
    name: '@cost on input fields, list items each weighted',
    query: '{ search(filter: { text: "x", inStock: true, tags: ["a", "b"] }, limit: 1) { __typename } }',
    cost: 10,
    arithmetic: '1 × SearchResult 1 + filter 4 + inStock 2 + tags (1 + 1 + 1) = 1 + 9',
  },
  {
    name: 'argument cost from a variable',
    query: 'query($f: SearchFilter) { search(filter: $f, limit: 1) { __typename } }',
    variables: { f: { inStock: false, text: 'x' } },
    cost: 7,
    arithmetic: '1 × SearchResult 1 + filter 4 + inStock 2 + text 0',
  },
  {
    name: 'null argument costs nothing',
    query: '{ search(filter: null, limit: 3) { __typename } }',
    cost: 3,
    arithmetic: '3 × SearchResult 1 + filter null 0',
  },
  {
    name: 'inline fragments on a union are summed',
    query: '{ search(limit: 2) { ... on Product { name price { amount } } ... on Category { name products { id } } } }',
    cost: 10,
    arithmetic: '2 × (SearchResult 1 + Money 1 + products default 3 × Product 1) = 2 × 5',
  },
  {
    name: 'inline fragments on an interface',
    query: '{ node(id: "1") { id ... on Product { price { amount } status } ... on Category { products(first: 2) { id } } } }',
    cost: 6,
    arithmetic: 'Node 1 + Money 1 + status 2 + products 2 × Product 1',
  },
  {
    name: 'named fragment spread twice',
    query: `{ topProducts(limit: 2) { ...P } product(id: "1") { ...P } } ${PRODUCT_P}`,
    cost: 12,
    arithmetic: 'P = Money 1 + variants default 2 × 1 = 3; topProducts 2 × (1 + 3) + product (1 + 3) = 8 + 4',
  },
  {
    name: 'each alias costs separately',
    query: '{ a: topProducts(limit: 1) { name } b: topProducts(limit: 4) { name } c: product(id: "1") { id } }',
    cost: 6,
    arithmetic: 'a 1 × 1 + b 4 × 1 + c 1',
  },
  {
    name: 'mutation base cost',
    query: 'mutation { addToCart(productId: "1") { id lines { quantity product { name } } } }',
    cost: 21,
    arithmetic: 'mutation 10 + Cart 1 + lines assumedSize 5 × (CartLine 1 + Product 1)',
  },
  {
    name: 'mutation: @cost on the field, input object argument with a list',
    query: 'mutation { placeOrder(input: { items: [{ productId: "1", quantity: 2 }, { productId: "2", quantity: 1 }] }) { id total { amount } } }',
    cost: 19,
    arithmetic: 'mutation 10 + placeOrder @cost 5 + Money 1 + input (OrderInput 1 + items (0 + OrderLineInput 1 + OrderLineInput 1)) = 10 + 6 + 3',
  },
  {
    name: '__typename and literal @skip/@include cost 0',
    query: '{ __typename product(id: "1") { __typename name price @skip(if: true) { amount } status @include(if: false) } }',
    cost: 1,
    arithmetic: 'Product 1',
  },
  {
    name: '@skip/@include from variables: skipped',
    query: 'query($price: Boolean!, $noStatus: Boolean!) { product(id: "1") { price @include(if: $price) { amount } status @skip(if: $noStatus) } }',
    variables: { price: false, noStatus: true },
    cost: 1,
    arithmetic: 'Product 1',
  },
  {
    name: '@skip/@include from variables: kept',
    query: 'query($price: Boolean!, $noStatus: Boolean!) { product(id: "1") { price @include(if: $price) { amount } status @skip(if: $noStatus) } }',
    variables: { price: true, noStatus: false },
    cost: 4,
    arithmetic: 'Product 1 + Money 1 + status 2',
  },
  {
    name: 'skipped fragment spread',
    query: `query($full: Boolean!) { product(id: "1") { id ...P @include(if: $full) } } ${PRODUCT_P}`,
    variables: { full: false },
    cost: 1,
    arithmetic: 'Product 1',
  },
  {
    name: 'scalar list 0, weighted scalar field, weighted custom scalar',
    query: '{ tags ratingCount config }',
    cost: 10,
    arithmetic: 'tags 10 × 0 + ratingCount @cost 3 + Json @cost 7',
  },
  {
    name: '@requires adds the required selection',
    query: '{ product(id: "1") { shippingCost } }',
    cost: 2,
    arithmetic: 'Product 1 + shippingCost 0 + requires price { amount } → Money 1',
  },
  {
    name: '@requires inside a list',
    query: '{ topProducts(limit: 4) { shippingCost } }',
    cost: 8,
    arithmetic: '4 × (Product 1 + requires Money 1)',
  },
  {
    name: 'the named operation is the one costed',
    query: 'query Cheap { product(id: "1") { id } } query Dear { categories { id } }',
    cost: 30,
    arithmetic: 'Dear: 10 × Category @cost 3',
  },
];

describe('estimateCost: the hand-computed table', () => {
  const model = modelOf(['shop', 'shop-shipping']);
  for (const row of rows) {
    it(`${row.name}: ${row.cost} = ${row.arithmetic}`, () => {
      const operationName = row.name.startsWith('the named operation') ? 'Dear' : undefined;
      assert.equal(estimateCost(model, row.query, operationName, row.variables), row.cost);
    });
  }

  it('has at least 20 rows', () => {
    assert.ok(rows.length >= 20, `${rows.length} rows`);
  });
});

describe('estimateCost: configuration', () => {
  it('list_size sizes lists without @listSize', () => {
    const model = modelOf(['shop', 'shop-shipping'], { listSize: 4 });
    // 4 × Category @cost 3
    assert.equal(estimateCost(model, '{ categories { id } }', undefined, undefined), 12);
    // @listSize still wins: limit default 5 × Product 1
    assert.equal(estimateCost(model, '{ topProducts { id } }', undefined, undefined), 5);
  });

  it('mutation_base_cost replaces the 10', () => {
    const model = modelOf(['shop', 'shop-shipping'], { mutationBaseCost: 25 });
    // 25 + Cart 1
    assert.equal(estimateCost(model, 'mutation { addToCart(productId: "1") { id } }', undefined, undefined), 26);
  });
});
