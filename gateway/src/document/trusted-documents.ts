import { ManifestError, type ManifestEntry } from './manifest.ts';

/**
 * Trusted documents (persisted operations): id → document text, from every manifest loaded (files
 * at start-up, versions published to Redis later). Only grows while the gateway runs: app versions
 * already in users' hands keep sending the ids of their release. Shared across supergraph reloads;
 * each loaded graph parses and validates the bodies once (DocumentStage.warm).
 */
export class TrustedDocuments {
  readonly #bodies = new Map<string, string>();

  /** `maxDocuments`: `persisted_documents.max_documents`, over all manifests together. */
  constructor(readonly maxDocuments: number) {}

  get size(): number {
    return this.#bodies.size;
  }

  /** The document of an id; `sha256:<hex>` (GraphQL-over-HTTP's documentId) finds a bare hex id too. */
  get(id: string): string | undefined {
    return this.#bodies.get(id) ?? (id.startsWith('sha256:') ? this.#bodies.get(id.slice(7)) : undefined);
  }

  bodies(): IterableIterator<string> {
    return this.#bodies.values();
  }

  /**
   * Adds a manifest's entries, all or none: an id already known with another body, or more
   * documents than `maxDocuments`, refuses the whole manifest (ManifestError naming the entry).
   * Returns the entries that were new.
   */
  add(entries: readonly ManifestEntry[]): ManifestEntry[] {
    const added: ManifestEntry[] = [];
    for (const entry of entries) {
      const known = this.#bodies.get(entry.id);
      if (known === undefined) added.push(entry);
      else if (known !== entry.body) throw new ManifestError(`${entry.where}: id ${entry.id} is already loaded with another body`);
    }
    if (this.#bodies.size + added.length > this.maxDocuments) {
      throw new ManifestError(
        `${added[0]?.where.split(' ')[0] ?? 'manifest'}: ${this.#bodies.size + added.length} trusted documents, more than persisted_documents.max_documents (${this.maxDocuments})`,
      );
    }
    for (const entry of added) this.#bodies.set(entry.id, entry.body);
    return added;
  }
}
