// The actual cost: the estimate's formula over the response, every list at its real length.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { actualCost, estimateCost } from '../../../gateway/src/cost/index.ts';
import { modelOf } from './helpers.ts';

const book = (author: unknown, address: unknown) => ({
  title: 'T',
  author,
  publisher: { name: 'P', address },
});

describe('actualCost', () => {
  const shop = modelOf(['shop', 'shop-shipping']);

  it('the docs\' bestsellers: 2 books returned instead of the assumed 5', () => {
    const model = modelOf(['books-address-cost']);
    const query = '{ bestsellers { title author { name } publisher { name address { zipCode } } } }';
    const data = { bestsellers: [book({ name: 'A' }, { zipCode: 1 }), book(null, null)] };
    assert.equal(estimateCost(model, query, undefined, {}), 40);
    // book 1: Book 1 + Author 1 + Publisher 1 + Address 5 = 8
    // book 2: Book 1 + author null 0 + Publisher 1 + address null, still Address's @cost 5 (as the router) = 7
    assert.equal(actualCost(model, query, undefined, {}, data), 15);
  });

  it('nested lists at their real lengths', () => {
    const query = '{ categories { products { reviews { stars } } } }';
    const data = {
      categories: [
        { products: [{ reviews: [{ stars: 5 }, { stars: 4 }] }, { reviews: [] }] },
        { products: [] },
      ],
    };
    // category 1: 3 + (Product 1 + 2 × Review 1) + (Product 1) = 7; category 2: 3 → 10 (estimate 360)
    assert.equal(actualCost(shop, query, undefined, {}, data), 10);
  });

  it('a sized connection with 2 edges', () => {
    const query = '{ productConnection(first: 5) { edges { node { name } } pageInfo { hasNextPage } } }';
    const data = { productConnection: { edges: [{ node: { name: 'a' } }, { node: { name: 'b' } }], pageInfo: { hasNextPage: false } } };
    // ProductConnection 1 + 2 × (ProductEdge 1 + Product 1) + PageInfo 1 (estimate 12)
    assert.equal(actualCost(shop, query, undefined, {}, data), 6);
  });

  it('union members by __typename; arguments once per field, not per item', () => {
    const query = '{ search(filter: { inStock: true }, limit: 10) { __typename ... on Product { price { amount } } ... on Category { products { id } } } }';
    const data = {
      search: [
        { __typename: 'Product', price: { amount: 100 } },
        { __typename: 'Category', products: [{ id: '1' }, { id: '2' }] },
      ],
    };
    // Each item weighs what the field's type SearchResult weighs (1; Category's own @cost 3 is not
    // consulted, in the estimate either): 1 + Money 1, 1 + 2 × Product 1, filter 4 + inStock 2 → 2 + 3 + 6
    assert.equal(actualCost(shop, query, undefined, {}, data), 11);
  });

  it('each alias by its response key', () => {
    const query = '{ a: topProducts(limit: 9) { id } b: product(id: "1") { price { amount } } }';
    const data = { a: [{ id: '1' }], b: { price: { amount: 1 } } };
    // a: 1 × Product 1, b: Product 1 + Money 1
    assert.equal(actualCost(shop, query, undefined, {}, data), 3);
  });

  it('named fragments, @requires and skipped fields', () => {
    const query = 'query($full: Boolean!) { topProducts(limit: 4) { ...F } } fragment F on Product { shippingCost status @include(if: $full) }';
    const data = { topProducts: [{ shippingCost: 0 }, { shippingCost: 600 }] };
    // 2 × (Product 1 + @requires price { amount }: Money 1); status skipped
    assert.equal(actualCost(shop, query, undefined, { full: false }, data), 4);
  });

  it('a later request of the same document follows its own variables (arguments and @include)', () => {
    // The walk's field resolution is kept per operation across requests: a second request with
    // other variables must cost what a first one with them does.
    const warmed = modelOf(['shop', 'shop-shipping']);
    const args = 'query($f: SearchFilter) { search(filter: $f, limit: 10) { __typename ... on Product { id } } }';
    const argsData = { search: [{ __typename: 'Product', id: '1' }] };
    const included = 'query($full: Boolean!) { topProducts(limit: 4) { id price @include(if: $full) { amount } } }';
    const includedData = { topProducts: [{ id: '1', price: { amount: 1 } }, { id: '2', price: { amount: 2 } }] };
    const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, unknown]> = [
      [args, { f: null }, { f: { inStock: true } }, argsData],
      [included, { full: false }, { full: true }, includedData],
    ];
    for (const [query, first, second, data] of cases) {
      const firstCost = actualCost(warmed, query, undefined, first, data);
      const secondCost = actualCost(warmed, query, undefined, second, data);
      assert.notEqual(secondCost, firstCost, query);
      assert.equal(secondCost, actualCost(modelOf(['shop', 'shop-shipping']), query, undefined, second, data), query);
      assert.equal(actualCost(warmed, query, undefined, first, data), firstCost, query);
    }
  });

  it('weighted scalars: null keeps an explicit weight, a scalar list costs 0', () => {
    const query = '{ ratingCount tags config product(id: "x") { id } }';
    const data = { ratingCount: null, tags: ['a', 'b'], config: { any: { json: 1 } }, product: null };
    // ratingCount @cost 3 (even null, as the router) + tags 0 + Json @cost 7 + product null 0
    assert.equal(actualCost(shop, query, undefined, {}, data), 10);
  });

  it('mutations keep their base cost', () => {
    const query = 'mutation { addToCart(productId: "1") { id lines { quantity } } }';
    const data = { addToCart: { id: 'c', lines: [{ quantity: 1 }] } };
    // 10 + Cart 1 + 1 × CartLine 1 (estimate 10 + 1 + 5 × 1 = 16)
    assert.equal(actualCost(shop, query, undefined, {}, data), 12);
    assert.equal(actualCost(shop, query, undefined, {}, null), 10);
  });

  it('works for an operation whose estimate failed', () => {
    // No slicing argument on window: no estimate, but the response can still be priced.
    assert.throws(() => estimateCost(shop, '{ window { id } }', undefined, {}));
    assert.equal(actualCost(shop, '{ window { id } }', undefined, {}, { window: [{ id: '1' }, { id: '2' }] }), 2);
  });
});
