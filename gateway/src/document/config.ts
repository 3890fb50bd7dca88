import { z } from 'zod';
import { configBoolean, configNumber } from '../core/config-values.ts';
import type { ManifestBounds } from './manifest.ts';

/** One manifest file (`persisted_documents.manifests[]`): Apollo's or Relay's format, told apart by its content. */
const manifestFileSchema = z.strictObject({
  /** Path of the JSON manifest, relative to the config file. */
  file: z.string().min(1),
});

/**
 * `persisted_documents.apq`: automatic persisted queries (Apollo's APQ): a client sends a query's
 * SHA-256 with the query once, then the hash alone. Kept in this instance's memory, or in Redis so
 * that a query registered on one instance is found on every other.
 */
const apqConfigSchema = z.strictObject({
  /** memory: this instance only (default); redis: shared under `redis.url` and `redis.key_prefix`. */
  store: z.enum(['memory', 'redis']).default('memory'),
  /** redis: a registered query expires this long after its last registration; default 86400 (a day). */
  ttl_s: configNumber(z.number().int().positive().max(31_536_000, 'at most a year (31536000)')).default(86_400),
  /** Longest query registered (characters); a longer one runs but is not kept, in memory or in Redis. Default 65536. */
  max_document_bytes: configNumber(z.number().int().positive()).default(65_536),
});

export type ApqConfig = z.infer<typeof apqConfigSchema>;

/**
 * `persisted_documents`: trusted documents (persisted operations) a request names by id
 * (`extensions.persistedQuery.sha256Hash` or `documentId`) instead of sending the query. Loaded,
 * parsed and validated at start-up; a bad manifest fails start-up naming the file and the entry.
 */
export const persistedDocumentsConfigSchema = z.strictObject({
  /** Manifest files; default none. */
  manifests: z.array(manifestFileSchema).default([]),
  /** Most trusted documents held, all manifests together; default 10000. */
  max_documents: configNumber(z.number().int().positive()).default(10_000),
  /** Longest trusted document body in characters; default 65536 (APQ has its own: `apq.max_document_bytes`). */
  max_document_bytes: configNumber(z.number().int().positive()).default(65_536),
  /**
   * Trusted documents are planned into the plan cache when a supergraph loads, up to the cache's
   * bounds (`memory.plan_cache`): the graph waits this long for it before it serves, and plans the
   * rest in the background. 0: all in the background. Default 10000.
   */
  plan_wait_ms: configNumber(z.number().int().nonnegative()).default(10_000),
  /** Follow manifests published with `tollgate operations publish` (under `redis.key_prefix`). */
  redis: z
    .strictObject({
      /** Default false. Needs `redis.url`. */
      enabled: configBoolean().default(false),
      /** Besides pub/sub, read new versions this often (what a dropped subscription missed); default 30000. */
      poll_interval_ms: configNumber(z.number().int().positive()).default(30_000),
    })
    .prefault({}),
  apq: apqConfigSchema.prefault({}),
});

export type PersistedDocumentsConfig = z.infer<typeof persistedDocumentsConfigSchema>;

/** What every manifest is checked against (files, published versions, `operations publish`). */
export function manifestBounds(config: PersistedDocumentsConfig, maxTokens: number): ManifestBounds {
  return { maxDocuments: config.max_documents, maxDocumentBytes: config.max_document_bytes, maxTokens };
}
