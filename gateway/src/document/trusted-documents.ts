import { canonicalId, isNewId, tooManyDocuments, type ManifestEntry } from './manifest.ts';

/**
 * Trusted documents (persisted operations): id → document text, from every manifest loaded (files
 * at start-up, versions published to Redis later). Only grows while the gateway runs: app versions
 * already in users' hands keep sending the ids of their release. Shared across supergraph reloads;
 * each loaded graph parses, validates and plans the bodies ahead (graph.ts).
 */
export class TrustedDocuments {
  /** By id: the body, and where it was first loaded from (a conflict's message names it). */
  readonly #entries = new Map<string, { body: string; where: string }>();

  /** `maxDocuments`: `persisted_documents.max_documents`, over all manifests together. */
  constructor(readonly maxDocuments: number) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The document of an id in any spelling canonicalId takes as one (`sha256:<hex>` and `<hex>` alike). */
  get(id: string): string | undefined {
    return this.#entries.get(canonicalId(id))?.body;
  }

  /** Every id held, canonical. */
  ids(): string[] {
    return [...this.#entries.keys()];
  }

  /** The body an id (any spelling) is held with and where it was loaded from. */
  entry(id: string): { body: string; where: string } | undefined {
    return this.#entries.get(canonicalId(id));
  }

  /**
   * Adds a manifest's entries, all or none: an id already known with another body, or more
   * documents than `maxDocuments`, refuses the whole manifest (ManifestError naming the entry).
   * Returns the entries that were new.
   */
  add(entries: readonly ManifestEntry[]): ManifestEntry[] {
    // Canonical already when parseManifest read them; held to it here too, so no caller can split one id in two.
    const fresh = new Map<string, ManifestEntry>();
    for (const given of entries) {
      const entry = { ...given, id: canonicalId(given.id) };
      if (isNewId(entry, this.#entries.get(entry.id) ?? fresh.get(entry.id))) fresh.set(entry.id, entry);
    }
    const added = [...fresh.values()];
    const total = this.#entries.size + added.length;
    if (total > this.maxDocuments) throw tooManyDocuments(added[0]?.where.split(' ')[0] ?? 'manifest', total, this.maxDocuments);
    for (const { id, body, where } of added) this.#entries.set(id, { body, where });
    return added;
  }
}
