// Apollo Server prefixes every key it writes to `persistedQueries.cache` with this
// (APQ_CACHE_PREFIX in @apollo/server's requestPipeline; test/gateway/quota/gateway-cost.test.ts
// fails if that ever changes).
const APQ_PREFIX = 'apq:';

/** Longest query text kept (characters); a longer one is simply re-sent by the client. */
const MAX_QUERY_LENGTH = 64 * 1024;

/**
 * The automatic-persisted-query cache, shared by Apollo Server (which registers hash → query, after
 * checking the hash) and stage 4, so that a request carrying only `extensions.persistedQuery` is
 * costed like the full query it stands for. Bounded by entries; a hash it no longer holds gets
 * Apollo's PERSISTED_QUERY_NOT_FOUND and the client re-sends the full query, as with any APQ cache.
 * Implements Apollo's KeyValueCache<string> structurally.
 */
export class PersistedQueryCache {
  // A Map in least-recently-used-first order.
  readonly #entries = new Map<string, string>();

  constructor(private readonly maxEntries = 1000) {}

  /** The query registered under a SHA-256 hash (hex), if held. */
  lookup(sha256Hash: string): string | undefined {
    return this.#get(APQ_PREFIX + sha256Hash);
  }

  async get(key: string): Promise<string | undefined> {
    return this.#get(key);
  }

  async set(key: string, value: string): Promise<void> {
    if (value.length > MAX_QUERY_LENGTH) return;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  async delete(key: string): Promise<boolean> {
    return this.#entries.delete(key);
  }

  #get(key: string): string | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }
}
