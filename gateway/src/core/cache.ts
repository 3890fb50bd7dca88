/**
 * The gateway's one bounded cache (documents, costs, plans, verified tokens). A Map-backed LRU: a
 * hit moves the key to the back; inserting past `maxEntries`, or past `maxBytes` as `sizeOf`
 * estimates each entry, drops from the front. An entry may carry a deadline (ms since the epoch):
 * `get` never returns it at or past that time. `maxEntries` 0 keeps nothing (a cache switched off
 * by config). Bytes bound what entry counts cannot: one operation's plan can be a thousand times
 * another's.
 */
export interface LruCacheOptions<K, V> {
  /** Most bytes kept, as `sizeOf` counts them; default no byte bound. */
  maxBytes?: number | undefined;
  /** An entry's approximate heap footprint in bytes (key included); read once, when it is set. */
  sizeOf?: ((value: V, key: K) => number) | undefined;
}

/** What a cache holds now, for metrics: entries and estimated bytes. */
export interface CacheUsage {
  readonly size: number;
  readonly bytes: number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
  bytes: number;
}

export class LruCache<K, V> implements CacheUsage {
  readonly #entries = new Map<K, Entry<V>>();
  readonly maxBytes: number;
  readonly #sizeOf: ((value: V, key: K) => number) | undefined;
  #bytes = 0;

  constructor(
    readonly maxEntries: number,
    options: LruCacheOptions<K, V> = {},
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new RangeError('maxEntries must be a non-negative integer');
    const { maxBytes = Infinity, sizeOf } = options;
    if (!(maxBytes >= 0)) throw new RangeError('maxBytes must be a non-negative number');
    if (maxBytes !== Infinity && sizeOf === undefined) throw new RangeError('maxBytes needs sizeOf');
    this.maxBytes = maxBytes;
    this.#sizeOf = sizeOf;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The estimated bytes held (0 without `sizeOf`). */
  get bytes(): number {
    return this.#bytes;
  }

  /** The value, unless absent or expired at `now` (default: the current time, read only for entries that expire). */
  get(key: K, now?: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt !== Infinity && entry.expiresAt <= (now ?? Date.now())) {
      this.#bytes -= entry.bytes;
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Keeps the value, unless it alone is over `maxBytes` (then the key holds nothing). */
  set(key: K, value: V, expiresAt = Infinity): void {
    if (this.maxEntries === 0) return;
    this.delete(key);
    const bytes = this.#sizeOf ? this.#sizeOf(value, key) : 0;
    if (bytes > this.maxBytes) return;
    this.#entries.set(key, { value, expiresAt, bytes });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.maxEntries && this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  delete(key: K): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
