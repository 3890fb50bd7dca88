import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoBackendsAndSubgraphs, type DemoStack } from '../support/demo-stack.ts';
import { entitiesQuery, post } from './graphql-client.ts';

describe('catalog subgraph', () => {
  let stack: DemoStack;
  let url: string;
  const productsApiCalls = () => stack.backends.calls.records.filter((r) => r.service === 'products-api');

  before(async () => {
    stack = await startDemoBackendsAndSubgraphs();
    url = stack.subgraphs.urls.catalog;
  });
  after(() => stack.stop());
  beforeEach(() => stack.backends.calls.clear());

  it('resolves several Product references with one products-api call', async () => {
    const reps = ['p1', 'p5', 'nope', 'p8'].map((upc) => ({ __typename: 'Product', upc }));
    const reply = await post(url, entitiesQuery('Product', 'upc name price { amount currency } weight'), { reps });
    assert.equal(reply.body.errors, undefined);
    assert.deepEqual(reply.body.data._entities, [
      { __typename: 'Product', upc: 'p1', name: 'Trail Running Shoes', price: { amount: 12900, currency: 'USD' }, weight: 850 },
      { __typename: 'Product', upc: 'p5', name: 'Merino Wool Socks', price: { amount: 1900, currency: 'USD' }, weight: 80 },
      null,
      { __typename: 'Product', upc: 'p8', name: 'Down Sleeping Bag', price: { amount: 27900, currency: 'USD' }, weight: 1100 },
    ]);
    assert.deepEqual(productsApiCalls().map((r) => [r.method, r.keys]), [['GET /products', ['p1', 'p5', 'nope', 'p8']]]);
  });

  it('featuredProducts honours first (default 4); product(upc) looks one up', async () => {
    const reply = await post(url, '{ featuredProducts(first: 2) { upc } product(upc: "p1") { name } }');
    assert.deepEqual(reply.body.data, { featuredProducts: [{ upc: 'p1' }, { upc: 'p2' }], product: { name: 'Trail Running Shoes' } });
    const byDefault = await post(url, '{ featuredProducts { upc } }');
    assert.equal(byDefault.body.data.featuredProducts.length, 4);
    assert.deepEqual(productsApiCalls().map((r) => r.method).sort(), ['GET /products', 'GET /products/featured', 'GET /products/featured']);
  });

  it('rejects a negative page size with BAD_USER_INPUT', async () => {
    const reply = await post(url, '{ featuredProducts(first: -1) { upc } }');
    assert.equal(reply.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.equal(productsApiCalls().length, 0);
  });

  it('answers _service { sdl } with the shareable Money type', async () => {
    const reply = await post(url, '{ _service { sdl } }');
    assert.match(reply.body.data._service.sdl, /type Money\s+@shareable/);
  });

  it('answers a bad query with GraphQL error JSON', async () => {
    const reply = await post(url, '{ product(upc: 1 { name } }');
    assert.equal(reply.status, 200);
    assert.match(reply.body.errors?.[0]?.message ?? '', /Syntax Error/);
  });
});
