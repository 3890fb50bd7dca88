import { LruCache, type CacheUsage } from '../core/cache.ts';
import type { PersistedQueryStore } from './apq-store.ts';

/**
 * The memory store (the default) and the shared store's local front: bounded by entries and bytes
 * (`memory.persisted_query_cache`), least recently used dropped first.
 */
export class PersistedQueryCache implements PersistedQueryStore {
  readonly #queries: LruCache<string, string>;

  constructor(
    maxEntries = 1000,
    maxBytes?: number,
    /** `persisted_documents.apq.max_document_bytes`: a longer query is simply re-sent by the client. */
    private readonly maxDocumentBytes = 64 * 1024,
  ) {
    // One-byte characters (V8 keeps ASCII text so), the hash key, the entry.
    this.#queries = new LruCache(maxEntries, { maxBytes, sizeOf: (query, hash) => query.length + hash.length + 96 });
  }

  /** Entries and estimated bytes held. */
  get usage(): CacheUsage {
    return this.#queries;
  }

  lookup(sha256Hash: string): string | undefined {
    return this.#queries.get(sha256Hash);
  }

  register(sha256Hash: string, query: string): void {
    if (query.length <= this.maxDocumentBytes) this.#queries.set(sha256Hash, query);
  }

  async close(): Promise<void> {}
}
