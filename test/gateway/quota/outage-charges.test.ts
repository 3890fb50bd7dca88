// Requests a fail-open gateway serves on its local limiter while Redis is slow or down are charged
// in Redis too (kept in a backlog, forced into Redis when it is back, before it decides anything
// new), and a late reply never frees a local slot: across a slow patch or an outage, one instance
// admits exactly the limit in total and Redis holds exactly that many charges. Each Redis here is
// the test's own, on a free port, killed in `after`. Loops are bounded; nothing asserts on timing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import pino from 'pino';
import type { RedisClient } from '../../../gateway/src/core/redis-client.ts';
import { FailoverQuotaStore } from '../../../gateway/src/quota/failover-store.ts';
import { MemoryQuotaStore } from '../../../gateway/src/quota/memory-store.ts';
import { connectRedis } from '../../../gateway/src/quota/redis-connection.ts';
import { RedisQuotaStore } from '../../../gateway/src/quota/redis-store.ts';
import type { BucketTake, QuotaDecision } from '../../../gateway/src/quota/types.ts';
import type { FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';
import { uniquePrefix } from '../../support/redis.ts';
import { OwnRedis, SHOP_SDL, startShopSubgraph } from './helpers.ts';

const N = 10;
const WINDOW_S = 3600;
const TIMEOUT_MS = 100;
const FAILURE_THRESHOLD = 3;
const take: BucketTake = { name: 'requests', capacity: N, windowS: WINDOW_S, take: 1 };
const silent = pino({ level: 'silent' });

/** Charges Redis holds on a bucket, from its TAT and Redis's own clock (a token refills every 360 s). */
async function chargesHeld(redis: Redis, key: string): Promise<number> {
  const [tat, [seconds, micros]] = await Promise.all([redis.get(key), redis.time()]);
  if (tat === null) return 0;
  return Math.ceil((Number(tat) - (Number(seconds) * 1e6 + Number(micros))) / ((WINDOW_S * 1e6) / N));
}

async function until(condition: () => boolean | Promise<boolean>, what: string, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await condition()) return;
    await sleep(50);
  }
  assert.fail(`never: ${what}`);
}

/** Redis has every charge it is owed: late replies reconciled, backlog replayed, store recovered. */
async function settled(store: FailoverQuotaStore): Promise<void> {
  await until(
    () => !store.isDegraded && store.counters.reconciled === store.counters.late && store.counters.replayed === store.counters.queued,
    `settled: ${JSON.stringify(store.counters)}`,
  );
  await sleep(200); // forced charges of reconciled replies are sent at once; let them land
}

describe('fail_open: a slow patch or an outage admits exactly the limit, each request charged once in Redis', () => {
  let redis: OwnRedis;
  let inspect: Redis;
  const stores: FailoverQuotaStore[] = [];
  const connections: RedisClient[] = [];

  before(async () => {
    redis = await OwnRedis.start(['--enable-debug-command', 'local']);
    inspect = redis.client();
    inspect.on('error', () => undefined); // one test kills and restarts this Redis
  });
  after(async () => {
    for (const store of stores) await store.close();
    for (const connection of connections) connection.disconnect();
    inspect?.disconnect();
    await redis?.kill();
  });

  function storeOn() {
    const connection = connectRedis({ deployment: { url: redis.url }, connectTimeoutMs: 1000 }, silent);
    connections.push(connection);
    const prefix = uniquePrefix('outage-charges');
    const shared = new RedisQuotaStore(connection, { keyPrefix: prefix, refundFlushMs: 100 });
    const store = new FailoverQuotaStore(
      shared,
      new MemoryQuotaStore(),
      { mode: 'fail_open', timeoutMs: TIMEOUT_MS, failureThreshold: FAILURE_THRESHOLD, probeIntervalMs: 100 },
      silent,
    );
    stores.push(store);
    return { shared, store, key: `${prefix}{client}:requests` };
  }

  /** One request every `everyMs` (not waiting for the previous answer, as a client would not). */
  async function sequential(store: FailoverQuotaStore, count: number, everyMs: number, at?: Map<number, () => unknown>): Promise<QuotaDecision[]> {
    const pending: Array<Promise<QuotaDecision>> = [];
    for (let i = 0; i < count; i++) {
      at?.get(i)?.();
      pending.push(store.consume('client', [take]));
      await sleep(everyMs);
    }
    return Promise.all(pending);
  }

  test(`requests every 70 ms across a DEBUG SLEEP longer than failure_threshold × timeout_ms: exactly ${N} in total, ${N} charges`, async () => {
    const { shared, store, key } = storeOn();
    await shared.whenLoaded();
    const sleeper = redis.client();
    let slept: Promise<unknown> = Promise.resolve();
    // At the 4th request Redis sleeps 2 s (> 3 × 100 ms): late checks, then the store marked failed.
    const during = await sequential(store, 35, 70, new Map([[3, () => (slept = sleeper.call('DEBUG', 'SLEEP', '2'))]]));
    await slept;
    sleeper.disconnect();
    assert.ok(store.counters.late > 0, `the slow patch was crossed: ${JSON.stringify(store.counters)}`);
    assert.ok(store.counters.queued > 0, `requests were decided while Redis was marked failed: ${JSON.stringify(store.counters)}`);
    await until(() => !store.isDegraded, 'Redis is back');
    const afterwards = await sequential(store, 15, 50);
    const admitted = [...during, ...afterwards].filter((d) => d.admitted).length;
    assert.equal(admitted, N, `admitted across the slow patch and after it: ${JSON.stringify(store.counters)}`);
    assert.ok(afterwards.every((d) => !d.admitted), 'Redis, back, refuses: it holds the local charges');
    await settled(store);
    assert.equal(await chargesHeld(inspect, key), N, 'Redis holds one charge per admitted request');
  });

  test(`Redis down at start, then started: exactly ${N} in total (local, then Redis), ${N} charges`, async () => {
    await redis.kill();
    const { store, key } = storeOn();
    store.markFailed(new Error('no Redis connection within ready_wait_ms')); // what start-up does after the wait
    const down = await sequential(store, 5, 70);
    assert.equal(down.filter((d) => d.admitted).length, 5, 'served on the local limiter');
    await redis.restart();
    const up = await sequential(store, 20, 70);
    const admitted = [...down, ...up].filter((d) => d.admitted).length;
    assert.equal(admitted, N, JSON.stringify(store.counters));
    await settled(store);
    // The 5, and any served locally after the restart before the probe found Redis back.
    assert.ok(store.counters.replayed >= 5, `the local charges were forced into Redis: ${JSON.stringify(store.counters)}`);
    assert.equal(await chargesHeld(inspect, key), N);
  });

  test('a refund made while Redis is failed reaches Redis after its charge', async () => {
    const cost: BucketTake = { name: 'cost', capacity: 100, windowS: WINDOW_S, take: 40 };
    const { shared, store, key } = storeOn();
    await shared.whenLoaded();
    store.markFailed(new Error('test'));
    const decision = await store.consume('client', [cost]);
    assert.equal(decision.admitted, true);
    store.refund('client', cost, 30); // the actual cost was 10
    await settled(store);
    const costKey = key.replace(/:requests$/, ':cost');
    const [tat, [seconds, micros]] = await Promise.all([inspect.get(costKey), inspect.time()]);
    assert.notEqual(tat, null, 'Redis holds the charge');
    const held = (Number(tat) - (Number(seconds) * 1e6 + Number(micros))) / ((WINDOW_S * 1e6) / 100);
    assert.ok(held > 9 && held <= 10, `Redis holds the actual cost, 10 (got ${held})`);
  });
});

describe('the script is called by its SHA from the first call on', () => {
  let redis: OwnRedis;
  before(async () => {
    redis = await OwnRedis.start();
  });
  after(async () => {
    await redis?.kill();
  });

  test('INFO commandstats: EVALSHA only, no EVAL (and a SCRIPT FLUSH is recovered from)', async () => {
    const connection = connectRedis({ deployment: { url: redis.url }, connectTimeoutMs: 1000 }, silent);
    const inspect = redis.client();
    const shared = new RedisQuotaStore(connection, { keyPrefix: uniquePrefix('evalsha') });
    try {
      await shared.whenLoaded();
      for (let i = 0; i < 5; i++) assert.equal((await shared.consume('client', [take])).admitted, true);
      const stats = await inspect.info('commandstats');
      assert.doesNotMatch(stats, /cmdstat_eval:/);
      assert.match(stats, /cmdstat_evalsha:calls=5,/);
      await inspect.script('FLUSH');
      const decision = await shared.consume('client', [take]);
      assert.equal(decision.admitted, true);
      assert.equal(decision.buckets[0]!.remaining, N - 6);
    } finally {
      await shared.close();
      connection.disconnect();
      inspect.disconnect();
    }
  });
});

describe('/ready after redis.ready_wait_ms with Redis down', () => {
  let shop: FixtureSubgraph;
  let sdl: string;
  let redis: OwnRedis;

  before(async () => {
    shop = await startShopSubgraph();
    sdl = composeForTest([{ name: 'shop', routingUrl: shop.url, sdl: SHOP_SDL }]);
    redis = await OwnRedis.start();
    await redis.kill(); // its port is known and nothing answers there yet
  });
  after(async () => {
    await redis.kill();
    await shop.stop();
  });

  test(`degraded at once; served locally, then Redis started: exactly ${N} admitted, ${N} charges`, async () => {
    const prefix = uniquePrefix('ready-degraded');
    const gateway = await startTestGateway(sdl, {
      redis: { url: redis.url, key_prefix: prefix, ready_wait_ms: 200, timeout_ms: TIMEOUT_MS, probe_interval_ms: 100 },
      quotas: { on_store_failure: 'fail_open', rules: [{ key: ['ip'], requests: { limit: N, window_s: WINDOW_S } }] },
    });
    const readyUrl = gateway.url.replace(/\/graphql$/, '/ready');
    const quotasAtReady = async () => ((await (await fetch(readyUrl)).json()) as { quotas: { degraded: boolean } }).quotas;
    let inspect: Redis | undefined;
    try {
      const ready = await fetch(readyUrl);
      assert.equal(ready.status, 200);
      assert.deepEqual(((await ready.json()) as { quotas: unknown }).quotas, { store: 'redis', on_store_failure: 'fail_open', degraded: true });

      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await postGraphQL(gateway.url, { query: '{ hello }' })).status);
      await redis.restart();
      inspect = redis.client();
      await until(async () => !(await quotasAtReady()).degraded, '/ready says degraded: false');
      for (let i = 0; i < 10; i++) statuses.push((await postGraphQL(gateway.url, { query: '{ hello }' })).status);
      assert.equal(statuses.filter((s) => s === 200).length, N, JSON.stringify(statuses));
      assert.equal(statuses.filter((s) => s === 429).length, 15 - N);
      const keys = await inspect.keys(`${prefix}*:requests`);
      assert.equal(keys.length, 1, JSON.stringify(keys));
      assert.equal(await chargesHeld(inspect, keys[0]!), N);
    } finally {
      inspect?.disconnect();
      await gateway.stop();
    }
  });
});
