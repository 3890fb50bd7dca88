// The shared APQ store remembers misses: a hash Redis did not hold is answered as a miss for a
// short while without another GET (bounded, per instance), and a registration of that hash on this
// instance clears it. Real Redis (REDIS_URL), a key prefix of this test's own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { PersistedQueryCache } from '../../../gateway/src/document/apq-cache.ts';
import { apqKey, RedisPersistedQueryStore } from '../../../gateway/src/document/apq-redis-store.ts';
import { connectTestRedis, deletePrefix, REDIS_URL, uniquePrefix } from '../../support/redis.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('APQ store (redis): misses remembered', () => {
  const prefix = uniquePrefix('apq-negative');
  let redis: Redis;
  const stores: RedisPersistedQueryStore[] = [];

  function store(missTtlMs?: number): RedisPersistedQueryStore {
    const created = new RedisPersistedQueryStore(new PersistedQueryCache(100), {
      deployment: { url: REDIS_URL },
      keyPrefix: prefix,
      timeoutMs: 1000,
      ttlS: 60,
      maxDocumentBytes: 65_536,
      logger: pino({ level: 'silent' }),
      ...(missTtlMs === undefined ? {} : { missTtlMs }),
    });
    stores.push(created);
    return created;
  }

  before(() => {
    redis = connectTestRedis();
  });

  after(async () => {
    for (const created of stores) await created.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  test('one unknown hash sent 5 times costs one GET; each other unknown hash costs its own', async () => {
    const instance = store();
    await instance.whenConnected(2000);
    const hash = sha256('query Unknown { hello }');
    for (let i = 0; i < 5; i++) assert.equal(await instance.lookup(hash), undefined);
    assert.equal(instance.stats.getMisses, 1);
    // Random hashes are not repeats: one GET each (the README says so, and what bounds them).
    for (let i = 0; i < 3; i++) assert.equal(await instance.lookup(randomBytes(32).toString('hex')), undefined);
    assert.equal(instance.stats.getMisses, 4);
  });

  test('a registration on this instance clears the remembered miss', async () => {
    const instance = store();
    await instance.whenConnected(2000);
    const text = 'query Registered { hello }';
    assert.equal(await instance.lookup(sha256(text)), undefined);
    instance.register(sha256(text), text);
    assert.equal(await instance.lookup(sha256(text)), text);
    // The SET reaches Redis (not held up by the remembered miss), so other instances find it.
    for (let i = 0; i < 200 && (await redis.get(apqKey(prefix, sha256(text)))) === null; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(await redis.get(apqKey(prefix, sha256(text))), text);
    assert.equal(instance.stats.getMisses, 1);
  });

  test('once the remembered miss expires, a query registered elsewhere is found', async () => {
    const instance = store(1);
    await instance.whenConnected(2000);
    const text = 'query Elsewhere { hello }';
    assert.equal(await instance.lookup(sha256(text)), undefined);
    await redis.set(apqKey(prefix, sha256(text)), text, 'EX', 60);
    await new Promise((resolve) => setTimeout(resolve, 5)); // past the 1 ms it is remembered
    assert.equal(await instance.lookup(sha256(text)), text);
    assert.deepEqual([instance.stats.getMisses, instance.stats.getHits], [1, 1]);
  });
});
