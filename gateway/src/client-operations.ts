// `tollgate check --operations`: the clients' operations, from trusted-document manifests (Apollo's
// or Relay's format, read by the gateway's own manifest reader) and .graphql / .gql files, given
// as files or folders (searched recursively). Each operation is named with where it came from.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { parse } from 'graphql';
import { MAX_MANIFEST_FILE_BYTES } from './document/manifest-files.ts';
import { ManifestError, parseManifest } from './document/manifest.ts';
import { operationsOf, type ClientOperation } from './schema/usage.ts';

/** Bounds for reading clients' operations: generous (a CI check, not a gateway's memory). */
const BOUNDS = { maxDocuments: 100_000, maxDocumentBytes: 1_048_576, maxTokens: 100_000 };
const OPERATION_FILES = new Set(['.graphql', '.gql']);

export class OperationsInputError extends Error {
  override name = 'OperationsInputError';
}

/** Every operation under `paths`; throws OperationsInputError naming the file that cannot be used. */
export async function loadClientOperations(paths: readonly string[]): Promise<ClientOperation[]> {
  const operations: ClientOperation[] = [];
  for (const path of paths) {
    for (const file of await filesUnder(path)) operations.push(...(await operationsIn(file)));
  }
  return operations;
}

async function filesUnder(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new OperationsInputError(`--operations ${path}: cannot read it: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && (OPERATION_FILES.has(extname(entry.name)) || extname(entry.name) === '.json'))
    .map((entry) => join(entry.parentPath ?? path, entry.name))
    .sort();
}

async function operationsIn(file: string): Promise<ClientOperation[]> {
  const shown = relative(process.cwd(), file) || file;
  let text: string;
  try {
    const { size } = await stat(file);
    if (size > MAX_MANIFEST_FILE_BYTES) throw new OperationsInputError(`--operations ${shown}: ${size} bytes, over ${MAX_MANIFEST_FILE_BYTES}`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof OperationsInputError) throw error;
    throw new OperationsInputError(`--operations ${shown}: cannot read it: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    if (OPERATION_FILES.has(extname(file))) return operationsOf(parse(text, { maxTokens: BOUNDS.maxTokens }), shown);
    // A manifest entry may hold several operations (and its fragments): each is named on its own.
    return parseManifest(text, shown, BOUNDS).flatMap((entry) => operationsOf(parse(entry.body), shown));
  } catch (error) {
    if (error instanceof ManifestError) throw new OperationsInputError(`--operations ${error.message}`);
    throw new OperationsInputError(`--operations ${shown}: ${(error as Error).message}`);
  }
}
