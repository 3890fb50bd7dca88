// An operation's HTTP cache policy from the supergraph's `@cacheControl` hints, computed once per
// operation, statically, the way Apollo Server's cache-control plugin combines static hints: each
// field's hint (a field's own, else its return type's), a root field or a field returning an object
// without one counts as max-age 0 (unless `inheritMaxAge`), the operation gets the smallest max-age
// of its fields and PRIVATE if any field is. Subgraphs keep the hints in the supergraph with
// `@composeDirective(name: "@cacheControl")` and a `@link` to a `.../cacheControl/vX.Y` URL (README:
// "REST endpoints backed by operations"); hints a resolver sets at run time are not seen here.
import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isUnionType,
  Kind,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { composedDirectiveName } from './links.ts';

export type CacheScope = 'PUBLIC' | 'PRIVATE';

/** One `@cacheControl(maxAge:, scope:, inheritMaxAge:)` as written. */
export interface CacheHint {
  maxAge?: number | undefined;
  scope?: CacheScope | undefined;
  inheritMaxAge?: boolean | undefined;
}

/** An operation's policy: cacheable for `maxAge` seconds (0: not at all), by any cache or the client's only. */
export interface CachePolicy {
  readonly maxAge: number;
  readonly scope: CacheScope;
}

/** The supergraph's hints, read once per supergraph: by type name and by `Type.field`. */
export class CacheHints {
  private constructor(
    private readonly types: ReadonlyMap<string, CacheHint>,
    private readonly fields: ReadonlyMap<string, CacheHint>,
  ) {}

  /** The hints of a supergraph; undefined when it has none (then nothing is cacheable, and no work is done per request). */
  static fromSupergraph(document: DocumentNode): CacheHints | undefined {
    const name = composedDirectiveName(document, 'cacheControl') ?? (declaresDirective(document, 'cacheControl') ? 'cacheControl' : undefined);
    if (name === undefined) return undefined;
    const types = new Map<string, CacheHint>();
    const fields = new Map<string, CacheHint>();
    for (const definition of document.definitions) {
      if (
        definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION &&
        definition.kind !== Kind.INTERFACE_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_EXTENSION &&
        definition.kind !== Kind.UNION_TYPE_DEFINITION && definition.kind !== Kind.UNION_TYPE_EXTENSION
      ) {
        continue;
      }
      const typeHint = hintOf(definition.directives, name);
      if (typeHint !== undefined) types.set(definition.name.value, typeHint);
      if (definition.kind === Kind.UNION_TYPE_DEFINITION || definition.kind === Kind.UNION_TYPE_EXTENSION) continue;
      for (const field of definition.fields ?? []) {
        const fieldHint = hintOf(field.directives, name);
        if (fieldHint !== undefined) fields.set(`${definition.name.value}.${field.name.value}`, fieldHint);
      }
    }
    return types.size + fields.size > 0 ? new CacheHints(types, fields) : undefined;
  }

  type(name: string): CacheHint | undefined {
    return this.types.get(name);
  }

  field(typeName: string, fieldName: string): CacheHint | undefined {
    return this.fields.get(`${typeName}.${fieldName}`);
  }
}

/** Not cacheable: what an operation without hints gets. */
export const UNCACHEABLE: CachePolicy = Object.freeze({ maxAge: 0, scope: 'PUBLIC' });

/** The policy of `operation` in `document` against the API schema `schema`. */
export function operationCachePolicy(schema: GraphQLSchema, hints: CacheHints, document: DocumentNode, operation: OperationDefinitionNode): CachePolicy {
  const root = schema.getRootType(operation.operation);
  if (root === undefined || root === null) return UNCACHEABLE;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const policy = { maxAge: Infinity, scope: 'PUBLIC' as CacheScope };
  walk(schema, hints, fragments, root, operation.selectionSet, true, policy, new Set());
  return policy.maxAge === Infinity || policy.maxAge <= 0 ? { maxAge: 0, scope: policy.scope } : { maxAge: policy.maxAge, scope: policy.scope };
}

/** `Cache-Control` of a response under `policy`: `public, max-age=60`, `private, max-age=30`, or `no-store`. */
export function cacheControlHeader(policy: CachePolicy): string {
  return policy.maxAge > 0 ? `${policy.scope === 'PRIVATE' ? 'private' : 'public'}, max-age=${policy.maxAge}` : 'no-store';
}

/**
 * `Cache-Control` of an answer under `policy` to a request that did (`credentialed`) or did not
 * carry a verified credential: one that did is never `public` (its profile's CORS headers, status
 * and limits are its own; a shared cache must not hand it to anyone else), so `private`, same max-age.
 */
export function answerCacheControl(cacheControl: string, credentialed: boolean): string {
  return credentialed && cacheControl.startsWith(PUBLIC_PREFIX) ? `private${cacheControl.slice(PUBLIC_PREFIX.length - 1)}` : cacheControl;
}

const PUBLIC_PREFIX = 'public,';

/** A cacheable operation's headers, for a request without a credential and for one with. */
interface OperationHeaders {
  /** The `vary` (besides `accept`) these were made with: stage 3's, which a reload may change. */
  readonly varyOn: string;
  readonly anonymous: Readonly<Record<string, string>>;
  readonly credentialed: Readonly<Record<string, string>>;
}

/**
 * Policies per operation for the GraphQL path's GET responses: computed on first use and kept as
 * long as the (cached) document is.
 */
export class CachePolicies {
  readonly #headers = new WeakMap<OperationDefinitionNode, OperationHeaders>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly hints: CacheHints,
  ) {}

  /**
   * The caching headers of a successful response to `operation`: its Cache-Control (never
   * `public` for a `credentialed` request: answerCacheControl), and when a cache may keep it a
   * `vary` of `accept` (the same GET is answered as application/json or
   * application/graphql-response+json as `accept` asks) and `varyOn`, the headers that choose the
   * request's profile (stage 3's `varyOn`). Written with core/vary.ts, which adds it to CORS's
   * `vary: origin` instead of replacing it.
   */
  headers(document: DocumentNode, operation: OperationDefinitionNode, credentialed: boolean, varyOn: string): Readonly<Record<string, string>> {
    let headers = this.#headers.get(operation);
    if (headers === undefined || headers.varyOn !== varyOn) {
      const cacheControl = cacheControlHeader(operationCachePolicy(this.schema, this.hints, document, operation));
      const vary = varyOn === '' ? 'accept' : `accept, ${varyOn}`;
      const variant = (value: string): Readonly<Record<string, string>> => {
        const answer: Record<string, string> = { 'cache-control': value };
        if (value !== 'no-store') answer['vary'] = vary;
        return Object.freeze(answer);
      };
      headers = { varyOn, anonymous: variant(cacheControl), credentialed: variant(answerCacheControl(cacheControl, true)) };
      this.#headers.set(operation, headers);
    }
    return credentialed ? headers.credentialed : headers.anonymous;
  }
}

/** Restricts `policy` by every field of `selectionSet` on `parentType`, recursively (fragments expanded). */
function walk(
  schema: GraphQLSchema,
  hints: CacheHints,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  parentType: GraphQLCompositeType,
  selectionSet: SelectionSetNode,
  isRoot: boolean,
  policy: { maxAge: number; scope: CacheScope },
  visiting: Set<string>,
  types?: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
      if (condition && isCompositeType(condition)) walk(schema, hints, fragments, condition, selection.selectionSet, isRoot, policy, visiting, types);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments.get(selection.name.value);
      if (fragment === undefined || visiting.has(fragment.name.value)) continue;
      const condition = schema.getType(fragment.typeCondition.name.value);
      visiting.add(fragment.name.value);
      if (condition && isCompositeType(condition)) walk(schema, hints, fragments, condition, fragment.selectionSet, isRoot, policy, visiting, types);
      visiting.delete(fragment.name.value);
      continue;
    }
    const fieldName = selection.name.value;
    if (fieldName.startsWith('__')) {
      // __typename costs nothing; introspection at the root is not cacheable (no hint can say otherwise).
      if (isRoot && fieldName !== '__typename') policy.maxAge = 0;
      continue;
    }
    // A field on an interface or union runs on one of its object types: any one's hint may apply.
    const owners = isAbstractType(parentType) ? [parentType, ...schema.getPossibleTypes(parentType)] : [parentType];
    let returnType: GraphQLCompositeType | undefined;
    for (const owner of owners) {
      if (isUnionType(owner)) continue;
      const field = owner.getFields()[fieldName];
      if (field === undefined) continue;
      const named = getNamedType(field.type);
      const composite = isCompositeType(named) ? named : undefined;
      returnType ??= composite;
      restrict(policy, fieldPolicy(hints, owner.name, fieldName, composite?.name, isRoot));
    }
    if (returnType !== undefined && selection.selectionSet !== undefined) {
      types?.add(returnType.name);
      walk(schema, hints, fragments, returnType, selection.selectionSet, false, policy, visiting, types);
    }
  }
}

/** One field's hint as Apollo Server's plugin resolves it: the return type's, replaced by the field's own. */
function fieldPolicy(hints: CacheHints, typeName: string, fieldName: string, compositeReturn: string | undefined, isRoot: boolean): CacheHint {
  let maxAge: number | undefined;
  let scope: CacheScope | undefined;
  let inheritMaxAge = false;
  if (compositeReturn !== undefined) {
    const typeHint = hints.type(compositeReturn);
    maxAge = typeHint?.maxAge;
    scope = typeHint?.scope;
    inheritMaxAge = typeHint?.inheritMaxAge === true;
  }
  const own = hints.field(typeName, fieldName);
  if (own?.inheritMaxAge === true && maxAge === undefined) {
    inheritMaxAge = true;
    scope = own.scope ?? scope;
  } else if (own !== undefined) {
    if (own.maxAge !== undefined) maxAge = own.maxAge;
    if (own.scope !== undefined) scope = own.scope;
    if (own.inheritMaxAge !== undefined) inheritMaxAge = own.inheritMaxAge;
  }
  // Without a max-age a root field, or one returning an object (unless it inherits), is not cacheable;
  // a scalar field inherits its parent's.
  if (maxAge === undefined && ((compositeReturn !== undefined && !inheritMaxAge) || isRoot)) maxAge = 0;
  return { maxAge, scope };
}

function restrict(policy: { maxAge: number; scope: CacheScope }, hint: CacheHint): void {
  if (hint.maxAge !== undefined && hint.maxAge < policy.maxAge) policy.maxAge = hint.maxAge;
  if (hint.scope === 'PRIVATE') policy.scope = 'PRIVATE';
}

function hintOf(directives: readonly ConstDirectiveNode[] | undefined, name: string): CacheHint | undefined {
  const directive = directives?.find((d) => d.name.value === name);
  if (directive === undefined) return undefined;
  const args = Object.fromEntries((directive.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
  return {
    maxAge: typeof args['maxAge'] === 'number' && args['maxAge'] >= 0 ? args['maxAge'] : undefined,
    scope: args['scope'] === 'PRIVATE' || args['scope'] === 'PUBLIC' ? args['scope'] : undefined,
    inheritMaxAge: typeof args['inheritMaxAge'] === 'boolean' ? args['inheritMaxAge'] : undefined,
  };
}

function declaresDirective(document: DocumentNode, name: string): boolean {
  return document.definitions.some((d) => d.kind === Kind.DIRECTIVE_DEFINITION && d.name.value === name);
}

/** A subgraph fetch's policy, for the edge cache: its CachePolicy and every composite type its answer may hold. */
export interface FetchCachePolicy extends CachePolicy {
  /** Entity fetch (`_entities`): its hint starts from the entity type's own. */
  readonly entities: boolean;
  /** The object, interface and union types its selection reaches (root type excluded): invalidating one of them by type reaches this fetch's cached answers. */
  readonly types: readonly string[];
}

/**
 * The policy of one subgraph fetch of a query plan (`operation`: the fetch's own document, as the
 * planner wrote it) against the supergraph `schema`, as operationCachePolicy reads hints: a root
 * fetch like an operation; an entity fetch (`_entities { ... on Product { … } }`) per entity type,
 * starting from the type's own hint (an entity is not a root field: without any max-age on its type
 * or its fields it is not cacheable). Anything unreadable: UNCACHEABLE.
 */
export function fetchCachePolicy(schema: GraphQLSchema, hints: CacheHints, document: DocumentNode): FetchCachePolicy {
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operation === undefined || operation.operation !== 'query') return { ...UNCACHEABLE, entities: false, types: [] };
  const first = operation.selectionSet.selections[0];
  const isEntities = first?.kind === Kind.FIELD && first.name.value === '_entities';
  const types = new Set<string>();
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const policy = { maxAge: Infinity, scope: 'PUBLIC' as CacheScope };
  if (!isEntities) {
    const root = schema.getQueryType();
    if (root === null || root === undefined) return { ...UNCACHEABLE, entities: false, types: [] };
    walk(schema, hints, fragments, root, operation.selectionSet, true, policy, new Set(), types);
  } else {
    for (const selection of first.selectionSet?.selections ?? []) {
      if (selection.kind !== Kind.INLINE_FRAGMENT || selection.typeCondition === undefined) continue;
      const type = schema.getType(selection.typeCondition.name.value);
      if (type === undefined || type === null || !isCompositeType(type)) return { ...UNCACHEABLE, entities: true, types: [] };
      types.add(type.name);
      const own = hints.type(type.name);
      restrict(policy, { maxAge: own?.maxAge, scope: own?.scope });
      walk(schema, hints, fragments, type, selection.selectionSet, false, policy, new Set(), types);
    }
  }
  // An interface or union reaches its object types: invalidating a Book reaches a fetch of Media.
  for (const name of [...types]) {
    const type = schema.getType(name);
    if (type && isAbstractType(type)) for (const possible of schema.getPossibleTypes(type)) types.add(possible.name);
  }
  const maxAge = policy.maxAge === Infinity || policy.maxAge <= 0 ? 0 : policy.maxAge;
  return { maxAge, scope: policy.scope, entities: isEntities, types: [...types] };
}

/**
 * What the subgraphs' own `Cache-Control` response headers allow for one request (Tollgate's
 * executor tells it each header it sees): the smallest `s-maxage` / `max-age`, and whether any said
 * `private`, `no-store` or `no-cache`. A GET answer's hint-based header is only ever narrowed by it.
 */
export class SubgraphCacheControl {
  #maxAge: number | undefined;
  #private = false;
  #noStore = false;

  seen(header: string): void {
    const directives = header.toLowerCase().split(',').map((d) => d.trim());
    if (directives.some((d) => d === 'no-store' || d === 'no-cache')) this.#noStore = true;
    if (directives.includes('private')) this.#private = true;
    const age = (name: string) => {
      const directive = directives.find((d) => d.startsWith(`${name}=`));
      const seconds = directive === undefined ? NaN : Number(directive.slice(name.length + 1).replace(/^"|"$/g, ''));
      return Number.isInteger(seconds) && seconds >= 0 ? seconds : undefined;
    };
    const maxAge = age('s-maxage') ?? age('max-age');
    if (maxAge !== undefined && (this.#maxAge === undefined || maxAge < this.#maxAge)) this.#maxAge = maxAge;
  }

  /** `cacheControl` (cacheControlHeader's) as the subgraphs' headers narrow it. */
  narrow(cacheControl: string): string {
    if (cacheControl === 'no-store') return cacheControl;
    if (this.#noStore || this.#maxAge === 0) return 'no-store';
    const match = /^(public|private), max-age=(\d+)$/.exec(cacheControl);
    if (match === null) return cacheControl;
    const scope = this.#private ? 'private' : (match[1] as string);
    const maxAge = Math.min(Number(match[2]), this.#maxAge ?? Infinity);
    return `${scope}, max-age=${maxAge}`;
  }
}
