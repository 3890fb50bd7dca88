// Issue 19 over Redis: the shared store serves a second instance; a mutation's invalidation
// (the subgraph's `invalidateEntities` extension) is seen by a second instance on either store
// (Redis stamps; pub/sub for memory tiers); Redis down (a closed port, a server that never
// answers) → answers served uncached, no error, the failure logged once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { eventually } from '../../support/eventually.ts';
import { startLoggedGateway } from '../../support/gateway.ts';
import { connectTestRedis, deletePrefix, keysUnder, REDIS_URL, uniquePrefix } from '../../support/redis.ts';
import { freePort } from '../quota/helpers.ts';
import { callsDuring, query, startCachedGateway, startShop, type Shop } from './helpers.ts';

const NAME = '{ product(upc: "p1") { name rating } }';

describe('edge cache over Redis', () => {
  let shop: Shop;
  const redis = connectTestRedis();
  const prefixes: string[] = [];
  const gateways: Array<{ stop(): Promise<void> }> = [];
  const started = <T extends { stop(): Promise<void> }>(g: T): T => {
    gateways.push(g);
    return g;
  };
  const prefix = (name: string) => {
    const p = uniquePrefix(name);
    prefixes.push(p);
    return p;
  };

  before(async () => {
    shop = await startShop();
  });
  after(async () => {
    for (const g of gateways) await g.stop();
    await shop?.stop();
    for (const p of prefixes) await deletePrefix(redis, p);
    redis.disconnect();
  });

  test('the Redis store is shared: a second instance answers from what the first cached', async () => {
    const key_prefix = prefix('edge-shared');
    const a = started(await startCachedGateway(shop, { store: 'redis' }, { redis: { url: REDIS_URL, key_prefix } }));
    const b = started(await startCachedGateway(shop, { store: 'redis' }, { redis: { url: REDIS_URL, key_prefix } }));
    const first = await query(a, NAME);
    await eventually('the answer is in Redis', async () => (await keysUnder(redis, `${key_prefix}cache:`)).length >= 2);
    let second: unknown;
    assert.deepEqual(await callsDuring(shop, async () => (second = await query(b, NAME))), { products: 0, reviews: 0 });
    assert.deepEqual(second, first);
  });

  for (const store of ['memory', 'redis'] as const) {
    test(`a mutation's invalidateEntities reaches a second instance (${store} store)`, async () => {
      const key_prefix = prefix(`edge-inv-${store}`);
      const a = started(await startCachedGateway(shop, { store }, { redis: { url: REDIS_URL, key_prefix } }));
      const b = started(await startCachedGateway(shop, { store }, { redis: { url: REDIS_URL, key_prefix } }));
      const ENTITY = '{ topProducts { upc name rating } }';
      await query(b, NAME);
      await query(b, ENTITY);
      await eventually('b answers from its cache', async () => (await callsDuring(shop, () => query(b, NAME))).products === 0);
      // The subgraph renames p1 and says so in its answer's extension.
      shop.names['p1'] = 'Kettle Pro';
      shop.products.next({
        kind: 'status',
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ data: { rename: { upc: 'p1', name: 'Kettle Pro' } }, extensions: { invalidateEntities: [{ __typename: 'Product', upc: 'p1' }] } }),
      });
      try {
        const renamed = await query(a, 'mutation { rename(upc: "p1", name: "Kettle Pro") { upc name } }');
        assert.deepEqual(renamed, { data: { rename: { upc: 'p1', name: 'Kettle Pro' } } });
        await eventually('b sees the new name', async () => (await query(b, NAME)).data.product.name === 'Kettle Pro');
        const list = await query(b, ENTITY);
        assert.equal(list.data.topProducts[0].name, 'Kettle Pro');
      } finally {
        shop.names['p1'] = 'Kettle';
      }
    });
  }

  const hangingServer = async (): Promise<{ port: number; server: Server; sockets: Set<Socket> }> => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as { port: number }).port, server, sockets };
  };

  for (const down of ['closed port', 'server that never answers'] as const) {
    test(`Redis down (${down}): served uncached without error, logged once`, async () => {
      let url: string;
      let hanging: Awaited<ReturnType<typeof hangingServer>> | undefined;
      if (down === 'closed port') {
        url = `redis://127.0.0.1:${await freePort()}`;
      } else {
        hanging = await hangingServer();
        url = `redis://127.0.0.1:${hanging.port}`;
      }
      try {
        const logged = started(
          await startLoggedGateway(shop.supergraph, { cache: { enabled: true, store: 'redis', redis_timeout_ms: 50 }, redis: { url, key_prefix: prefix('edge-down') } }),
        );
        const reference = { data: { product: { name: 'Kettle', rating: 5 } } };
        for (let i = 0; i < 3; i++) {
          let answer: unknown;
          assert.deepEqual(await callsDuring(shop, async () => (answer = await query(logged.gateway as RunningGateway, NAME))), { products: 1, reviews: 1 });
          assert.deepEqual(answer, reference);
        }
        const warnings = logged.logs.filter((line) => String(line['msg']).startsWith('edge cache: the store does not answer'));
        assert.equal(warnings.length, 1, JSON.stringify(logged.logs.map((l) => l['msg'])));
      } finally {
        if (hanging) {
          for (const socket of hanging.sockets) socket.destroy();
          hanging.server.close();
        }
      }
    });
  }
});
