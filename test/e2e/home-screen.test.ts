import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { RunningGateway } from '../../gateway/src/gateway.ts';
import type { CallRecord } from '../../subgraphs/backends/index.ts';
import { startDemoBackendsAndSubgraphs, type DemoStack } from '../support/demo-stack.ts';
import { postGraphQL, startTestGateway } from '../support/gateway.ts';

const HOME_SCREEN = readFileSync(new URL('../../subgraphs/home-screen.graphql', import.meta.url), 'utf8');
const EXPECTED = JSON.parse(readFileSync(new URL('./home-screen.expected.json', import.meta.url), 'utf8'));

function overlap(a: CallRecord, b: CallRecord): boolean {
  return a.startedAt < b.endedAt && b.startedAt < a.endedAt;
}

describe('the home-screen query through the demo stack', () => {
  let stack: DemoStack;
  let gateway: RunningGateway;
  let calls: CallRecord[];
  let body: any;

  before(async () => {
    // Backend latency keeps each call in flight long enough for overlap to be observable.
    stack = await startDemoBackendsAndSubgraphs({ latencyMs: 25 });
    // The production path: supergraph.yaml composed at start, routing URLs overridden to the test ports.
    gateway = await startTestGateway({ compose: 'supergraph.yaml' }, { override_subgraph_url: stack.subgraphs.urls });
    stack.backends.calls.clear();
    const result = await postGraphQL(gateway.url, { query: HOME_SCREEN, variables: { userId: 'u1' } });
    assert.equal(result.status, 200);
    body = result.body;
    calls = [...stack.backends.calls.records];
  });

  after(async () => {
    await gateway?.stop();
    await stack?.stop();
  });

  test('one merged JSON document with data from all four subgraphs and no errors', () => {
    assert.equal(body.errors, undefined);
    assert.deepEqual(body, EXPECTED);
    // Spot checks that do not depend on the snapshot: each subgraph contributed.
    assert.equal(body.data.user.username, 'alice'); // accounts (REST)
    assert.equal(body.data.featuredProducts.length, 4); // catalog (REST)
    assert.ok(body.data.user.recentOrders.length > 0); // orders (gRPC)
    assert.equal(typeof body.data.featuredProducts[0].reviewSummary.count, 'number'); // reviews (gRPC)
  });

  test('every backend is called once per plan stage, batched: N keys make one call', () => {
    const byMethod = (service: string, method: string) => calls.filter((c) => c.service === service && c.method === method);
    assert.equal(byMethod('users-api', 'GET /users').length, 1);
    assert.equal(byMethod('products-api', 'GET /products/featured').length, 1);
    assert.equal(byMethod('order-service', 'ListOrdersByUsers').length, 1);
    assert.equal(byMethod('review-service', 'LatestReviews').length, 1);

    // Order items: every product of every recent order, looked up in ONE products-api call.
    const orderUpcs = new Set<string>(
      body.data.user.recentOrders.flatMap((o: any) => o.items.map((i: any) => i.product.upc)),
    );
    const itemLookups = byMethod('products-api', 'GET /products');
    assert.equal(itemLookups.length, 1);
    assert.ok([...orderUpcs].every((upc) => itemLookups[0]!.keys.includes(upc)), 'every order item in the one lookup');

    // Review summaries of the featured products and of the order items: the gateway's fetch
    // batching sends the two reviews fetches in one request (the featured products' fetch waits
    // for the order items'), so the reviews subgraph's dataloader makes ONE call for all of them.
    const summaries = byMethod('review-service', 'GetSummaries');
    assert.equal(summaries.length, 1);
    assert.deepEqual(new Set(summaries.flatMap((c) => c.keys)), new Set([...orderUpcs, ...body.data.featuredProducts.map((p: any) => p.upc)]));
    assert.equal(calls.length, 6);
  });

  test('REST and gRPC calls that the plan runs in parallel were in flight at the same time', () => {
    const find = (service: string, method: string) => {
      const call = calls.find((c) => c.service === service && c.method === method);
      assert.ok(call, `${service} ${method} was called`);
      return call;
    };
    const users = find('users-api', 'GET /users');
    const featured = find('products-api', 'GET /products/featured');
    const latestReviews = find('review-service', 'LatestReviews');
    assert.ok(overlap(users, featured), 'users-api (REST) overlaps products-api (REST)');
    assert.ok(overlap(users, latestReviews), 'users-api (REST) overlaps review-service (gRPC)');
    assert.ok(overlap(featured, latestReviews), 'products-api (REST) overlaps review-service (gRPC)');

    const itemLookup = find('products-api', 'GET /products');
    const summaries = find('review-service', 'GetSummaries');
    assert.ok(overlap(itemLookup, summaries), 'products-api (REST) overlaps review-service (gRPC) in the last stage');
  });
});
