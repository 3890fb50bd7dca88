// Issue 19 on a real 3-master Redis Cluster of this test's own: the shared store's look-ups (an
// entity fetch's MGET in its type's slot; a root fetch's, whose stamps span several slots, split
// per slot) answer a second gateway from what the first cached, and a subgraph's invalidation
// reaches it. No CROSSSLOT error may surface as a miss: the second gateway makes no subgraph call.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { eventually } from '../../support/eventually.ts';
import { OwnRedisCluster } from '../../support/redis-cluster.ts';
import { callsDuring, query, startCachedGateway, startShop, type Shop } from './helpers.ts';

const TOP = '{ topProducts { upc name rating } }';

describe('edge cache on a Redis Cluster', () => {
  let cluster: OwnRedisCluster;
  let shop: Shop;
  let a: RunningGateway;
  let b: RunningGateway;

  before(async () => {
    cluster = await OwnRedisCluster.start(3);
    shop = await startShop();
    const redis = { cluster: { nodes: cluster.urls }, key_prefix: 'edge:' };
    a = await startCachedGateway(shop, { store: 'redis', redis_timeout_ms: 1000 }, { redis });
    b = await startCachedGateway(shop, { store: 'redis', redis_timeout_ms: 1000 }, { redis });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await shop?.stop();
    await cluster?.stop();
  });

  test("a second gateway answers from the cluster what the first cached, and sees a subgraph's invalidation", async () => {
    const first = await query(a, TOP);
    let second: unknown;
    await eventually('b answers from the shared cache', async () => {
      const calls = await callsDuring(shop, async () => (second = await query(b, TOP)));
      return calls.products === 0 && calls.reviews === 0;
    });
    assert.deepEqual(second, first);
    shop.names['p2'] = 'Teapot XL';
    shop.products.next({
      kind: 'status',
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ data: { rename: { upc: 'p2', name: 'Teapot XL' } }, extensions: { invalidateEntities: [{ __typename: 'Product', upc: 'p2' }] } }),
    });
    try {
      await query(a, 'mutation { rename(upc: "p2", name: "Teapot XL") { upc name } }');
      const after = await query(b, TOP);
      assert.equal(after.data.topProducts[1].name, 'Teapot XL');
    } finally {
      shop.names['p2'] = 'Teapot';
    }
  });
});
