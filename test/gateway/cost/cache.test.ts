// Costs are compiled once per (document, operation name) and kept in a bounded LRU.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'graphql';
import { estimateCost } from '../../../gateway/src/cost/index.ts';
import { MAX_CACHED_DOCUMENT_LENGTH } from '../../../gateway/src/cost/operation-cache.ts';
import { modelOf } from './helpers.ts';

describe('the compiled-operation cache', () => {
  it('compiles a document once per operation name', () => {
    const model = modelOf(['shop', 'shop-shipping']);
    const document = 'query A { topProducts { id } } query B { product(id: "1") { id } }';
    assert.equal(estimateCost(model, document, 'A', {}), 5);
    assert.equal(estimateCost(model, document, 'A', { unrelated: 1 }), 5);
    assert.equal(estimateCost(model, document, 'B', {}), 1);
    assert.deepEqual(model.operations.stats(), { documents: 1, hits: 1, misses: 2 });
  });

  it('re-evaluates only the variable parts: one compilation serves every variables object', () => {
    const model = modelOf(['shop', 'shop-shipping']);
    const document = 'query($n: Int, $f: SearchFilter, $skip: Boolean!) { topProducts(limit: $n) { id } search(filter: $f, limit: 1) @skip(if: $skip) { __typename } }';
    // topProducts 3 × 1 + search (1 + filter 4)
    assert.equal(estimateCost(model, document, undefined, { n: 3, f: {}, skip: false }), 8);
    // topProducts 9 × 1, search skipped
    assert.equal(estimateCost(model, document, undefined, { n: 9, f: { inStock: true }, skip: true }), 9);
    // topProducts 9 × 1 + search (1 + filter 4 + inStock 2)
    assert.equal(estimateCost(model, document, undefined, { n: 9, f: { inStock: true }, skip: false }), 16);
    assert.deepEqual(model.operations.stats(), { documents: 1, hits: 2, misses: 1 });
  });

  it('keys parsed documents by identity', () => {
    const model = modelOf(['shop', 'shop-shipping']);
    const document = parse('{ topProducts(limit: 2) { id } }');
    assert.equal(estimateCost(model, document, undefined, {}), 2);
    assert.equal(estimateCost(model, document, undefined, {}), 2);
    assert.deepEqual(model.operations.stats(), { documents: 0, hits: 1, misses: 1 });
  });

  it('keeps a document that cannot be costed, and its error', () => {
    const model = modelOf(['shop', 'shop-shipping']);
    for (let i = 0; i < 3; i++) assert.throws(() => estimateCost(model, '{ window { id } }', undefined, {}), /Exactly one slicing argument/);
    assert.deepEqual(model.operations.stats(), { documents: 1, hits: 2, misses: 1 });
  });

  it('is bounded by cacheSize', () => {
    const model = modelOf(['shop', 'shop-shipping'], { cacheSize: 2 });
    for (const limit of [1, 2, 3]) estimateCost(model, `{ topProducts(limit: ${limit}) { id } }`, undefined, {});
    assert.equal(model.operations.stats().documents, 2);
    // The first document was evicted: costing it again compiles it again.
    estimateCost(model, '{ topProducts(limit: 1) { id } }', undefined, {});
    assert.equal(model.operations.stats().misses, 4);
  });

  it('costs a fragment spread 2^40 times without expanding it', () => {
    const model = modelOf(['shop', 'shop-shipping']);
    // F0 spreads F1 twice, F1 spreads F2 twice, ..., F40 is one field under a variable @include.
    const depth = 40;
    const fragments = Array.from({ length: depth }, (_, i) => `fragment F${i} on Product { ...F${i + 1} ...F${i + 1} }`);
    fragments.push(`fragment F${depth} on Product { price @include(if: $on) { amount } }`);
    const document = `query($on: Boolean!) { product(id: "1") { ...F0 } } ${fragments.join(' ')}`;
    // Product 1 + 2^40 × Money 1
    assert.equal(estimateCost(model, document, undefined, { on: true }), 1 + 2 ** depth);
    assert.equal(estimateCost(model, document, undefined, { on: false }), 1);
  });
});

describe('documents too long to keep', () => {
  it('are costed but not cached', () => {
    const model = modelOf(['shop', 'shop-shipping']);
    const long = `{ topProducts(limit: 2) { id } } # ${'x'.repeat(MAX_CACHED_DOCUMENT_LENGTH)}`;
    assert.equal(estimateCost(model, long, undefined, {}), 2);
    assert.equal(estimateCost(model, long, undefined, {}), 2);
    assert.deepEqual(model.operations.stats(), { documents: 0, hits: 0, misses: 2 });
  });
});
