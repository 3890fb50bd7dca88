/**
 * The gateway's one bounded cache (documents, costs, plans, verified tokens). A Map-backed LRU: a
 * hit moves the key to the back; inserting past `maxEntries` drops the front. An entry may carry a
 * deadline (ms since the epoch): `get` never returns it at or past that time. `maxEntries` 0 keeps
 * nothing (a cache switched off by config).
 */
export class LruCache<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new RangeError('maxEntries must be a non-negative integer');
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value, unless absent or expired at `now` (default: the current time, read only for entries that expire). */
  get(key: K, now?: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt !== Infinity && entry.expiresAt <= (now ?? Date.now())) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V, expiresAt = Infinity): void {
    if (this.maxEntries === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt });
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
