import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError } from '../core/config-errors.ts';
import { manifestBounds, type PersistedDocumentsConfig } from './config.ts';
import { ManifestError, parseManifest, type ManifestEntry } from './manifest.ts';
import { TrustedDocuments } from './trusted-documents.ts';

/** Largest manifest file read (bytes): far above 10,000 documents of a real app, far below memory trouble. */
export const MAX_MANIFEST_FILE_BYTES = 64 * 1024 * 1024;

/**
 * `persisted_documents.manifests`: every file read and checked at start-up, all or nothing. Throws
 * ConfigError naming the key, the file and the entry. Returns the store and the entries per file.
 */
export async function loadManifestFiles(
  config: PersistedDocumentsConfig,
  baseDir: string,
  maxTokens: number,
): Promise<{ documents: TrustedDocuments; entries: ManifestEntry[] }> {
  const documents = new TrustedDocuments(config.max_documents);
  const entries: ManifestEntry[] = [];
  const bounds = manifestBounds(config, maxTokens);
  for (const [index, { file }] of config.manifests.entries()) {
    const key = `persisted_documents.manifests[${index}].file`;
    const path = resolve(baseDir, file);
    let text: string;
    try {
      const { size } = await stat(path);
      if (size > MAX_MANIFEST_FILE_BYTES) throw new ConfigError(`${key}: ${file} is ${size} bytes, over ${MAX_MANIFEST_FILE_BYTES}`);
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(`${key}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    try {
      const parsed = parseManifest(text, file, bounds);
      entries.push(...documents.add(parsed));
    } catch (error) {
      if (error instanceof ManifestError) throw new ConfigError(`${key}: ${error.message}`);
      throw error;
    }
  }
  return { documents, entries };
}
