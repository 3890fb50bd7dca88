// Issue 18: `redis` takes one server (`url`), a Redis Cluster (`cluster.nodes`) or a master found
// through Sentinel (`sentinel`); one at most, each validated at start-up with a message naming the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../gateway/src/core/config-errors.ts';
import { loadConfigFile, parseConfig } from '../../../gateway/src/config/load.ts';
import { describeRedis, isRedisConfigured } from '../../../gateway/src/core/redis-client.ts';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const parse = (redis: unknown, more: Record<string, unknown> = {}) => parseConfig({ supergraph: { file: 's' }, redis, ...more } as never, {});

function refused(redis: unknown, message: RegExp, more: Record<string, unknown> = {}) {
  assert.throws(
    () => parse(redis, more),
    (error: unknown) => error instanceof ConfigError && message.test(error.message),
    `expected ${message} for ${JSON.stringify(redis)}`,
  );
}

test('a cluster: node URLs, credentials from them; defaults elsewhere unchanged', () => {
  const config = parse({ cluster: { nodes: ['redis://:secret@10.0.0.1:7000', 'redis://:secret@10.0.0.2:7000'] }, key_prefix: 'tg:' });
  assert.deepEqual(config.redis.cluster, { nodes: ['redis://:secret@10.0.0.1:7000', 'redis://:secret@10.0.0.2:7000'] });
  assert.equal(config.redis.url, '');
  assert.equal(config.redis.sentinel, undefined);
  assert.equal(isRedisConfigured(config.redis), true);
  assert.equal(describeRedis(config.redis), 'Redis Cluster via 10.0.0.1:7000, 10.0.0.2:7000', 'no password in what is logged');
});

test('a sentinel deployment: name, sentinels, the master’s credentials and TLS (default off)', () => {
  const config = parse({ sentinel: { name: 'mymaster', nodes: ['redis://10.0.0.5:26379', 'redis://10.0.0.6'], password: 'pw' } });
  assert.deepEqual(config.redis.sentinel, { name: 'mymaster', nodes: ['redis://10.0.0.5:26379', 'redis://10.0.0.6'], password: 'pw', tls: false });
  assert.equal(describeRedis(config.redis), 'master mymaster via Sentinel 10.0.0.5:26379, 10.0.0.6');
  assert.equal(parse({ sentinel: { name: 'm', nodes: ['rediss://s:26379'], tls: 'true' } }).redis.sentinel?.tls, true, 'tls from the environment too');
});

test('no redis at all is the embedded store; any one of the three counts as Redis', () => {
  assert.equal(isRedisConfigured(parse(undefined).redis), false);
  assert.equal(isRedisConfigured(parse({ url: 'redis://127.0.0.1:6379' }).redis), true);
});

test('wrong deployments fail start-up naming the key', () => {
  refused({ url: 'redis://a:6379', cluster: { nodes: ['redis://b:7000'] } }, /redis\.cluster: set only one of redis\.url, redis\.cluster, redis\.sentinel \(here: redis\.url and redis\.cluster\)/);
  refused({ cluster: { nodes: ['redis://b:7000'] }, sentinel: { name: 'm', nodes: ['redis://s'] } }, /redis\.sentinel: set only one of/);
  refused({ cluster: { nodes: [] } }, /redis\.cluster\.nodes: at least one node URL/);
  refused({ cluster: {} }, /redis\.cluster\.nodes: /);
  refused({ cluster: { nodes: ['10.0.0.1:7000'] } }, /redis\.cluster\.nodes\.0: expected a cluster node URL/);
  refused({ cluster: { nodes: ['http://10.0.0.1:7000'] } }, /redis\.cluster\.nodes\.0: expected a cluster node URL/);
  refused({ cluster: { nodes: ['redis://10.0.0.1:7000/2'] } }, /redis\.cluster\.nodes\.0: a Redis Cluster has database 0 only/);
  refused({ cluster: { nodes: ['redis://a:7000', 'rediss://b:7000'] } }, /redis\.cluster\.nodes\.1: every node URL needs the same scheme \(redis:\/\/\)/);
  refused({ cluster: { nodes: ['redis://:x@a:7000', 'redis://:y@b:7000'] } }, /redis\.cluster\.nodes\.1: every node URL needs the same user and password/);
  refused({ cluster: { nodes: ['redis://a:7000'], replicas: true } }, /redis\.cluster\.replicas: unknown key/);
  refused({ sentinel: { nodes: ['redis://s:26379'] } }, /redis\.sentinel\.name: /);
  refused({ sentinel: { name: 'm', nodes: [] } }, /redis\.sentinel\.nodes: at least one sentinel URL/);
  refused({ sentinel: { name: 'm', nodes: ['s:26379'] } }, /redis\.sentinel\.nodes\.0: expected a sentinel URL/);
  refused({ sentinel: { name: 'm', nodes: ['redis://s'], tls: 'yes' } }, /redis\.sentinel\.tls: /);
});

test('the parts that live in Redis accept a cluster or a sentinel, and name all three keys without one', () => {
  const cluster = { cluster: { nodes: ['redis://a:7000'] } };
  const sentinel = { sentinel: { name: 'm', nodes: ['redis://s'] } };
  const parts = { persisted_documents: { apq: { store: 'redis' }, redis: { enabled: true } } };
  for (const redis of [cluster, sentinel]) assert.equal(parse(redis, parts).persisted_documents.apq.store, 'redis');
  assert.deepEqual(parseConfig({ supergraph: { registry: {} }, redis: cluster } as never, {}).supergraph.registry, { timeout_ms: 2000 });
  refused(undefined, /persisted_documents\.apq\.store: redis needs redis\.url, redis\.cluster or redis\.sentinel/, parts);
  assert.throws(() => parseConfig({ supergraph: { registry: {} } } as never, {}), /supergraph\.registry: needs redis\.url, redis\.cluster or redis\.sentinel/);
});

test('in gateway.yaml, node URLs and the password come from the environment', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-redis-config-'));
  const file = join(dir, 'gateway.yaml');
  await writeFile(
    file,
    [
      'supergraph: { file: s.graphql }',
      'redis:',
      '  sentinel:',
      '    name: ${REDIS_MASTER:-mymaster}',
      '    nodes: ["redis://${SENTINEL_HOST}:26379"]',
      '    password: ${REDIS_PASSWORD}',
      '',
    ].join('\n'),
  );
  const { config } = await loadConfigFile(file, { SENTINEL_HOST: '10.1.2.3', REDIS_PASSWORD: 's3cret' });
  assert.deepEqual(config.redis.sentinel, { name: 'mymaster', nodes: ['redis://10.1.2.3:26379'], password: 's3cret', tls: false });
  await assert.rejects(loadConfigFile(file, { SENTINEL_HOST: '10.1.2.3' }), /redis\.sentinel\.password: \$\{REDIS_PASSWORD\}: environment variable REDIS_PASSWORD is not set/);
});
