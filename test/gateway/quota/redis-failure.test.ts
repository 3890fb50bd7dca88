// The quota store's Redis dies mid-test and comes back: a redis-server of this test's own (the
// shared one is never touched), with two gateways on it, one fail_open and one fail_closed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayConfigInput } from '../../../gateway/src/config/schema.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import type { FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';
import { scrape, series, value } from '../../support/metrics.ts';
import { apiKeysFor, OwnRedis, SHOP_SDL, startShopSubgraph } from './helpers.ts';

const apiKeys = apiKeysFor([{ clientId: 'a' }, { clientId: 'poller' }]);
const as = (client: string) => ({ 'x-api-key': apiKeys.keys[client]! });
const LIMIT = 3;

describe('a dead, restarted and flushed Redis', () => {
  let redis: OwnRedis;
  let subgraph: FixtureSubgraph;
  let open: RunningGateway;
  let closed: RunningGateway;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  before(async () => {
    process.on('unhandledRejection', onRejection);
    redis = await OwnRedis.start();
    subgraph = await startShopSubgraph();
    const supergraph = composeForTest([{ name: 'shop', routingUrl: subgraph.url, sdl: SHOP_SDL }]);
    const config = (onStoreFailure: 'fail_open' | 'fail_closed', prefix: string): Omit<GatewayConfigInput, 'supergraph'> => ({
      authentication: { api_keys: apiKeys.config },
      // A generous deadline: this test is about a dead Redis, not a slow machine.
      redis: { url: redis.url, key_prefix: prefix, timeout_ms: 1000 },
      quotas: {
        on_store_failure: onStoreFailure,
        rules: [{ requests: { limit: LIMIT, window_s: 3600 }, clients: { poller: { requests: { limit: 10_000, window_s: 100_000_000 } } } }],
      },
    });
    open = await startTestGateway(supergraph, config('fail_open', 'open:'));
    closed = await startTestGateway(supergraph, config('fail_closed', 'closed:'));
  });

  after(async () => {
    await open?.stop();
    await closed?.stop();
    await subgraph?.stop();
    await redis?.kill();
    process.off('unhandledRejection', onRejection);
  });

  const hello = (gateway: RunningGateway, client: string) => postGraphQL(gateway.url, { query: '{ hello }' }, as(client));
  const ready = async (gateway: RunningGateway) => (await (await fetch(gateway.url.replace('/graphql', '/ready'))).json()) as any;

  /** Polls with a client of its own until the gateway's store is shared (Redis) again. */
  async function waitUntilShared(gateway: RunningGateway): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const result = await hello(gateway, 'poller');
      if (result.status === 200 && (await ready(gateway)).quotas.degraded === false) return;
      await sleep(100);
    }
    assert.fail('the gateway did not go back to the shared store within 20 s');
  }

  test('with Redis up, both gateways count in Redis', async () => {
    const first = await hello(open, 'a');
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-ratelimit-remaining'), '2');
    assert.equal((await hello(closed, 'a')).status, 200);
    const readyBody = await ready(open);
    assert.equal(readyBody.status, 'ready');
    assert.deepEqual(readyBody.quotas, { store: 'redis', on_store_failure: 'fail_open', degraded: false });
    const client = redis.client();
    try {
      assert.equal(await client.exists('open:{default|profile=default|client=a}:requests'), 1);
      assert.equal(await client.exists('closed:{default|profile=default|client=a}:requests'), 1);
    } finally {
      client.disconnect();
    }
  });

  test('Redis killed: fail_open admits under a local limit, fail_closed answers 503', async () => {
    await redis.kill();
    // fail_open: a local bucket per instance, with the same limit, starting from what Redis last
    // said about client a (1 of 3 used through this instance): 2 more admitted, then 429.
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) statuses.push((await hello(open, 'a')).status);
    assert.deepEqual(statuses, [200, 200, 429, 429, 429]);
    assert.deepEqual((await ready(open)).quotas, { store: 'redis', on_store_failure: 'fail_open', degraded: true });

    const calls = subgraph.received.length;
    const refused = await hello(closed, 'a');
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.deepEqual(refused.body, {
      errors: [{ message: 'Rate limiting is unavailable; try again shortly', extensions: { code: 'QUOTA_STORE_UNAVAILABLE' } }],
    });
    assert.equal(subgraph.received.length, calls, 'fail_closed calls no subgraph');
    assert.equal((await ready(closed)).quotas.degraded, true);

    // What an operator's alert sees: the store down, Redis round trips failing, the 503 counted.
    const samples = await scrape(closed);
    assert.deepEqual(series(samples, 'tollgate_quota_store_up'), ['{"store":"redis"} 0']);
    assert.ok((value(samples, 'tollgate_redis_command_errors_total', { command: 'gcra' }) ?? 0) >= 1, 'a failed EVALSHA is counted');
    assert.equal(value(samples, 'tollgate_quota_decisions_total', { decision: 'store_error', rule: 'none', profile: 'default' }), 1);
  });

  test('Redis restarted: shared limits apply again without restarting the gateways', async () => {
    await redis.restart();
    await waitUntilShared(open);
    await waitUntilShared(closed);
    assert.deepEqual(series(await scrape(closed), 'tollgate_quota_store_up'), ['{"store":"redis"} 1']);
    // The restarted Redis came back empty, but the 2 requests served locally during the outage are
    // owed to it and forced in on recovery: 2 of 3 used, so exactly 1 more is admitted — and it is
    // Redis that admits it (a's local bucket is exhausted and would refuse).
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) statuses.push((await hello(open, 'a')).status);
    assert.deepEqual(statuses, [200, 429, 429, 429]);
    assert.equal((await hello(closed, 'a')).status, 200);
    const client = redis.client();
    try {
      assert.equal(await client.exists('open:{default|profile=default|client=a}:requests'), 1);
    } finally {
      client.disconnect();
    }
  });

  test('SCRIPT FLUSH on the Redis: NOSCRIPT makes the script load again, the count carries on', async () => {
    const client = redis.client();
    try {
      const before = await hello(closed, 'poller');
      const remainingBefore = Number(before.headers.get('x-ratelimit-remaining'));
      assert.equal(await client.script('FLUSH'), 'OK');
      await client.config('RESETSTAT');
      const afterFlush = await hello(closed, 'poller');
      assert.equal(afterFlush.status, 200, 'fail_closed would have answered 503 had the call failed');
      assert.equal(Number(afterFlush.headers.get('x-ratelimit-remaining')), remainingBefore - 1);
      // fail_open too, and it is still Redis deciding (a's shared bucket is empty: 429, not a local 200).
      assert.equal((await hello(open, 'a')).status, 429);
      assert.equal((await ready(open)).quotas.degraded, false);
      // The script was sent again after the flush (EVALSHA → NOSCRIPT → EVAL).
      const stats = await client.info('commandstats');
      assert.match(stats, /cmdstat_eval:calls=[1-9]/, stats);
    } finally {
      client.disconnect();
    }
  });

  test('no unhandled rejection on the way', () => {
    assert.deepEqual(rejections, []);
  });
});
