// Stage 4 (document): the operation a request carries, parsed and validated once per distinct query
// string and schema (a bounded LRU that also remembers failures), resolved to the operation that
// will run. Every GraphQL-level refusal happens here, before quotas: syntax, validation, unknown
// operation, a mutation over GET, automatic persisted queries, document limits (limits.ts) per
// client profile, at most one introspection root field, trusted documents (persisted operations)
// and a profile's persisted-only mode. Apollo Server, which executes in stage 6, reads the
// validated document from `documentStore` instead of parsing it again.
import { createHash } from 'node:crypto';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import { LruCache, type CacheUsage } from '../core/cache.ts';
import { withoutSuggestions } from '../core/suggestions.ts';
import { badRequest, GatewayError, type ErrorCode } from '../core/errors.ts';
import type { PersistedQueryStore } from './apq-store.ts';
import type { TrustedDocuments } from './trusted-documents.ts';
import { documentFootprint } from './footprint.ts';
import { NoIntrospection } from './introspection-rule.ts';
import { checkLimits, measureDocument, type DocumentLimits, type OperationMetrics } from './limits.ts';

/** What stage 4 reads of stage 1's output. */
export interface OperationRequest {
  method: 'GET' | 'POST';
  query: string | undefined;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
  extensions: Record<string, unknown> | undefined;
  /** A trusted document's id sent as GraphQL-over-HTTP's `documentId`. */
  documentId?: string | undefined;
}

/** What stage 4 is told of the request's client profile (stage 3's policy object fits it as is). */
export interface DocumentPolicy {
  /** Only trusted documents, by id: a query in the request is refused before it is parsed. */
  readonly persisted_only: boolean;
  /** Introspection for this profile; undefined: `server.introspection`. */
  readonly introspection?: boolean | undefined;
}

const FREE_FORM: DocumentPolicy = Object.freeze({ persisted_only: false });

/** Stage 4's output: a validated document and the operation in it that will run. */
export interface ValidatedOperation {
  /** The cached document: the same object for every request with this query string. */
  document: DocumentNode;
  query: string;
  operation: OperationDefinitionNode;
  /** The operation's own name (quota keys by operation use it); undefined when anonymous. */
  operationName: string | undefined;
  /** `operationName` as the request gave it (what execution is asked to run). */
  requestedOperationName: string | undefined;
  variables: Record<string, unknown> | undefined;
  /** The request's extensions without `persistedQuery`, which this stage has dealt with. */
  extensions: Record<string, unknown> | undefined;
}

export interface DocumentStageOptions {
  /** The API schema documents are validated against. */
  schema: GraphQLSchema;
  /** `limits.parser_max_tokens`. */
  maxTokens: number;
  /** `server.introspection`. */
  introspection: boolean;
  /** Some client profile sets its own `introspection` other than `server.introspection`. */
  introspectionPerProfile?: boolean;
  /** `server.suggestions` (default: `server.introspection`): keep graphql-js's "Did you mean …?" hints. */
  suggestions: boolean;
  /** `limits.max_depth` and its siblings: what every profile without its own value is held to. */
  limits: DocumentLimits;
  /** `limits.profiles.<profile>.*`: a client profile's own values, over `limits`. */
  profileLimits?: Readonly<Record<string, Partial<DocumentLimits>>>;
  /** Automatic persisted queries (memory or Redis), shared across supergraph reloads. */
  persistedQueries: PersistedQueryStore;
  /** Trusted documents (`persisted_documents`), shared across supergraph reloads; default none. */
  trustedDocuments?: TrustedDocuments | undefined;
  /** Where validated documents go for Apollo Server (built before it, since Apollo takes it at construction). */
  documentStore: ValidatedDocumentStore;
  /** Distinct query strings whose outcome is kept; default 1000. */
  cacheSize?: number;
  /** Their estimated heap bytes (documentFootprint) kept at most; default no byte bound. */
  cacheBytes?: number | undefined;
}

/** Counters for tests and metrics: how much parsing and validating the requests cost. */
export interface DocumentStats {
  parses: number;
  validations: number;
  cacheHits: number;
}

interface CachedDocument {
  document: DocumentNode | undefined;
  /** Parse or validation errors, rendered as they are; undefined when the document is valid. */
  failure: GatewayError | undefined;
  hash: string;
  /** Each operation's shape, measured once (document limits); undefined when the document is invalid. */
  metrics: Map<OperationDefinitionNode, OperationMetrics> | undefined;
  /** With introspection per profile: the refusal for a profile without it, when the document introspects. */
  introspection?: GatewayError | undefined;
}

/** Longest query string kept in the cache (characters); longer ones are parsed every time. */
const MAX_CACHED_QUERY_LENGTH = 64 * 1024;

const PERSISTED_QUERY_HEADERS = Object.freeze({ 'cache-control': 'private, no-cache, must-revalidate' });

export class DocumentStage {
  readonly #cache: LruCache<string, CachedDocument>;
  /** Trusted documents' outcomes by text, outside the LRU: their requests never parse (warm). */
  readonly #trusted = new Map<string, CachedDocument>();
  readonly #rules: readonly ValidationRule[];
  readonly #stats: DocumentStats = { parses: 0, validations: 0, cacheHits: 0 };
  /** Each profile's limits, resolved once; profiles without their own get `options.limits`. */
  readonly #profileLimits = new Map<string, DocumentLimits>();
  /** No limit in force counts more unique fields than this. */
  readonly #heightCap: number;

  constructor(private readonly options: DocumentStageOptions) {
    this.#cache = new LruCache(options.cacheSize ?? 1000, { maxBytes: options.cacheBytes, sizeOf: (_, query) => documentFootprint(query.length) });
    // Per profile: validated without the rule, and the rule's verdict kept beside the document.
    this.#rules = options.introspection || options.introspectionPerProfile ? specifiedRules : [...specifiedRules, NoIntrospection];
    let heightCap = options.limits.max_height;
    for (const [profile, own] of Object.entries(options.profileLimits ?? {})) {
      const limits = { ...options.limits, ...own };
      this.#profileLimits.set(profile, limits);
      heightCap = Math.max(heightCap, limits.max_height);
    }
    this.#heightCap = heightCap;
  }

  /** The counters, and how often Apollo Server missed a document here (then it parsed it itself). */
  stats(): Readonly<DocumentStats & { storeMisses: number }> {
    return { ...this.#stats, storeMisses: this.options.documentStore.misses };
  }

  /** Entries and estimated bytes of the document cache. */
  cacheUsage(): CacheUsage {
    return { size: this.#cache.size, bytes: this.#cache.bytes };
  }

  /**
   * Parses and validates trusted documents once, on this graph, so their first request is warm.
   * Returns a message per document that does not validate (they stay: a request gets the errors).
   */
  warm(entries: Iterable<{ body: string; where: string }>): string[] {
    const failures: string[] = [];
    for (const { body, where } of entries) {
      if (this.#trusted.has(body)) continue;
      const cached = this.#cache.get(body) ?? this.parseAndValidate(body);
      this.#trusted.set(body, cached);
      if (cached.failure === undefined) this.options.documentStore.pin(cached.hash, cached.document as DocumentNode);
      else failures.push(`${where}: ${cached.failure.message}`);
    }
    return failures;
  }

  /**
   * What a request for `body` would meet here under `profile` and `policy` (parse, validation,
   * introspection, and for each of its operations the root type and the document limits): throws
   * that GatewayError, or returns the document and its operations. `operations publish` checks a
   * manifest with it, so it refuses exactly what a gateway would refuse, with the same messages.
   */
  check(body: string, profile: string | undefined, policy: DocumentPolicy = FREE_FORM): { document: DocumentNode; operations: OperationDefinitionNode[] } {
    const cached = this.validatedDocument(body, policy);
    const document = cached.document as DocumentNode;
    const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
    for (const operation of operations) {
      if (this.options.schema.getRootType(operation.operation) === undefined) throw missingRootType(operation);
      this.holdToLimits(cached, operation, profile);
    }
    return { document, operations };
  }

  /** The document of `query` as validated here, or its refusal under `policy`: parse, validation, introspection. */
  private validatedDocument(query: string, policy: DocumentPolicy): CachedDocument {
    const cached = this.documentFor(query);
    if (cached.failure) throw cached.failure;
    if (cached.introspection !== undefined && !(policy.introspection ?? this.options.introspection)) throw cached.introspection;
    return cached;
  }

  /** Throws the first document limit of `profile` (else the defaults) that the operation breaks. */
  private holdToLimits(cached: CachedDocument, operation: OperationDefinitionNode, profile: string | undefined): void {
    const limits = (profile !== undefined && this.#profileLimits.get(profile)) || this.options.limits;
    const refused = checkLimits(cached.metrics?.get(operation) as OperationMetrics, limits);
    if (refused !== undefined) throw refused;
  }

  /** A trusted document warmed on this graph, validated: its document and query hash (planned ahead by the wiring). */
  trusted(body: string): { document: DocumentNode; hash: string } | undefined {
    const cached = this.#trusted.get(body);
    return cached?.failure === undefined && cached?.document !== undefined ? { document: cached.document, hash: cached.hash } : undefined;
  }

  /**
   * Throws a GatewayError for every request that cannot run as sent; `profile` (stage 3) picks the
   * limits, `policy` says whether only trusted documents may run. A promise only when an APQ hash
   * has to be looked up in the shared store (`persisted_documents.apq.store: redis`).
   */
  run(request: OperationRequest, profile?: string, policy: DocumentPolicy = FREE_FORM): ValidatedOperation | Promise<ValidatedOperation> {
    // One rule for every profile: two ids for one request is ambiguous (even when they agree).
    if (request.documentId !== undefined && request.extensions?.['persistedQuery'] != null) throw bothIds();
    const resolved = policy.persisted_only ? this.trustedOnly(request) : this.resolveQuery(request);
    if (resolved instanceof Promise) return resolved.then((found) => this.runResolved(request, found, profile, policy));
    return this.runResolved(request, resolved, profile, policy);
  }

  private runResolved(request: OperationRequest, { query, extensions }: ResolvedQuery, profile: string | undefined, policy: DocumentPolicy): ValidatedOperation {
    const cached = this.validatedDocument(query, policy);
    const document = cached.document as DocumentNode;
    const operation = resolveOperation(document, request.operationName);
    if (this.options.schema.getRootType(operation.operation) === undefined) throw missingRootType(operation);
    if (request.method === 'GET' && operation.operation !== 'query') {
      throw badRequest(`GET requests only support query operations, not ${operation.operation} operations`, {
        status: 405,
        headers: { allow: 'POST' },
      });
    }
    this.holdToLimits(cached, operation, profile);
    // APQ registration: a query sent with its hash (a lookup by hash needs none).
    if (request.query !== undefined && request.extensions?.['persistedQuery'] != null) this.options.persistedQueries.register(cached.hash, query);
    return {
      document,
      query,
      operation,
      operationName: operation.name?.value,
      requestedOperationName: request.operationName,
      variables: request.variables,
      extensions,
    };
  }

  /**
   * A persisted-only profile: the id's trusted document, or a refusal before anything is parsed (a
   * query sent along, even a trusted one, is refused too: the client is built to send ids only).
   */
  private trustedOnly(request: OperationRequest): ResolvedQuery {
    if (request.query !== undefined && request.query !== '') {
      throw new GatewayError('PERSISTED_QUERY_ONLY', 'This client may only run trusted documents: send the document id (extensions.persistedQuery.sha256Hash or documentId), not the query.');
    }
    const { id, extensions } = documentIdOf(request);
    if (id === undefined) throw new GatewayError('PERSISTED_QUERY_ONLY', 'This client may only run trusted documents: the request names no document id.');
    return { query: this.trustedBody(id), extensions };
  }

  /** A trusted document's text by id, or PERSISTED_QUERY_NOT_FOUND (400: no query would be taken instead). */
  private trustedBody(id: string): string {
    const body = this.options.trustedDocuments?.get(id);
    if (body === undefined) throw trustedDocumentNotFound(400);
    return body;
  }

  /** The query text, from the request, a trusted document's id, or (automatic persisted queries) its hash. */
  private resolveQuery(request: OperationRequest): ResolvedQuery | Promise<ResolvedQuery> {
    if (request.documentId !== undefined) {
      if (request.query !== undefined) throw badRequest('Send either `query` or `documentId`, not both.');
      return { query: this.trustedBody(request.documentId), extensions: withoutPersistedQuery(request.extensions) };
    }
    const persisted = request.extensions?.['persistedQuery'];
    if (persisted === undefined || persisted === null) {
      if (request.query === undefined || request.query === '') {
        throw badRequest('GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.');
      }
      return { query: request.query, extensions: request.extensions };
    }
    const rest = withoutPersistedQuery(request.extensions as Record<string, unknown>);
    const hash = persistedQueryHash(persisted);
    if (request.query === undefined) {
      const trusted = this.options.trustedDocuments?.get(hash);
      if (trusted !== undefined) return { query: trusted, extensions: rest };
      const registered = this.options.persistedQueries.lookup(hash);
      if (registered instanceof Promise) return registered.then((query) => registeredQuery(query, rest));
      return registeredQuery(registered, rest);
    }
    if (this.documentFor(request.query).hash !== hash) throw badRequest('provided sha does not match query');
    return { query: request.query, extensions: rest };
  }

  private documentFor(query: string): CachedDocument {
    let cached = this.#trusted.get(query) ?? this.#cache.get(query);
    if (cached !== undefined) {
      this.#stats.cacheHits += 1;
      return cached;
    }
    cached = this.parseAndValidate(query);
    if (query.length <= MAX_CACHED_QUERY_LENGTH) this.#cache.set(query, cached);
    if (cached.failure === undefined) this.options.documentStore.add(cached.hash, cached.document as DocumentNode);
    return cached;
  }

  private parseAndValidate(query: string): CachedDocument {
    const hash = createHash('sha256').update(query).digest('hex');
    let document: DocumentNode;
    this.#stats.parses += 1;
    try {
      document = parse(query, { maxTokens: this.options.maxTokens });
    } catch (error) {
      // graphql-js parses recursively: ~4,000 nested selection sets fit in the token limit and
      // overflow the stack. That is the client's document, not a gateway bug (no 500).
      if (error instanceof RangeError) return { document: undefined, failure: tooDeep('GRAPHQL_PARSE_FAILED'), hash, metrics: undefined };
      if (!(error instanceof GraphQLError)) throw error;
      return { document: undefined, failure: graphqlErrors('GRAPHQL_PARSE_FAILED', [error]), hash, metrics: undefined };
    }
    this.#stats.validations += 1;
    let errors: readonly GraphQLError[];
    try {
      errors = validate(this.options.schema, document, this.#rules);
    } catch (error) {
      if (error instanceof RangeError) return { document, failure: tooDeep('GRAPHQL_VALIDATION_FAILED'), hash, metrics: undefined };
      throw error;
    }
    if (errors.length > 0) {
      return { document, failure: graphqlErrors('GRAPHQL_VALIDATION_FAILED', errors, this.options.suggestions), hash, metrics: undefined };
    }
    try {
      const metrics = measureDocument(this.options.schema, document, this.#heightCap);
      if (!this.options.introspectionPerProfile) return { document, failure: undefined, hash, metrics };
      const introspects = validate(this.options.schema, document, [NoIntrospection]);
      const introspection = introspects.length > 0 ? graphqlErrors('GRAPHQL_VALIDATION_FAILED', introspects) : undefined;
      return { document, failure: undefined, hash, metrics, introspection };
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      return { document, failure: error, hash, metrics: undefined };
    }
  }
}

/** The query text a request resolved to, and its extensions without `persistedQuery`. */
interface ResolvedQuery {
  query: string;
  extensions: Record<string, unknown> | undefined;
}

/** An APQ hash's registered query, or PERSISTED_QUERY_NOT_FOUND (200: the client re-sends the query). */
function registeredQuery(query: string | undefined, extensions: Record<string, unknown> | undefined): ResolvedQuery {
  if (query === undefined) throw trustedDocumentNotFound(200);
  return { query, extensions };
}

/**
 * The id a request names its document by (`documentId`, or an APQ-style hash without a query) and
 * its extensions without `persistedQuery`; undefined id when it names none.
 */
function documentIdOf(request: OperationRequest): { id: string | undefined; extensions: Record<string, unknown> | undefined } {
  const persisted = request.extensions?.['persistedQuery'];
  const extensions = withoutPersistedQuery(request.extensions);
  if (persisted === undefined || persisted === null) return { id: request.documentId, extensions };
  // As resolveQuery reads it on the free-form path: a persisted-only client meets the same protocol.
  return { id: persistedQueryHash(persisted), extensions };
}

/**
 * The extensions Apollo Server gets once the document is resolved: all but `persistedQuery` (with
 * persisted queries off there, Apollo would answer PersistedQueryNotSupported to one it sees).
 */
function withoutPersistedQuery(extensions: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (extensions === undefined || !('persistedQuery' in extensions)) return extensions;
  const { persistedQuery: _, ...rest } = extensions;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/** `extensions.persistedQuery`'s hash, once its version (APQ's only one, 1) and shape are checked: on every path. */
function persistedQueryHash(persisted: unknown): string {
  const spec = persisted as { version?: unknown; sha256Hash?: unknown };
  if (spec.version !== 1) throw badRequest('Unsupported persisted query version');
  if (typeof spec.sha256Hash !== 'string') throw badRequest('persistedQuery.sha256Hash must be a string');
  return spec.sha256Hash;
}

/** `documentId` and `extensions.persistedQuery` in one request. */
function bothIds(): GatewayError {
  return badRequest('Send either `documentId` or `extensions.persistedQuery`, not both: one request names its document once.');
}

/** 200 in APQ's protocol (the client re-sends with the query); 400 where no query would be taken. */
function trustedDocumentNotFound(status: 200 | 400): GatewayError {
  return new GatewayError('PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound', { headers: PERSISTED_QUERY_HEADERS, status });
}

/** As graphql-js and Apollo Server resolve `operationName`; a miss is the client's mistake (400). */
function resolveOperation(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode {
  const operation = getOperationAST(document, operationName);
  if (operation) return operation;
  let message: string;
  if (operationName) message = `Unknown operation named "${printable(operationName)}".`;
  else if (document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION)) message = 'Must provide operation name if query contains multiple operations.';
  else message = 'Must provide an operation.';
  throw new GatewayError('OPERATION_RESOLUTION_FAILURE', message);
}

/** A client-sent name in a message: never echoed longer than this (no amplification). */
const MAX_ECHOED_NAME = 100;

function printable(name: string): string {
  return name.length <= MAX_ECHOED_NAME ? name : `${name.slice(0, MAX_ECHOED_NAME)}…`;
}

function tooDeep(code: ErrorCode): GatewayError {
  return graphqlErrors(code, [new GraphQLError('The document nests selection sets too deeply to be processed.')]);
}

/** graphql-js 16 validates a mutation against a schema without Mutation; GraphQL says it is invalid. */
function missingRootType(operation: OperationDefinitionNode): GatewayError {
  const error = new GraphQLError(`The schema has no ${operation.operation} type: ${operation.operation} operations are not supported.`, { nodes: [operation] });
  return graphqlErrors('GRAPHQL_VALIDATION_FAILED', [error]);
}

function graphqlErrors(code: ErrorCode, errors: readonly GraphQLError[], suggestions = true): GatewayError {
  const formatted: GraphQLFormattedError[] = errors.map((error) => {
    const json = error.toJSON();
    const message = suggestions ? json.message : withoutSuggestions(json.message);
    return { ...json, message, extensions: { ...json.extensions, code } };
  });
  return new GatewayError(code, formatted[0]?.message ?? code, { errors: formatted });
}

/**
 * Apollo Server's `documentStore` (a KeyValueCache of validated documents): stage 4 puts every
 * document it validated here under its query hash, so Apollo's request pipeline finds it and
 * skips its own parse and validation. Apollo prefixes keys with a schema hash; each supergraph
 * load builds a new store with its Apollo Server, so the hash after the prefix is key enough. It
 * holds the very documents of stage 4's cache, under the same bounds, so it keeps none alive that
 * stage 4 dropped for long.
 */
export class ValidatedDocumentStore {
  readonly #documents: LruCache<string, DocumentNode>;
  /** Apollo Server asked for a document stage 4 did not hand over (then it parses it itself). */
  misses = 0;

  constructor(size = 1000, maxBytes?: number) {
    this.#documents = new LruCache(size, { maxBytes, sizeOf: (document) => documentFootprint(document.loc?.end ?? 0) });
  }

  /** Trusted documents' parsed forms, outside the LRU (bounded by `persisted_documents.max_documents`). */
  readonly #pinned = new Map<string, DocumentNode>();

  add(hash: string, document: DocumentNode): void {
    if (!this.#pinned.has(hash)) this.#documents.set(hash, document);
  }

  pin(hash: string, document: DocumentNode): void {
    this.#pinned.set(hash, document);
  }

  async get(key: string): Promise<DocumentNode | undefined> {
    const hash = key.slice(key.lastIndexOf(':') + 1);
    const document = this.#pinned.get(hash) ?? this.#documents.get(hash);
    if (document === undefined) this.misses += 1;
    return document;
  }

  async set(key: string, document: DocumentNode): Promise<void> {
    this.#documents.set(key.slice(key.lastIndexOf(':') + 1), document);
  }

  async delete(key: string): Promise<boolean> {
    this.#documents.delete(key.slice(key.lastIndexOf(':') + 1));
    return true;
  }
}
