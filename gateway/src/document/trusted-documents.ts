import { isNewId, tooManyDocuments, type ManifestEntry } from './manifest.ts';

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

  /** The document of an id; `sha256:<hex>` (GraphQL-over-HTTP's documentId) finds a bare hex id too. */
  get(id: string): string | undefined {
    return (this.#entries.get(id) ?? (id.startsWith('sha256:') ? this.#entries.get(id.slice(7)) : undefined))?.body;
  }

  /** Every id held. */
  ids(): string[] {
    return [...this.#entries.keys()];
  }

  /** The body an id is held with and where it was loaded from (exactly this id, no `sha256:` lookup). */
  entry(id: string): { body: string; where: string } | undefined {
    return this.#entries.get(id);
  }

  /**
   * Adds a manifest's entries, all or none: an id already known with another body, or more
   * documents than `maxDocuments`, refuses the whole manifest (ManifestError naming the entry).
   * Returns the entries that were new.
   */
  add(entries: readonly ManifestEntry[]): ManifestEntry[] {
    const added = entries.filter((entry) => isNewId(entry, this.#entries.get(entry.id)));
    const total = this.#entries.size + added.length;
    if (total > this.maxDocuments) throw tooManyDocuments(added[0]?.where.split(' ')[0] ?? 'manifest', total, this.maxDocuments);
    for (const { id, body, where } of added) this.#entries.set(id, { body, where });
    return added;
  }
}
