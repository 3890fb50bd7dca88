// Store failure is a property of the store, not of this process's event loop; and a check that
// does time out is reconciled with Redis's late reply, so every admitted request is charged once.
// The Redis is the test's own (DEBUG SLEEP blocks the whole server), on a free port, killed in `after`.
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { RedisClient } from '../../../gateway/src/core/redis-client.ts';
import { withinDeadline } from '../../../gateway/src/quota/deadline.ts';
import { FailoverQuotaStore, type StoreFailureMode } from '../../../gateway/src/quota/failover-store.ts';
import { MemoryQuotaStore } from '../../../gateway/src/quota/memory-store.ts';
import { connectRedis } from '../../../gateway/src/quota/redis-connection.ts';
import { RedisQuotaStore } from '../../../gateway/src/quota/redis-store.ts';
import type { BucketTake } from '../../../gateway/src/quota/types.ts';
import { uniquePrefix } from '../../support/redis.ts';
import { OwnRedis } from './helpers.ts';

const N = 10;
const WINDOW_S = 3600;
const BURST = 60;
const take: BucketTake = { name: 'requests', capacity: N, windowS: WINDOW_S, take: 1 };
const silent = pino({ level: 'silent' });

/** Blocks this process's event loop (what a CPU-heavy request does to a gateway). */
function burnCpu(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

/** Charges Redis holds on a bucket, from its TAT and Redis's own clock (refill < 1 token during a test). */
async function chargesHeld(redis: Redis, key: string): Promise<number> {
  const [tat, [seconds, micros]] = await Promise.all([redis.get(key), redis.time()]);
  if (tat === null) return 0;
  const nowUs = Number(seconds) * 1e6 + Number(micros);
  return Math.ceil((Number(tat) - nowUs) / ((WINDOW_S * 1e6) / N));
}

describe('deadline: event-loop lag is not a slow Redis', () => {
  let redis: OwnRedis;
  before(async () => {
    redis = await OwnRedis.start();
  });
  after(async () => {
    await redis?.kill();
  });

  test('a reply that arrived while the loop was blocked is read, not timed out (ioredis commandTimeout times it out)', async () => {
    const lagAware = new Redis(redis.url, { enableOfflineQueue: false });
    const plain = new Redis(redis.url, { enableOfflineQueue: false, commandTimeout: 50 });
    try {
      await Promise.all([once(lagAware, 'ready'), once(plain, 'ready')]);
      const outcomes = [];
      const oldWay: string[] = [];
      for (let i = 0; i < 8; i++) {
        const checked = withinDeadline(lagAware.ping(), 50);
        const timedOut = plain.ping().then(
          () => 'reply',
          (error: Error) => error.message,
        );
        burnCpu(200); // Redis answers in well under 1 ms; this process cannot read it for 200 ms
        outcomes.push(await checked);
        oldWay.push(await timedOut);
      }
      assert.deepEqual(outcomes.map((o) => o.kind), Array(8).fill('value'));
      assert.ok(outcomes.every((o) => o.lagMs > 50), JSON.stringify(outcomes));
      // The old mechanism, for the record: some of the same replies "timed out" (whether the timer or
      // the socket is served first after the block depends on libuv's phase; either is possible).
      assert.ok(oldWay.includes('Command timed out'), JSON.stringify(oldWay));
    } finally {
      lagAware.disconnect();
      plain.disconnect();
    }
  });

  test('a store that does not answer does time out (bounded)', async () => {
    const outcome = await withinDeadline(new Promise(() => undefined), 30);
    assert.equal(outcome.kind, 'timeout');
  });
});

describe('a Redis slowed by DEBUG SLEEP mid-burst', () => {
  let redis: OwnRedis;
  let inspect: Redis;
  const stores: FailoverQuotaStore[] = [];
  const connections: RedisClient[] = [];

  before(async () => {
    redis = await OwnRedis.start(['--enable-debug-command', 'local']);
    inspect = redis.client();
  });
  after(async () => {
    for (const store of stores) await store.close();
    for (const connection of connections) connection.disconnect();
    inspect?.disconnect();
    await redis?.kill();
  });

  async function storeOn(mode: StoreFailureMode, timeoutMs: number) {
    const connection = connectRedis({ deployment: { url: redis.url }, connectTimeoutMs: 1000 }, silent);
    connections.push(connection);
    const prefix = uniquePrefix('slow-store');
    const shared = new RedisQuotaStore(connection, { keyPrefix: prefix, refundFlushMs: 100 });
    await shared.whenLoaded();
    const store = new FailoverQuotaStore(shared, new MemoryQuotaStore(), { mode, timeoutMs, failureThreshold: 3, probeIntervalMs: 100 }, silent);
    stores.push(store);
    return { store, key: `${prefix}{client}:requests` };
  }

  /** 4 requests, then DEBUG SLEEP on another connection, then the rest of the burst at once. */
  async function burst(store: FailoverQuotaStore, sleepS: number): Promise<number> {
    const outcomes: Array<boolean | 'error'> = [];
    const one = () => store.consume('client', [take]).then((d) => d.admitted, () => 'error' as const);
    for (let i = 0; i < 4; i++) outcomes.push(await one());
    const sleeper = redis.client();
    const slept = sleeper.call('DEBUG', 'SLEEP', String(sleepS)).finally(() => sleeper.disconnect());
    await sleep(20); // let the DEBUG command reach Redis first (ordering only; counts are what is asserted)
    outcomes.push(...(await Promise.all(Array.from({ length: BURST - 4 }, one))));
    await slept;
    return outcomes.filter((o) => o === true).length;
  }

  async function settled(store: FailoverQuotaStore, expected: number): Promise<void> {
    for (let i = 0; i < 100 && store.counters.reconciled < expected; i++) await sleep(50);
    assert.equal(store.counters.reconciled, expected, 'every late reply was reconciled');
    await sleep(300); // refunds flush every 100 ms; forced charges are sent at once
  }

  test('sleep shorter than the deadline: waited through, exactly N admitted, all by Redis, one charge each', async () => {
    const { store, key } = await storeOn('fail_open', 5000);
    const admitted = await burst(store, 1.5);
    assert.equal(admitted, N);
    assert.equal(store.counters.local, 0, 'no request was decided locally');
    assert.equal(store.isDegraded, false);
    assert.equal(await chargesHeld(inspect, key), N);
  });

  test('sleep longer than the deadline (fail_open): decided locally, late replies reconciled: N admitted, N charges in Redis', async () => {
    const { store, key } = await storeOn('fail_open', 200);
    const admitted = await burst(store, 1.5);
    assert.ok(store.counters.local > 0, 'the slow patch was decided locally');
    assert.equal(admitted, N, 'not more, not less: the local limiter started from what Redis last said');
    await settled(store, store.counters.late);
    assert.equal(await chargesHeld(inspect, key), N, 'one charge per admitted request: none doubled, none lost');
    // Redis is back: the probe clears the failed state.
    for (let i = 0; i < 50 && store.isDegraded; i++) await sleep(50);
    assert.equal(store.isDegraded, false);
  });

  test('sleep longer than the deadline (fail_closed): 503s during the sleep, and the charges Redis made for them given back', async () => {
    const { store, key } = await storeOn('fail_closed', 200);
    const admitted = await burst(store, 1.5);
    assert.ok(admitted >= 4 && admitted <= N, `admitted ${admitted}`);
    await settled(store, store.counters.late);
    assert.equal(await chargesHeld(inspect, key), admitted, 'Redis holds exactly the admitted requests');
  });
});

