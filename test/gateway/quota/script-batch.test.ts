// The quota store's EVALSHAs of one event-loop turn go to Redis in one pipeline (script-batch.ts):
// one socket write for many requests, each call still settled with its own reply, NOSCRIPT
// included. Checked on a redis-server of the test's own, whose INFO counts the reads it made.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { RedisQuotaStore } from '../../../gateway/src/quota/redis-store.ts';
import type { BucketTake } from '../../../gateway/src/quota/types.ts';
import { OwnRedis } from './helpers.ts';

const requests = (capacity: number): BucketTake => ({ name: 'requests', capacity, windowS: 3600, take: 1 });

describe('EVALSHAs of one turn in one pipeline', () => {
  let redis: OwnRedis;
  let connection: Redis;
  let inspect: Redis;
  let store: RedisQuotaStore;

  before(async () => {
    redis = await OwnRedis.start();
    connection = redis.client();
    inspect = redis.client();
    store = new RedisQuotaStore(connection, { keyPrefix: 'batch:' });
    await store.whenLoaded();
  });
  after(async () => {
    await store.close();
    connection.disconnect();
    inspect.disconnect();
    await redis.kill();
  });

  const readsProcessed = async () => Number(/total_reads_processed:(\d+)/.exec(await inspect.info('stats'))![1]);
  const scriptCalls = async () => Number(/cmdstat_evalsha:calls=(\d+)/.exec(await inspect.info('commandstats'))?.[1] ?? 0);

  test('forty calls of one turn: forty EVALSHAs, each its own decision, sent as one batch', async () => {
    await inspect.config('RESETSTAT');
    const readsBefore = await readsProcessed();
    // Two quota keys interleaved: each call must get its own key's reply, in its key's order.
    const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => store.consume(`k${i % 2}`, [requests(15)])));
    const readsAfter = await readsProcessed();
    assert.equal(await scriptCalls(), 40);
    for (const key of [0, 1]) {
      const own = decisions.filter((_, i) => i % 2 === key);
      assert.deepEqual(own.map((d) => d.admitted), [...Array(15).fill(true), ...Array(5).fill(false)]);
      assert.deepEqual(own.slice(0, 15).map((d) => d.buckets[0]!.remaining), Array.from({ length: 15 }, (_, i) => 14 - i));
    }
    // One write from the store, so Redis read it in one or a few reads (a large write may arrive
    // in parts), plus the INFO calls of this test; one write per call would have been 40 reads.
    assert.ok(readsAfter - readsBefore <= 6, `Redis made ${readsAfter - readsBefore} reads for 40 calls`);
  });

  test('after SCRIPT FLUSH a whole batch gets NOSCRIPT, and every call is sent again as EVAL', async () => {
    assert.equal(await inspect.script('FLUSH'), 'OK');
    const decisions = await Promise.all(Array.from({ length: 10 }, () => store.consume('flushed', [requests(6)])));
    assert.deepEqual(decisions.map((d) => d.admitted), [...Array(6).fill(true), ...Array(4).fill(false)]);
  });
});
