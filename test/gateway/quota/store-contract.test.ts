import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { MemoryQuotaStore } from '../../../gateway/src/quota/memory-store.ts';
import { RedisQuotaStore } from '../../../gateway/src/quota/redis-store.ts';
import type { BucketTake, QuotaStore } from '../../../gateway/src/quota/types.ts';
import { connectTestRedis, deletePrefix, keysUnder, uniquePrefix } from '../../support/redis.ts';

const requests = (capacity: number, windowS = 3600): BucketTake => ({ name: 'requests', capacity, windowS, take: 1 });
const cost = (capacity: number, take: number, windowS = 3600): BucketTake => ({ name: 'cost', capacity, windowS, take });

/** The same contract for every QuotaStore: the memory store must behave exactly like Redis. */
function storeContract(name: string, makeStore: () => QuotaStore) {
  describe(`${name} quota store`, () => {
    const stores: QuotaStore[] = [];
    const fresh = () => {
      const store = makeStore();
      stores.push(store);
      return store;
    };
    after(async () => {
      for (const store of stores) await store.close();
    });

    test('admits exactly `capacity` requests, counting remaining down, then refuses with a Retry-After', async () => {
      const store = fresh();
      const remaining: number[] = [];
      for (let i = 0; i < 5; i++) {
        const decision = await store.consume('client-a', [requests(5)]);
        assert.equal(decision.admitted, true);
        assert.equal(decision.retryAfterS, 0);
        remaining.push(decision.buckets[0]!.remaining);
      }
      assert.deepEqual(remaining, [4, 3, 2, 1, 0]);
      const refused = await store.consume('client-a', [requests(5)]);
      assert.equal(refused.admitted, false);
      assert.equal(refused.buckets[0]!.remaining, 0);
      // One token comes back every window/capacity = 720 s.
      assert.ok(refused.retryAfterS > 700 && refused.retryAfterS <= 720, `retryAfterS ${refused.retryAfterS}`);
      assert.ok(refused.buckets[0]!.resetS >= refused.retryAfterS);
    });

    test('all or nothing: when one bucket is short, no bucket is charged', async () => {
      const store = fresh();
      assert.equal((await store.consume('k', [requests(10), cost(100, 80)])).admitted, true);
      const refused = await store.consume('k', [requests(10), cost(100, 30)]);
      assert.equal(refused.admitted, false);
      assert.equal(refused.buckets[0]!.remaining, 9, 'the request bucket was not charged');
      assert.equal(refused.buckets[1]!.remaining, 20);
      const fits = await store.consume('k', [requests(10), cost(100, 20)]);
      assert.equal(fits.admitted, true);
      assert.deepEqual(fits.buckets.map((b) => b.remaining), [8, 0]);
    });

    test('quota keys are isolated: one client exhausting its quota does not touch another', async () => {
      const store = fresh();
      await store.consume('greedy', [requests(1)]);
      assert.equal((await store.consume('greedy', [requests(1)])).admitted, false);
      assert.equal((await store.consume('polite', [requests(1)])).admitted, true);
    });

    test('a refund is given back with the next consume', async () => {
      const store = fresh();
      assert.equal((await store.consume('r', [cost(100, 90)])).buckets[0]!.remaining, 10);
      store.refund('r', cost(100, 0), 60);
      const next = await store.consume('r', [cost(100, 50)]);
      assert.equal(next.admitted, true);
      assert.equal(next.buckets[0]!.remaining, 20);
    });

    test('a refused request still applies its pending refund', async () => {
      const store = fresh();
      await store.consume('rr', [cost(100, 100)]);
      store.refund('rr', cost(100, 0), 10);
      const refused = await store.consume('rr', [cost(100, 50)]);
      assert.equal(refused.admitted, false);
      assert.equal(refused.buckets[0]!.remaining, 10);
    });

    test('concurrent requests: exactly `capacity` admitted', async () => {
      const store = fresh();
      const decisions = await Promise.all(Array.from({ length: 60 }, () => store.consume('burst', [requests(20)])));
      assert.equal(decisions.filter((d) => d.admitted).length, 20);
    });

    test('the bucket refills continuously: after Retry-After, admitted again', async () => {
      const store = fresh();
      const bucket = requests(2, 1); // a token every 0.5 s
      await store.consume('refill', [bucket]);
      await store.consume('refill', [bucket]);
      const refused = await store.consume('refill', [bucket]);
      assert.equal(refused.admitted, false);
      assert.equal(refused.retryAfterS, 1);
      await sleep(refused.retryAfterS * 1000);
      assert.equal((await store.consume('refill', [bucket])).admitted, true);
    });

    test('a request larger than the whole bucket is refused even when the bucket is full', async () => {
      const store = fresh();
      const decision = await store.consume('huge', [cost(100, 101)]);
      assert.equal(decision.admitted, false);
      assert.equal(decision.buckets[0]!.remaining, 100);
    });
  });
}

storeContract('memory', () => new MemoryQuotaStore());

const redisConnections: Redis[] = [];
const prefixes: string[] = [];
storeContract('redis', () => {
  const redis = connectTestRedis();
  const prefix = uniquePrefix('store-contract');
  redisConnections.push(redis);
  prefixes.push(prefix);
  return new RedisQuotaStore(redis, { keyPrefix: prefix });
});

describe('redis quota store specifics', () => {
  after(async () => {
    const cleanup = connectTestRedis();
    for (const prefix of prefixes) await deletePrefix(cleanup, prefix);
    cleanup.disconnect();
    for (const redis of redisConnections) redis.disconnect();
  });

  test('keys carry a {hash tag} per quota key and expire once the bucket would be full', async () => {
    const redis = connectTestRedis();
    redisConnections.push(redis);
    const prefix = uniquePrefix('hash-tag');
    prefixes.push(prefix);
    const store = new RedisQuotaStore(redis, { keyPrefix: prefix });
    await store.consume('tenant{1}', [requests(10, 60), cost(100, 5, 60)]);
    const keys = (await keysUnder(redis, prefix)).sort();
    assert.deepEqual(keys, [`${prefix}{tenant%7B1%7D}:cost`, `${prefix}{tenant%7B1%7D}:requests`]);
    const ttl = await redis.pttl(keys[1]!);
    assert.ok(ttl > 0 && ttl <= 6000, `requests key TTL ${ttl} ms: one token of 60 s / 10`);
    await store.close();
  });
});
