// Where cached answers and invalidation stamps live: this instance's memory, or Redis. Both hold
// strings under the keys of keys.ts; a look-up of many keys is one round trip.
import { LruCache } from '../core/cache.ts';

export interface CacheStore {
  readonly kind: 'memory' | 'redis';
  /** The values of `keys` (undefined: absent), in one round trip; throws when the store cannot answer. */
  get(keys: readonly string[]): Promise<Array<string | undefined>>;
  /** Keeps each value for its ttl (ms); throws when the store cannot take them. */
  set(entries: ReadonlyArray<StoreEntry>): Promise<void>;
  close(): Promise<void>;
}

export interface StoreEntry {
  readonly key: string;
  readonly value: string;
  readonly ttlMs: number;
}

/** Heap bytes of one entry as the byte bound counts them: UTF-16 key and value and the entry's own objects. */
const sizeOf = (value: string, key: string) => 2 * (key.length + value.length) + 96;

/**
 * This instance's store: an LRU bounded by entries and bytes. Stamps (invalidations) share it, but
 * an evicted stamp must not bring back what it invalidated: a stamp is never evicted alone, the
 * whole store is cleared when stamps reach a tenth of the entry bound (invalidations are rare).
 */
export class MemoryCacheStore implements CacheStore {
  readonly kind = 'memory';
  readonly #entries: LruCache<string, string>;
  readonly #stamps = new Map<string, { value: string; expiresAt: number }>();
  readonly #maxStamps: number;

  constructor(maxEntries: number, maxBytes: number, readonly isStamp: (key: string) => boolean) {
    this.#entries = new LruCache(maxEntries, { maxBytes, sizeOf });
    this.#maxStamps = Math.max(100, Math.floor(maxEntries / 10));
  }

  /** Entries and estimated bytes held (metrics). */
  get usage(): { size: number; bytes: number } {
    return { size: this.#entries.size, bytes: this.#entries.bytes };
  }

  async get(keys: readonly string[]): Promise<Array<string | undefined>> {
    return this.getNow(keys);
  }

  getNow(keys: readonly string[]): Array<string | undefined> {
    const now = Date.now();
    return keys.map((key) => {
      if (!this.isStamp(key)) return this.#entries.get(key, now);
      const stamp = this.#stamps.get(key);
      if (stamp === undefined) return undefined;
      if (stamp.expiresAt <= now) {
        this.#stamps.delete(key);
        return undefined;
      }
      return stamp.value;
    });
  }

  async set(entries: ReadonlyArray<StoreEntry>): Promise<void> {
    this.setNow(entries);
  }

  setNow(entries: ReadonlyArray<StoreEntry>): void {
    const now = Date.now();
    for (const { key, value, ttlMs } of entries) {
      if (!this.isStamp(key)) {
        this.#entries.set(key, value, now + ttlMs);
        continue;
      }
      if (this.#stamps.size >= this.#maxStamps && !this.#stamps.has(key)) {
        // Too many to remember: forget everything they guard instead.
        this.#stamps.clear();
        this.#entries.clear();
      }
      const held = this.#stamps.get(key);
      // A stamp only moves forward (messages from other instances may arrive out of order).
      if (held === undefined || Number(held.value) < Number(value)) this.#stamps.set(key, { value, expiresAt: now + ttlMs });
    }
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#stamps.clear();
  }
}
