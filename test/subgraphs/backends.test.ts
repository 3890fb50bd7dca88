import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBackends, type RunningBackends } from '../../subgraphs/backends/index.ts';
import { createGrpcClient } from '../../subgraphs/shared/grpc-client.ts';

describe('demo backends', () => {
  let backends: RunningBackends;
  let orders: ReturnType<typeof createGrpcClient<'orders'>>;
  let reviews: ReturnType<typeof createGrpcClient<'reviews'>>;

  before(async () => {
    backends = await startBackends({ latencyMs: 30 });
    orders = createGrpcClient('orders', backends.orderServiceAddress);
    reviews = createGrpcClient('reviews', backends.reviewServiceAddress);
  });
  after(async () => {
    orders.close();
    reviews.close();
    await backends.stop();
  });
  beforeEach(() => backends.calls.clear());

  it('users-api batch returns the asked ids and leaves unknown ones out', async () => {
    const res = await fetch(`${backends.usersApiUrl}/users?ids=u3,nobody,u1`);
    assert.equal(res.status, 200);
    const users = (await res.json()) as Array<{ id: string; username: string }>;
    assert.deepEqual(users.map((u) => u.id).sort(), ['u1', 'u3']);
    assert.equal(users.find((u) => u.id === 'u1')?.username, 'alice');
    assert.deepEqual(
      backends.calls.records.map(({ service, method, keys }) => ({ service, method, keys })),
      [{ service: 'users-api', method: 'GET /users', keys: ['u3', 'nobody', 'u1'] }],
    );
  });

  it('users-api answers one user by id, 404 for an unknown one', async () => {
    const res = await fetch(`${backends.usersApiUrl}/users/u2`);
    assert.deepEqual(await res.json(), { id: 'u2', username: 'bob', name: 'Bob Builder', email: 'bob@example.com' });
    const missing = await fetch(`${backends.usersApiUrl}/users/nobody`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    assert.deepEqual(backends.calls.records.map((r) => r.keys), [['u2'], ['nobody']]);
  });

  it('products-api batch and featured endpoints', async () => {
    const batch = (await (await fetch(`${backends.productsApiUrl}/products?upcs=p2,p9,p1`)).json()) as Array<Record<string, unknown>>;
    assert.deepEqual(batch.map((p) => p['upc']).sort(), ['p1', 'p2']);
    assert.deepEqual(Object.keys(batch[0]!).sort(), ['name', 'price', 'upc', 'weight']);
    const featured = (await (await fetch(`${backends.productsApiUrl}/products/featured?limit=3`)).json()) as unknown[];
    assert.equal(featured.length, 3);
    assert.deepEqual(backends.calls.records.map((r) => r.method), ['GET /products', 'GET /products/featured']);
  });

  it('order-service answers both batch RPCs', async () => {
    const { users } = await orders.call('ListOrdersByUsers', { userIds: ['u1', 'u5'], limit: 2 });
    assert.deepEqual(users.map((u) => [u.userId, u.orders.length]), [['u1', 2], ['u5', 0]]);
    const [newest, older] = users[0]!.orders;
    assert.ok(newest!.createdAt > older!.createdAt, 'newest first');
    assert.match(newest!.status, /^ORDER_STATUS_/);
    const { orders: byId } = await orders.call('GetOrders', { ids: ['o5', 'o404', 'o1'] });
    assert.deepEqual(byId.map((o) => o.id).sort(), ['o1', 'o5']);
    assert.deepEqual(
      backends.calls.records.map(({ service, method, keys }) => ({ service, method, keys })),
      [
        { service: 'order-service', method: 'ListOrdersByUsers', keys: ['u1', 'u5'] },
        { service: 'order-service', method: 'GetOrders', keys: ['o5', 'o404', 'o1'] },
      ],
    );
  });

  it('review-service answers its batch RPCs and the latest reviews', async () => {
    const { summaries } = await reviews.call('GetSummaries', { upcs: ['p1', 'p8'] });
    assert.deepEqual(summaries, [
      { upc: 'p1', averageRating: 4, count: 3 },
      { upc: 'p8', averageRating: 0, count: 0 },
    ]);
    const { products } = await reviews.call('ListReviewsByProducts', { upcs: ['p1', 'p4'], limit: 2 });
    assert.deepEqual(products.map((p) => [p.upc, p.reviews.length]), [['p1', 2], ['p4', 2]]);
    assert.equal(products[0]!.reviews[0]!.authorUsername, 'bob');
    const { reviews: latest } = await reviews.call('LatestReviews', { limit: 2 });
    assert.equal(latest.length, 2);
    assert.deepEqual(backends.calls.records.map((r) => r.method), ['GetSummaries', 'ListReviewsByProducts', 'LatestReviews']);
  });

  it('records concurrent calls with overlapping in-flight windows', async () => {
    await Promise.all([
      fetch(`${backends.usersApiUrl}/users?ids=u1`).then((r) => r.json()),
      reviews.call('LatestReviews', { limit: 1 }),
    ]);
    const [a, b] = backends.calls.records;
    assert.ok(a && b, 'two calls recorded');
    assert.deepEqual([a.service, b.service].sort(), ['review-service', 'users-api']);
    for (const r of [a, b]) assert.ok(r.endedAt >= r.startedAt);
    assert.ok(a.startedAt < b.endedAt && b.startedAt < a.endedAt, 'the two calls were in flight at the same time');
  });

  it('clear() empties the log', async () => {
    await (await fetch(`${backends.usersApiUrl}/users?ids=u1`)).json();
    assert.equal(backends.calls.records.length, 1);
    backends.calls.clear();
    assert.equal(backends.calls.records.length, 0);
  });
});
