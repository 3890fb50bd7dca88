// Issue 19: the edge cache with counting subgraphs. A repeated query is served from the cache
// (no subgraph call) until its TTL passes; a partial hit fetches only the misses and answers
// exactly what an uncached gateway answers; PRIVATE data never crosses identities; answers with
// errors and mutations are never kept; the hints give GET responses their Cache-Control.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { postGraphQL } from '../../support/gateway.ts';
import { API_KEYS, callsDuring, lastRepresentations, query, startCachedGateway, startShop, type Shop } from './helpers.ts';
import { startTestGateway } from '../../support/gateway.ts';

const TOP = '{ topProducts { upc name rating } }';

describe('edge cache (memory store)', () => {
  let shop: Shop;
  const gateways: RunningGateway[] = [];
  const gateway = async (...args: Parameters<typeof startCachedGateway> extends [unknown, ...infer Rest] ? Rest : never) => {
    const started = await startCachedGateway(shop, ...args);
    gateways.push(started);
    return started;
  };

  before(async () => {
    shop = await startShop();
  });
  after(async () => {
    for (const started of gateways) await started.stop();
    await shop?.stop();
  });

  test('a repeated query is answered from the cache: no subgraph call, the same answer', async () => {
    const cached = await gateway();
    let first: unknown;
    const cold = await callsDuring(shop, async () => (first = await query(cached, TOP)));
    assert.deepEqual(cold, { products: 1, reviews: 1 });
    let second: unknown;
    const warm = await callsDuring(shop, async () => (second = await query(cached, TOP)));
    assert.deepEqual(warm, { products: 0, reviews: 0 });
    assert.deepEqual(second, first);
    assert.deepEqual(first, { data: { topProducts: [{ upc: 'p1', name: 'Kettle', rating: 5 }, { upc: 'p2', name: 'Teapot', rating: 4 }, { upc: 'p3', name: 'Mug', rating: 3 }] } });
  });

  test('served from the cache until the TTL passes (clock: maxAge 1)', async () => {
    const cached = await gateway();
    const first = await query(cached, '{ clock }');
    assert.deepEqual(await callsDuring(shop, () => query(cached, '{ clock }')), { products: 0, reviews: 0 });
    assert.deepEqual(await query(cached, '{ clock }'), first);
    await sleep(1100);
    let later: any;
    assert.deepEqual(await callsDuring(shop, async () => (later = await query(cached, '{ clock }'))), { products: 1, reviews: 0 });
    assert.notDeepEqual(later, first);
  });

  test('a field without a hint is not cached', async () => {
    const cached = await gateway();
    await query(cached, '{ uncached }');
    assert.deepEqual(await callsDuring(shop, () => query(cached, '{ uncached }')), { products: 1, reviews: 0 });
  });

  test('a partial hit sends only the misses, in one request, and answers as an uncached gateway does', async () => {
    const cached = await gateway();
    const reference = await startTestGateway(shop.supergraph, {});
    gateways.push(reference);
    await query(cached, '{ product(upc: "p2") { rating } }');
    assert.deepEqual(lastRepresentations(shop), [{ __typename: 'Product', upc: 'p2' }]);
    let answer: unknown;
    const partial = await callsDuring(shop, async () => (answer = await query(cached, '{ topProducts { upc name rating } }')));
    // topProducts itself is a miss (this gateway's first); of the ratings only p1's and p3's are.
    assert.deepEqual(partial, { products: 1, reviews: 1 });
    assert.deepEqual(lastRepresentations(shop), [{ __typename: 'Product', upc: 'p1' }, { __typename: 'Product', upc: 'p3' }]);
    assert.deepEqual(answer, await query(reference, '{ topProducts { upc name rating } }'));
  });

  test('PRIVATE data is kept per identity and never for an anonymous caller', async () => {
    const cached = await gateway();
    const as = (client: 'alice' | 'bob') => ({ 'x-api-key': API_KEYS.keys[client] as string });
    const NOTES = '{ topProducts { upc myNote } }';
    const alice = await query(cached, NOTES, as('alice'));
    assert.equal(alice.data.topProducts[0].myNote, 'note on p1 for alice');
    let bob: any;
    assert.deepEqual(await callsDuring(shop, async () => (bob = await query(cached, NOTES, as('bob')))), { products: 0, reviews: 1 });
    assert.equal(bob.data.topProducts[0].myNote, 'note on p1 for bob');
    let again: any;
    assert.deepEqual(await callsDuring(shop, async () => (again = await query(cached, NOTES, as('alice')))), { products: 0, reviews: 0 });
    assert.deepEqual(again, alice);
    // Anonymous: the public root field is cached, the private notes fetched every time.
    await query(cached, NOTES);
    let anonymous: any;
    assert.deepEqual(await callsDuring(shop, async () => (anonymous = await query(cached, NOTES))), { products: 0, reviews: 1 });
    assert.equal(anonymous.data.topProducts[0].myNote, 'note on p1 for nobody');
  });

  test('an answer with errors is not cached', async () => {
    const cached = await gateway();
    shop.failRating.upc = 'p1';
    try {
      const failed = await query(cached, '{ product(upc: "p1") { rating } }');
      assert.equal(failed.data.product.rating, null);
      assert.ok(failed.errors.length > 0);
    } finally {
      shop.failRating.upc = undefined;
    }
    let healed: any;
    assert.deepEqual(await callsDuring(shop, async () => (healed = await query(cached, '{ product(upc: "p1") { rating } }'))), { products: 0, reviews: 1 });
    assert.deepEqual(healed, { data: { product: { rating: 5 } } });
    assert.deepEqual(await callsDuring(shop, () => query(cached, '{ product(upc: "p1") { rating } }')), { products: 0, reviews: 0 });
  });

  test("a subgraph's cache-control response header can forbid keeping an answer", async () => {
    const cached = await gateway();
    const Q = '{ product(upc: "p3") { name } }';
    shop.products.next({ kind: 'status', status: 200, contentType: 'application/json', headers: { 'cache-control': 'no-store' }, body: JSON.stringify({ data: { product: { name: 'Mug' } } }) });
    assert.deepEqual(await query(cached, Q), { data: { product: { name: 'Mug' } } });
    assert.deepEqual(await callsDuring(shop, () => query(cached, Q)), { products: 1, reviews: 0 });
    assert.deepEqual(await callsDuring(shop, () => query(cached, Q)), { products: 0, reviews: 0 });
  });

  test('nothing of a mutation is cached', async () => {
    const cached = await gateway();
    const RENAME = 'mutation { rename(upc: "p3", name: "Mug") { upc name rating } }';
    await query(cached, RENAME);
    assert.deepEqual(await callsDuring(shop, () => query(cached, RENAME)), { products: 1, reviews: 1 });
  });

  test('GET answers carry the Cache-Control the hints give; POST answers no-store', async () => {
    const cached = await gateway();
    const preflight = { 'apollo-require-preflight': 'true' };
    const get = await fetch(`${cached.url}?query=${encodeURIComponent(TOP)}`, { headers: preflight });
    assert.equal(get.status, 200, await get.clone().text());
    assert.equal(get.headers.get('cache-control'), 'public, max-age=60');
    const uncacheable = await fetch(`${cached.url}?query=${encodeURIComponent('{ uncached }')}`, { headers: preflight });
    assert.equal(uncacheable.headers.get('cache-control'), 'no-store');
    const post = await postGraphQL(cached.url, { query: TOP });
    // A POST answer is never for a shared cache: the gateway's standing no-store (README "HTTP").
    assert.equal(post.headers.get('cache-control'), 'no-store');
  });

  test("a GET answer's Cache-Control is narrowed by the subgraphs' own headers", async () => {
    const cached = await gateway();
    const preflight = { 'apollo-require-preflight': 'true' };
    const get = (q: string) => fetch(`${cached.url}?query=${encodeURIComponent(q)}`, { headers: preflight });
    const answer = (name: string, headers: Record<string, string>) =>
      shop.products.next({ kind: 'status', status: 200, contentType: 'application/json', headers, body: JSON.stringify({ data: { product: { name } } }) });
    answer('Teapot', { 'cache-control': 'public, max-age=10' });
    assert.equal((await get('{ product(upc: "p2") { name } }')).headers.get('cache-control'), 'public, max-age=10');
    answer('Mug', { 'cache-control': 'private, max-age=600' });
    assert.equal((await get('query Q { product(upc: "p3") { name } }')).headers.get('cache-control'), 'private, max-age=60');
    answer('Kettle', { 'cache-control': 'no-store' });
    const noStore = await get('query R { product(upc: "p1") { name } }');
    assert.equal(noStore.headers.get('cache-control'), 'no-store');
    assert.equal(noStore.headers.get('vary')?.includes('accept') ?? false, false);
  });

  test('opt-out per profile and per operation', async () => {
    const cached = await gateway(
      { disabled_profiles: ['partner'], disabled_operations: ['Fresh'] },
      { clients: { profiles: { partner: { client_names: ['partner-app'] } } } },
    );
    await query(cached, 'query Fresh { clock }');
    assert.deepEqual(await callsDuring(shop, () => query(cached, 'query Fresh { clock }')), { products: 1, reviews: 0 });
    const partner = { 'apollographql-client-name': 'partner-app' };
    await query(cached, '{ clock }', partner);
    assert.deepEqual(await callsDuring(shop, () => query(cached, '{ clock }', partner)), { products: 1, reviews: 0 });
  });

  test('cache-control: no-cache is honoured for a trusted client only, whose fresh answer replaces the cached one', async () => {
    const cached = await gateway({ no_cache_clients: ['ops'] });
    const Q = '{ product(upc: "p2") { name } }';
    await query(cached, Q);
    const noCache = (client: 'alice' | 'ops') => ({ 'x-api-key': API_KEYS.keys[client] as string, 'cache-control': 'no-cache' });
    assert.deepEqual(await callsDuring(shop, () => query(cached, Q, noCache('alice'))), { products: 0, reviews: 0 });
    assert.deepEqual(await callsDuring(shop, () => query(cached, Q)), { products: 0, reviews: 0 });
    shop.names['p2'] = 'Teapot II';
    try {
      let fresh: any;
      assert.deepEqual(await callsDuring(shop, async () => (fresh = await query(cached, Q, noCache('ops')))), { products: 1, reviews: 0 });
      assert.equal(fresh.data.product.name, 'Teapot II');
      await new Promise((resolve) => setImmediate(resolve));
      const after = await query(cached, Q);
      assert.equal(after.data.product.name, 'Teapot II');
    } finally {
      shop.names['p2'] = 'Teapot';
    }
  });
});
