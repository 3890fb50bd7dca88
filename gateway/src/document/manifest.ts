// Trusted-document manifests: the two formats clients' build tools emit, read into one shape.
//   Apollo:  { "format": "apollo-persisted-query-manifest", "version": 1,
//              "operations": [{ "id", "name", "type", "body" }] }   (@apollo/generate-persisted-query-manifest)
//   Relay:   { "<id>": "<document>", ... }                           (relay-compiler persistConfig)
// Pure: no file or network access, so the gateway (files, Redis) and `tollgate operations publish`
// refuse exactly the same manifests with exactly the same messages.
import { createHash } from 'node:crypto';
import { GraphQLError, parse } from 'graphql';

/** One operation of a manifest: what a request's id resolves to. */
export interface ManifestEntry {
  id: string;
  body: string;
  /** Where it came from, for messages: e.g. `mobile.json operations[3] (GetHome)`. */
  where: string;
}

export interface ManifestBounds {
  /** Most operations in one manifest (`persisted_documents.max_documents`). */
  maxDocuments: number;
  /** Longest document body in characters (`persisted_documents.max_document_bytes`). */
  maxDocumentBytes: number;
  /** `limits.parser_max_tokens`: a body must parse within it, as a request's query must. */
  maxTokens: number;
}

/** A manifest that cannot be used; the message names the source and the entry. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Longest id accepted: sha256 hex is 64, `sha256:` + hex 71; Relay ids are shorter. */
export const MAX_ID_LENGTH = 128;
const ID = /^[\x21-\x7e]+$/;

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * The one spelling of a trusted document's id, used wherever an id is stored, compared or looked
 * up (manifests of every source, `TrustedDocuments`, publish's checks and its Lua script's keys,
 * requests' `documentId` and `persistedQuery.sha256Hash`, REST endpoints' `document_id`). An id
 * shaped like a SHA-256 (64 hex digits, bare or `sha256:`-prefixed as GraphQL-over-HTTP's
 * documentId spells it, any case) is its bare lowercase hex; any other id is itself. So
 * `sha256:<hex>` and `<hex>` can never name two documents.
 */
export function canonicalId(id: string): string {
  if (id.length === 64 && SHA256_HEX.test(id)) return id.toLowerCase();
  if (id.length === 71 && id.startsWith('sha256:') && SHA256_HEX.test(id.slice(7))) return id.slice(7).toLowerCase();
  return id;
}

/** Reads a manifest's JSON text (either format); every body must parse. `source` names it in errors. */
export function parseManifest(text: string, source: string, bounds: ManifestBounds): ManifestEntry[] {
  const { entries, problems } = readManifest(text, source, bounds);
  if (problems[0] !== undefined) throw new ManifestError(problems[0]);
  return entries;
}

/**
 * parseManifest that goes on past a bad entry: the entries that pass, and a message for each one
 * that does not (bad id, too long, does not parse, an id met again with another body), so
 * `operations publish` names them all in one run. What spoils the whole manifest (not JSON, wrong
 * format, too many entries) still throws ManifestError.
 */
export function readManifest(text: string, source: string, bounds: ManifestBounds): { entries: ManifestEntry[]; problems: string[]; total: number } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`${source}: not JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ManifestError(`${source}: expected an Apollo persisted-query manifest or a Relay { "<id>": "<document>" } object`);
  }
  const entries = 'format' in json || 'operations' in json ? apolloEntries(json as Record<string, unknown>, source) : relayEntries(json as Record<string, unknown>, source);
  if (entries.length > bounds.maxDocuments) {
    throw new ManifestError(`${source}: ${entries.length} operations, more than persisted_documents.max_documents (${bounds.maxDocuments})`);
  }
  const seen = new Map<string, ManifestEntry>();
  const problems: string[] = [];
  for (const raw of entries) {
    try {
      checkEntry(raw, bounds);
      const entry = { ...raw, id: canonicalId(raw.id) };
      if (isNewId(entry, seen.get(entry.id))) seen.set(entry.id, entry);
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      problems.push(error.message);
    }
  }
  return { entries: [...seen.values()], problems, total: entries.length };
}

/**
 * The one rule for an id met again (within a manifest, across manifests, across published
 * versions): the same body is the same document, another body is refused. True when `known` is
 * undefined (the id is new); throws ManifestError naming both places otherwise.
 */
export function isNewId(entry: ManifestEntry, known: { body: string; where: string } | undefined): boolean {
  if (known === undefined) return true;
  if (known.body !== entry.body) throw sameIdOtherBody(entry, known.where);
  return false;
}

/** An id already trusted (at `knownWhere`) with another body: every place that refuses one says it so. */
export function sameIdOtherBody(entry: Pick<ManifestEntry, 'id' | 'where'>, knownWhere: string): ManifestError {
  return new ManifestError(`${entry.where}: id ${entry.id} is already in ${knownWhere} with another body`);
}

/** More trusted documents in all than `persisted_documents.max_documents`. */
export function tooManyDocuments(source: string, total: number, maxDocuments: number): ManifestError {
  return new ManifestError(`${source}: ${total} trusted documents, more than persisted_documents.max_documents (${maxDocuments})`);
}

function apolloEntries(json: Record<string, unknown>, source: string): ManifestEntry[] {
  if (json['format'] !== 'apollo-persisted-query-manifest') {
    throw new ManifestError(`${source}: format: expected "apollo-persisted-query-manifest", got ${JSON.stringify(json['format'])}`);
  }
  if (json['version'] !== 1) throw new ManifestError(`${source}: version: expected 1, got ${JSON.stringify(json['version'])}`);
  const operations = json['operations'];
  if (!Array.isArray(operations)) throw new ManifestError(`${source}: operations: expected an array`);
  return operations.map((operation: unknown, index) => {
    const at = `${source} operations[${index}]`;
    if (typeof operation !== 'object' || operation === null) throw new ManifestError(`${at}: expected an object { id, name, type, body }`);
    const { id, name, type, body } = operation as Record<string, unknown>;
    if (typeof id !== 'string') throw new ManifestError(`${at}: id: expected a string`);
    if (typeof body !== 'string') throw new ManifestError(`${at}: body: expected a string`);
    if (type !== undefined && type !== 'query' && type !== 'mutation' && type !== 'subscription') {
      throw new ManifestError(`${at}: type: expected query, mutation or subscription`);
    }
    const label = typeof name === 'string' && name !== '' ? ` (${name.slice(0, 100)})` : '';
    return { id, body, where: `${at}${label}` };
  });
}

function relayEntries(json: Record<string, unknown>, source: string): ManifestEntry[] {
  return Object.entries(json).map(([id, body]) => {
    const at = `${source} ${JSON.stringify(id.slice(0, MAX_ID_LENGTH))}`;
    if (typeof body !== 'string') throw new ManifestError(`${at}: expected a document string`);
    return { id, body, where: at };
  });
}

function checkEntry(entry: ManifestEntry, bounds: ManifestBounds): void {
  if (entry.id.length === 0 || entry.id.length > MAX_ID_LENGTH || !ID.test(entry.id)) {
    throw new ManifestError(`${entry.where}: id: expected 1 to ${MAX_ID_LENGTH} printable ASCII characters without spaces`);
  }
  // An id that says it is the body's SHA-256 (Apollo's manifests, Relay's with SHA256) must be:
  // else a manifest could pass another body off under a hash some other manifest's document owns.
  const id = canonicalId(entry.id);
  if (SHA256_HEX.test(id)) {
    const hash = createHash('sha256').update(entry.body).digest('hex');
    if (hash !== id) throw new ManifestError(`${entry.where}: id ${entry.id} has the form of a SHA-256 but the body's SHA-256 is ${hash}`);
  }
  if (entry.body.length > bounds.maxDocumentBytes) {
    throw new ManifestError(`${entry.where}: body is ${entry.body.length} characters, over persisted_documents.max_document_bytes (${bounds.maxDocumentBytes})`);
  }
  try {
    parse(entry.body, { maxTokens: bounds.maxTokens, noLocation: true });
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : 'nests too deeply to parse';
    throw new ManifestError(`${entry.where}: body does not parse: ${message}`);
  }
}
