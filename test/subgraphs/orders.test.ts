import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoBackendsAndSubgraphs, type DemoStack } from '../support/demo-stack.ts';
import { shippingEstimate } from '../../subgraphs/orders/resolvers.ts';
import { entitiesQuery, post } from './graphql-client.ts';

describe('orders subgraph', () => {
  let stack: DemoStack;
  let url: string;
  const orderServiceCalls = () => stack.backends.calls.records.filter((r) => r.service === 'order-service');

  before(async () => {
    stack = await startDemoBackendsAndSubgraphs();
    url = stack.subgraphs.urls.orders;
  });
  after(() => stack.stop());
  beforeEach(() => stack.backends.calls.clear());

  it("resolves several users' recentOrders with one ListOrdersByUsers call", async () => {
    const reps = ['u1', 'u2', 'u5'].map((id) => ({ __typename: 'User', id }));
    const selection = 'id recentOrders(first: 2) { id status total { amount currency } items { quantity unitPrice { amount } product { upc } } }';
    const reply = await post(url, entitiesQuery('User', selection), { reps });
    assert.equal(reply.body.errors, undefined);
    const [alice, bob, eve] = reply.body.data._entities;
    assert.deepEqual(alice.recentOrders.map((o: { id: string }) => o.id), ['o3', 'o2'], 'newest first, at most 2');
    assert.deepEqual(alice.recentOrders[0], {
      id: 'o3',
      status: 'PLACED',
      total: { amount: 2 * 2900 + 3900, currency: 'USD' },
      items: [
        { quantity: 2, unitPrice: { amount: 2900 }, product: { upc: 'p2' } },
        { quantity: 1, unitPrice: { amount: 3900 }, product: { upc: 'p4' } },
      ],
    });
    assert.equal(bob.recentOrders.length, 2);
    assert.deepEqual(eve, { __typename: 'User', id: 'u5', recentOrders: [] });
    assert.deepEqual(orderServiceCalls().map((r) => [r.method, r.keys]), [['ListOrdersByUsers', ['u1', 'u2', 'u5']]]);
  });

  it('makes one call per distinct page size', async () => {
    const query = 'query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { a: recentOrders(first: 1) { id } b: recentOrders(first: 3) { id } } } }';
    const reply = await post(url, query, { reps: [{ __typename: 'User', id: 'u1' }, { __typename: 'User', id: 'u3' }] });
    assert.deepEqual(reply.body.data._entities[0].a.length, 1);
    assert.deepEqual(reply.body.data._entities[0].b.length, 3);
    assert.equal(orderServiceCalls().length, 2);
  });

  it('resolves several Order references with one GetOrders call', async () => {
    const reps = ['o1', 'o5', 'o404'].map((id) => ({ __typename: 'Order', id }));
    const reply = await post(url, entitiesQuery('Order', 'id createdAt status'), { reps });
    assert.deepEqual(reply.body.data._entities, [
      { __typename: 'Order', id: 'o1', createdAt: '2024-11-02T10:15:00Z', status: 'DELIVERED' },
      { __typename: 'Order', id: 'o5', createdAt: '2024-12-24T16:30:00Z', status: 'DELIVERED' },
      null,
    ]);
    assert.deepEqual(orderServiceCalls().map((r) => [r.method, r.keys]), [['GetOrders', ['o1', 'o5', 'o404']]]);
  });

  it('computes shippingEstimate from the @requires fields, without a backend call', async () => {
    const reps = [
      { __typename: 'Product', upc: 'p2', price: { amount: 2900 }, weight: 420 },
      { __typename: 'Product', upc: 'p3', price: { amount: 34900 }, weight: 1350 },
    ];
    const reply = await post(url, entitiesQuery('Product', 'upc shippingEstimate'), { reps });
    assert.deepEqual(reply.body.data._entities, [
      { __typename: 'Product', upc: 'p2', shippingEstimate: 600 },
      { __typename: 'Product', upc: 'p3', shippingEstimate: 0 },
    ]);
    assert.equal(stack.backends.calls.records.length, 0);
  });

  it('errors clearly when the @requires fields are missing', async () => {
    const reply = await post(url, entitiesQuery('Product', 'shippingEstimate'), { reps: [{ __typename: 'Product', upc: 'p2' }] });
    assert.match(reply.body.errors?.[0]?.message ?? '', /requires/);
  });

  it('shippingEstimate: free from 50.00, else 5.00 + 1.00 per started 500 g', () => {
    assert.equal(shippingEstimate(5000, 3000), 0);
    assert.equal(shippingEstimate(4999, 500), 600);
    assert.equal(shippingEstimate(4999, 501), 700);
  });

  it('answers _service { sdl } with the @requires field', async () => {
    const reply = await post(url, '{ _service { sdl } }');
    assert.match(reply.body.data._service.sdl, /shippingEstimate: Int! @requires\(fields: "price \{ amount \} weight"\)/);
  });

  it('answers a bad query with GraphQL error JSON', async () => {
    const reply = await post(url, '{ orders { id } }');
    assert.equal(reply.status, 200);
    assert.match(reply.body.errors?.[0]?.message ?? '', /orders/);
  });
});
