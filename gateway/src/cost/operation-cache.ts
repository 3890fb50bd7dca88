// Compiled operations per (document, operation name). A document's cost depends only on the
// document, the operation chosen and the variables that size lists, skip selections or fill
// arguments, so the compiled form (a number when no variable matters) is kept: the hot path is a
// map lookup. Document strings go in a bounded LRU; parsed DocumentNodes (Apollo Server's own
// document cache hands the same object back) in a WeakMap that lives as long as they do.
import { GraphQLError, Kind, parse, valueFromASTUntyped, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { compileOperationCost } from './compile.ts';
import type { Cost } from './cost-expr.ts';
import { CostQueryError } from './errors.ts';
import { LruCache } from '../core/cache.ts';
import type { CostModel } from './model.ts';

export interface CompiledOperation {
  operation: OperationDefinitionNode;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** The operation's variable defaults, merged under the request's variables; undefined when none. */
  variableDefaults: Readonly<Record<string, unknown>> | undefined;
  /** The estimate, or why the operation cannot be estimated (the actual cost can still be taken). */
  cost: Cost | CostQueryError;
}

/** Longest document string kept in the cache (characters). */
export const MAX_CACHED_DOCUMENT_LENGTH = 64 * 1024;

/** Per document: operation name ('' for none) → compiled operation, or why there is none. */
type DocumentEntry = Map<string, CompiledOperation | CostQueryError>;

export class OperationCache {
  readonly #byString: LruCache<string, DocumentEntry>;
  readonly #byNode = new WeakMap<DocumentNode, DocumentEntry>();
  #hits = 0;
  #misses = 0;

  constructor(maxDocuments: number) {
    this.#byString = new LruCache(maxDocuments);
  }

  /** The compiled operation; throws CostQueryError when the document or operation name is unusable. */
  get(model: CostModel, document: string | DocumentNode, operationName: string | null | undefined): CompiledOperation {
    let entry = typeof document === 'string' ? this.#byString.get(document) : this.#byNode.get(document);
    if (entry === undefined) {
      entry = new Map();
      if (typeof document !== 'string') this.#byNode.set(document, entry);
      // The LRU is bounded by count: a huge document (one long string literal is one token) is
      // compiled each time rather than kept.
      else if (document.length <= MAX_CACHED_DOCUMENT_LENGTH) this.#byString.set(document, entry);
    }
    const key = operationName ?? '';
    let compiled = entry.get(key);
    if (compiled === undefined) {
      this.#misses += 1;
      compiled = compile(model, document, operationName);
      entry.set(key, compiled);
    } else {
      this.#hits += 1;
    }
    if (compiled instanceof CostQueryError) throw compiled;
    return compiled;
  }

  stats(): { documents: number; hits: number; misses: number } {
    return { documents: this.#byString.size, hits: this.#hits, misses: this.#misses };
  }
}

function compile(
  model: CostModel,
  source: string | DocumentNode,
  operationName: string | null | undefined,
): CompiledOperation | CostQueryError {
  let document: DocumentNode;
  try {
    document = typeof source === 'string' ? parse(source, { noLocation: true }) : source;
  } catch (error) {
    if (error instanceof GraphQLError) return new CostQueryError(`Query could not be parsed: ${error.message}`);
    throw error;
  }

  const operations: OperationDefinitionNode[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
    else if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const operation = selectOperation(operations, operationName);
  if (operation instanceof CostQueryError) return operation;

  let cost: Cost | CostQueryError;
  try {
    cost = compileOperationCost(model, operation, fragments);
  } catch (error) {
    if (!(error instanceof CostQueryError)) throw error;
    cost = error;
  }
  return { operation, fragments, variableDefaults: variableDefaults(operation), cost };
}

/** As graphql-js getOperationAST: by name, or the only one. */
function selectOperation(
  operations: OperationDefinitionNode[],
  operationName: string | null | undefined,
): OperationDefinitionNode | CostQueryError {
  if (operationName) {
    return operations.find((o) => o.name?.value === operationName) ?? new CostQueryError(`Unknown operation named "${operationName}".`);
  }
  const [only] = operations;
  if (only === undefined) return new CostQueryError('The document contains no operation.');
  if (operations.length > 1) return new CostQueryError('Must provide operation name if query contains multiple operations.');
  return only;
}

function variableDefaults(operation: OperationDefinitionNode): Record<string, unknown> | undefined {
  let defaults: Record<string, unknown> | undefined;
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue === undefined) continue;
    (defaults ??= {})[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);
  }
  return defaults;
}
