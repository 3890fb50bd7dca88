// The shared store: every instance reads and writes the same Redis. A look-up is one MGET. On a
// Redis Cluster an MGET must stay in one slot: every key of one type carries the type's {hash
// tag} (keys.ts), so an entity fetch's look-up is one slot; keys of several slots (a root fetch's
// type stamps) are split per slot and sent at once, in parallel: one round trip's wait.
import calculateSlot from 'cluster-key-slot';
import { isCluster, type RedisClient } from '../core/redis-client.ts';
import type { CacheStore, StoreEntry } from './store.ts';

export class RedisCacheStore implements CacheStore {
  readonly kind = 'redis';

  constructor(private readonly redis: RedisClient) {}

  async get(keys: readonly string[]): Promise<Array<string | undefined>> {
    if (keys.length === 0) return [];
    if (!isCluster(this.redis)) return (await this.redis.mget(...keys)).map((v) => v ?? undefined);
    const bySlot = new Map<number, number[]>();
    keys.forEach((key, index) => {
      const slot = calculateSlot(key);
      const list = bySlot.get(slot);
      if (list) list.push(index);
      else bySlot.set(slot, [index]);
    });
    const values: Array<string | undefined> = new Array(keys.length);
    await Promise.all(
      [...bySlot.values()].map(async (indices) => {
        const answer = await this.redis.mget(...indices.map((i) => keys[i] as string));
        indices.forEach((i, n) => (values[i] = answer[n] ?? undefined));
      }),
    );
    return values;
  }

  async set(entries: ReadonlyArray<StoreEntry>): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { key, value, ttlMs } of entries) pipeline.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed) throw failed[0];
  }

  async close(): Promise<void> {
    // The client is the caller's (edge-cache.ts closes it).
  }
}
