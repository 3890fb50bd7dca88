// Stage 4 (document): the GraphQL operation a request carries, parsed once per distinct query
// string (a bounded LRU, `limits.parser_max_tokens` respected), and its estimated cost
// (`demand_control`; the cost module caches the compiled cost per document). In enforce mode an
// operation over `max` ends the request here, before any subgraph is called.
//
// This stage never reports a parse or validation error itself: a document that does not parse, or
// that the cost model cannot price because it names unknown fields, goes on un-costed and Apollo
// Server answers GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED exactly as without demand control.
// Only on the rare refusing path (over `max`, or a valid operation that cannot be costed) is the
// document validated here too (once per document, cached), so an invalid document is never
// refused for its cost instead of for being invalid.
import { getOperationAST, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { GraphQLHttpRequest } from '../http/read-request.ts';
import type { PersistedQueryCache } from './apq-cache.ts';
import type { DemandControlConfig } from '../cost/config.ts';
import { checkEstimatedCost } from '../cost/enforce.ts';
import { CostQueryError } from '../cost/errors.ts';
import { estimateCost, type Variables } from '../cost/estimate.ts';
import { LruCache } from '../core/cache.ts';
import type { CostModel } from '../cost/model.ts';

/** Stage 4's output. */
export interface DocumentOutcome {
  /** The parsed document; undefined when the request has no usable query or it does not parse. */
  document: DocumentNode | undefined;
  /** `operationName` as the request gives it (what Apollo Server executes). */
  requestedOperationName: string | undefined;
  /** The name of the operation that will run, from the document (quota keys by operation use it). */
  operationName: string | undefined;
  variables: Variables;
  /** The estimated cost; undefined when costs are off or the operation cannot be costed. */
  estimatedCost: number | undefined;
}

export interface DocumentStageOptions {
  /** The supergraph's cost model; undefined when nothing needs costs. */
  model: CostModel | undefined;
  demandControl: DemandControlConfig;
  /**
   * A valid operation that cannot be costed (e.g. breaking `@listSize(requireOneSlicingArgument)`)
   * is refused with COST_QUERY_PARSE_FAILURE: set when the cost is needed (enforce mode, cost quotas).
   */
  costRequired: boolean;
  /** `limits.parser_max_tokens`. */
  maxTokens: number;
  /** Automatic persisted queries Apollo Server registered, to cost hash-only requests. */
  persistedQueries?: PersistedQueryCache | undefined;
  /** Distinct query strings whose parsed document is kept; default 1000. */
  cacheSize?: number;
}

interface ParsedDocument {
  /** Undefined: the query does not parse (or has more than parser_max_tokens tokens). */
  document: DocumentNode | undefined;
  /** Whether it validates against the API schema; computed only when needed. */
  valid?: boolean;
}

/** Longest query string kept in the cache (characters); longer ones are parsed every time. */
const MAX_CACHED_QUERY_LENGTH = 64 * 1024;

const NOT_PARSED: ParsedDocument = { document: undefined };

export class DocumentStage {
  readonly #parsed: LruCache<string, ParsedDocument>;
  readonly #enforce: boolean;
  #schema: GraphQLSchema | undefined;

  constructor(private readonly options: DocumentStageOptions) {
    this.#parsed = new LruCache(options.cacheSize ?? 1000);
    this.#enforce = options.model !== undefined && options.demandControl.enabled && options.demandControl.mode === 'enforce';
  }

  /** The cost model; undefined when nothing needs costs. */
  get model(): CostModel | undefined {
    return this.options.model;
  }

  /** `demand_control.cost_extensions`: responses carry `extensions.cost`. */
  get reportsCost(): boolean {
    return this.options.demandControl.cost_extensions;
  }

  /** The API schema Apollo Server validates against (from the gateway's schema-load callback). */
  setSchema(schema: GraphQLSchema): void {
    this.#schema = schema;
  }

  /** Throws CostEstimatedTooExpensiveError (enforce mode) or CostQueryError; never a parse error. */
  run(request: GraphQLHttpRequest): DocumentOutcome {
    const fields = operationFields(request, this.options.persistedQueries);
    const parsed = fields.query === undefined ? NOT_PARSED : this.parse(fields.query);
    const document = parsed.document;
    let operationName = fields.operationName;
    let estimatedCost: number | undefined;
    if (document !== undefined) {
      operationName = getOperationAST(document, fields.operationName)?.name?.value ?? fields.operationName;
      if (this.options.model !== undefined) estimatedCost = this.estimate(this.options.model, parsed, document, fields);
    }
    return { document, requestedOperationName: fields.operationName, operationName, variables: fields.variables, estimatedCost };
  }

  private parse(query: string): ParsedDocument {
    let parsed = this.#parsed.get(query);
    if (parsed !== undefined) return parsed;
    try {
      parsed = { document: parse(query, { maxTokens: this.options.maxTokens, noLocation: true }) };
    } catch {
      parsed = NOT_PARSED;
    }
    if (query.length <= MAX_CACHED_QUERY_LENGTH) this.#parsed.set(query, parsed);
    return parsed;
  }

  private estimate(model: CostModel, parsed: ParsedDocument, document: DocumentNode, fields: OperationFields): number | undefined {
    let cost: number;
    try {
      cost = estimateCost(model, document, fields.operationName, fields.variables);
    } catch (error) {
      if (!(error instanceof CostQueryError)) throw error;
      // Unknown fields or operation: Apollo reports them. A valid operation that cannot be priced
      // is refused only when its cost is needed.
      if (this.options.costRequired && this.isValid(parsed, document) && getOperationAST(document, fields.operationName) !== null) throw error;
      return undefined;
    }
    if (this.#enforce && cost > this.options.demandControl.strategy.static_estimated.max) {
      if (!this.isValid(parsed, document)) return undefined;
      checkEstimatedCost(cost, this.options.demandControl); // throws CostEstimatedTooExpensiveError
    }
    return cost;
  }

  private isValid(parsed: ParsedDocument, document: DocumentNode): boolean {
    if (parsed.valid === undefined) {
      if (this.#schema === undefined) return true;
      parsed.valid = validate(this.#schema, document).length === 0;
    }
    return parsed.valid;
  }
}

interface OperationFields {
  query: string | undefined;
  operationName: string | undefined;
  variables: Variables;
}

/**
 * `query`, `operationName` and `variables` from the POST body or the GET query string. Malformed
 * fields come out undefined: Apollo Server answers them with BAD_REQUEST in stage 6.
 */
export function operationFields(request: GraphQLHttpRequest, persistedQueries?: PersistedQueryCache): OperationFields {
  let query: unknown;
  let operationName: unknown;
  let variables: unknown;
  let extensions: unknown;
  if (request.method === 'POST') {
    const body = request.body;
    if (!isObject(body)) return { query: undefined, operationName: undefined, variables: undefined };
    ({ query, operationName, variables, extensions } = body);
  } else {
    const params = new URLSearchParams(request.search);
    query = params.get('query') ?? undefined;
    operationName = params.get('operationName') ?? undefined;
    variables = jsonParam(params.get('variables'));
    extensions = jsonParam(params.get('extensions'));
  }
  if (typeof query !== 'string' && persistedQueries !== undefined && isObject(extensions)) {
    const persisted = extensions.persistedQuery;
    if (isObject(persisted) && typeof persisted.sha256Hash === 'string') query = persistedQueries.lookup(persisted.sha256Hash);
  }
  return {
    query: typeof query === 'string' ? query : undefined,
    operationName: typeof operationName === 'string' ? operationName : undefined,
    variables: isObject(variables) ? variables : undefined,
  };
}

function jsonParam(value: string | null): unknown {
  if (value === null) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
