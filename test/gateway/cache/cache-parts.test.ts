// The edge cache's parts without a network: what a subgraph's cache-control header does to a TTL,
// entity ids for invalidation, canonical key JSON, the admin endpoint's body, the memory store's
// bounds and stamps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'graphql';
import { subgraphTtlMs } from '../../../gateway/src/cache/graph-cache.ts';
import { targetsFromEntities, targetsFromRequest } from '../../../gateway/src/cache/invalidation.ts';
import { CacheKeys, canonicalJson, EntityKeys } from '../../../gateway/src/cache/keys.ts';
import { MemoryCacheStore } from '../../../gateway/src/cache/store.ts';
import { parseConfig } from '../../../gateway/src/config/load.ts';

test("a subgraph's cache-control shortens or forbids, never lengthens", () => {
  assert.equal(subgraphTtlMs(60_000, '', undefined), 60_000);
  assert.equal(subgraphTtlMs(60_000, '', 'public, max-age=10'), 10_000);
  assert.equal(subgraphTtlMs(60_000, '', 'max-age=600'), 60_000);
  assert.equal(subgraphTtlMs(60_000, '', 'max-age=600, s-maxage=5'), 5_000);
  assert.equal(subgraphTtlMs(60_000, '', 'max-age=0'), 0);
  assert.equal(subgraphTtlMs(60_000, '', 'No-Store'), 0);
  assert.equal(subgraphTtlMs(60_000, '', 'no-cache'), 0);
  assert.equal(subgraphTtlMs(60_000, '', 'private, max-age=30'), 0);
  assert.equal(subgraphTtlMs(60_000, 'jwt:u1:app', 'private, max-age=30'), 30_000);
  assert.equal(subgraphTtlMs(60_000, '', 'max-age=abc'), 60_000);
});

test('entity ids: the key fields of each @key the representation holds, canonical', () => {
  const keys = new EntityKeys(
    parse(`
      type Product @join__type(graph: A, key: "upc") @join__type(graph: B, key: "sku region { id }") { upc: ID! sku: ID! }
      type Plain @join__type(graph: A) { id: ID! }
    `),
  );
  assert.deepEqual(keys.ids('Product', { __typename: 'Product', upc: 'p1', weight: 3 }), ['{"upc":"p1"}']);
  assert.deepEqual(keys.ids('Product', { __typename: 'Product', region: { id: 'eu' }, sku: 's1', upc: 'p1' }), ['{"upc":"p1"}', '{"region":{"id":"eu"},"sku":"s1"}']);
  assert.deepEqual(keys.ids('Plain', { __typename: 'Plain', id: 'x' }), ['{"id":"x"}']);
  assert.equal(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null }), '{"a":null,"b":[1,{"c":2,"d":1}]}');
});

test('keys: a hash tag per type; stamps told apart from values', () => {
  const keys = new CacheKeys('t:');
  assert.equal(keys.typeStamp('Product'), 't:cache:{Product}t');
  assert.equal(keys.entityStamp('Product', '{"upc":"p1"}'), 't:cache:{Product}i:{"upc":"p1"}');
  assert.ok(keys.isStamp(keys.typeStamp('Product')) && keys.isStamp(keys.rootsStamp('Product')) && keys.isStamp(keys.entityStamp('Product', '{}')));
  assert.ok(!keys.isStamp(keys.entity('Product', 'd', '{"__typename":"Product","upc":"p1"}')) && !keys.isStamp(keys.root('catalog', 'd')));
  assert.match(keys.entity('Product', 'd', `{"upc":"${'x'.repeat(300)}"}`), /^t:cache:\{Product\}e:d:[A-Za-z0-9_-]{32}$/);
});

test('invalidation bodies: one entity, a type, a list; mistakes named', () => {
  assert.deepEqual(targetsFromRequest({ type: 'Product', key: { upc: 'p1' } }), [{ type: 'Product', key: { upc: 'p1' } }]);
  assert.deepEqual(targetsFromRequest({ type: 'Product' }), [{ type: 'Product' }]);
  assert.deepEqual(targetsFromRequest({ entities: [{ __typename: 'Product', upc: 'p1' }, { __typename: 'User' }] }), [{ type: 'Product', key: { upc: 'p1' } }, { type: 'User' }]);
  assert.throws(() => targetsFromRequest({ type: 'Product', key: 'p1' }), /^TypeError: key: expected/);
  assert.throws(() => targetsFromRequest({ type: 'no such' }), /type: expected a type name/);
  assert.throws(() => targetsFromRequest({ typo: 1 }), /unknown field "typo"/);
  assert.throws(() => targetsFromEntities([{ upc: 'p1' }]), /entity 0: "__typename" must be a type name/);
  assert.throws(() => targetsFromEntities('x'), /expected a list/);
});

test('memory store: bounded by entries, stamps only move forward', () => {
  const keys = new CacheKeys('t:');
  const store = new MemoryCacheStore(2, 1024 * 1024, (key) => keys.isStamp(key));
  store.setNow([
    { key: 'a', value: '1', ttlMs: 60_000 },
    { key: 'b', value: '2', ttlMs: 60_000 },
    { key: 'c', value: '3', ttlMs: 60_000 },
  ]);
  assert.deepEqual(store.getNow(['a', 'b', 'c']), [undefined, '2', '3']);
  const stamp = keys.typeStamp('Product');
  store.setNow([{ key: stamp, value: '200', ttlMs: 60_000 }]);
  store.setNow([{ key: stamp, value: '100', ttlMs: 60_000 }]);
  assert.deepEqual(store.getNow([stamp]), ['200']);
});

test('config: off by default; refused at start-up where it cannot work, naming the key', () => {
  const supergraph = { file: 'supergraph.graphql' };
  const config = parseConfig({ supergraph }, {});
  assert.equal(config.cache.enabled, false);
  assert.equal(config.cache.store, 'memory');
  assert.equal(parseConfig({ supergraph, cache: { enabled: '${ON:-true}' } }, {}).cache.enabled, true);
  assert.throws(() => parseConfig({ supergraph, cache: { enabled: true, store: 'redis' } }, {}), /cache\.store: redis needs redis\.url, redis\.cluster or redis\.sentinel/);
  assert.throws(() => parseConfig({ supergraph, executor: 'apollo', cache: { enabled: true } }, {}), /cache\.enabled: the edge cache runs in Tollgate's executor/);
  assert.throws(() => parseConfig({ supergraph, cache: { max_ttl_s: 0 } }, {}), /cache\.max_ttl_s/);
  assert.throws(() => parseConfig({ supergraph, cache: { sotre: 'redis' } }, {}), /cache.*sotre/);
});
