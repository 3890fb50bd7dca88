import { createHash } from 'node:crypto';
import {
  buildASTSchema,
  getNamedType,
  GraphQLError,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  Kind,
  parse,
  print,
  valueFromASTUntyped,
  visit,
  type ConstDirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Identity } from '../core/identity.ts';

/**
 * Field-level authorization from the supergraph's `@authenticated` and `@requiresScopes`
 * (https://specs.apollo.dev/authenticated/v0.1, requiresScopes/v0.1), the way Apollo Router
 * applies them: before planning, every field the caller may not see is removed from the operation
 * and reported as a FORBIDDEN error at its path (`@` stands for "every list item", as in the
 * router); a selection set left empty takes its parent field with it. The rest of the query runs.
 *
 * A field is allowed when the caller meets the requirements of the field, of its return type, and,
 * on an interface, of that field and type in every implementation; a fragment when the caller meets
 * its type condition's. `@requiresScopes(scopes: [["a", "b"], ["c"]])` means (a AND b) OR c.
 *
 * Pure and cached: the result depends only on the document, the operation name and the caller's
 * authentication class (authenticated or not, and which of the scopes the supergraph mentions it
 * holds), so one computation serves every caller of that class.
 */

/** AND over clauses; each clause is OR over scope sets; each set is AND over scopes. */
interface Requirement {
  authenticated: boolean;
  scopes: ReadonlyArray<ReadonlyArray<ReadonlyArray<string>>>;
}

const NONE: Requirement = Object.freeze({ authenticated: false, scopes: Object.freeze([]) });

export interface OperationAuthorization {
  /** The operation with every unauthorized field removed (and only the fragments it still uses). */
  document: DocumentNode;
  /** One FORBIDDEN error per removed field or fragment, with its `path`. */
  errors: GraphQLError[];
  /** Identifies the filtered document (a digest of it): equal documents, equal keys; key plans with it. */
  cacheKey: string;
  /**
   * Response paths that must read `null` once the filtered operation has run (removed fields, with
   * GraphQL's null propagation already applied); `fillUnauthorizedNulls` writes them.
   */
  nullPaths: ReadonlyArray<ReadonlyArray<string>>;
  /** Every root field was removed: `document` selects only a placeholder `__typename`. */
  empty: boolean;
  /**
   * The executor calls this on the `data` the filtered document produced: it puts back every removed
   * field as null (null propagation applied) and drops the placeholder. See fillUnauthorizedNulls.
   */
  completeData(data: Record<string, unknown> | null | undefined): Record<string, unknown> | null;
}

/** The slice of the gateway interface's GatewayGraphQLRequestContext the authorizer reads. */
export interface AuthorizableRequest {
  readonly document?: DocumentNode;
  /** The operation Apollo Server resolved (null: the document's only, anonymous, operation). */
  readonly operationName?: string | null;
  readonly request: { operationName?: string };
  /** Our RequestContext (Apollo Server's contextValue): stage 2's identity. */
  readonly context: { identity?: Identity };
}

/** The executor's hook: undefined when the operation needs no change for this caller. */
export type OperationAuthorizerFn = (request: AuthorizableRequest) => OperationAuthorization | undefined;

/** Builds the hook for one supergraph; cheap to call again with the same SDL (cached). */
export function createOperationAuthorizer(supergraphSdl: string): OperationAuthorizerFn {
  const policy = AuthorizationPolicy.for(supergraphSdl);
  return (request) => {
    if (!policy.active || request.document === undefined) return undefined;
    const operationName = request.operationName ?? request.request.operationName ?? undefined;
    return policy.authorize(request.document, operationName, request.context.identity);
  };
}

/**
 * The supergraph as the executor should load it. `@link(..., for: SECURITY)` tells a gateway to
 * refuse the supergraph unless it enforces that feature, and @apollo/federation-internals refuses
 * every SECURITY feature by default. Tollgate enforces these two (the authorizer above runs before
 * every plan), so their links lose `for: SECURITY` — and only theirs: a supergraph using a security
 * feature Tollgate does not enforce (e.g. @policy) is still refused.
 */
export function supergraphForExecutor(supergraphSdl: string): string {
  return supergraphSdl.replace(
    /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes)\/v0\.1"(?:, as: "[A-Za-z_][A-Za-z0-9_]*")?), for: SECURITY\)/g,
    '$1)',
  );
}

const AUTHENTICATED_SPEC = 'https://specs.apollo.dev/authenticated/';
const REQUIRES_SCOPES_SPEC = 'https://specs.apollo.dev/requiresScopes/';
const PLACEHOLDER_ALIAS = '__tollgate_unauthorized';
const MAX_VARIANTS_PER_DOCUMENT = 64;

export class AuthorizationPolicy {
  private static readonly bySdl = new Map<string, AuthorizationPolicy>();

  /** The policy of a supergraph SDL, built once (the last few SDLs are kept). */
  static for(supergraphSdl: string): AuthorizationPolicy {
    let policy = AuthorizationPolicy.bySdl.get(supergraphSdl);
    if (policy === undefined) {
      policy = new AuthorizationPolicy(supergraphSdl);
      if (AuthorizationPolicy.bySdl.size >= 4) AuthorizationPolicy.bySdl.clear();
      AuthorizationPolicy.bySdl.set(supergraphSdl, policy);
    }
    return policy;
  }

  /** Whether the supergraph uses either directive at all; if not, nothing is ever filtered. */
  readonly active: boolean;
  private readonly schema: GraphQLSchema;
  private readonly typeRequirements = new Map<string, Requirement>();
  private readonly fieldRequirements = new Map<string, Requirement>();
  private readonly effective = new Map<string, Requirement>();
  /** Every scope any directive names: the only scopes that change a result. */
  private readonly knownScopes = new Set<string>();
  private readonly results = new WeakMap<DocumentNode, Map<string, OperationAuthorization | null>>();
  private readonly classes = new WeakMap<Identity, string>();

  private constructor(supergraphSdl: string) {
    const ast = parse(supergraphSdl, { noLocation: true });
    const names = directiveNames(ast);
    this.schema = buildASTSchema(ast, { assumeValid: true, assumeValidSDL: true });
    if (names.authenticated === undefined && names.requiresScopes === undefined) {
      this.active = false;
      return;
    }
    const read = (directives: readonly ConstDirectiveNode[] | undefined): Requirement | undefined => {
      let authenticated = false;
      const scopes: string[][][] = [];
      for (const directive of directives ?? []) {
        if (directive.name.value === names.authenticated) authenticated = true;
        if (directive.name.value === names.requiresScopes) {
          const arg = directive.arguments?.find((a) => a.name.value === 'scopes');
          const value = arg ? valueFromASTUntyped(arg.value) : [];
          const sets = asList(value).map((set) => asList(set).map(String));
          for (const set of sets) for (const scope of set) this.knownScopes.add(scope);
          scopes.push(sets);
        }
      }
      return authenticated || scopes.length > 0 ? { authenticated, scopes } : undefined;
    };
    for (const type of Object.values(this.schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      const own = read(type.astNode?.directives);
      if (own) this.typeRequirements.set(type.name, own);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          const fieldOwn = read(field.astNode?.directives);
          if (fieldOwn) this.fieldRequirements.set(`${type.name}.${field.name}`, fieldOwn);
        }
      }
    }
    this.active = this.typeRequirements.size > 0 || this.fieldRequirements.size > 0;
  }

  /** Undefined when the caller may run the operation unchanged. */
  authorize(document: DocumentNode, operationName: string | undefined, identity: Identity | undefined): OperationAuthorization | undefined {
    const authClass = this.classOf(identity);
    const key = `${operationName ?? ''}\n${authClass}`;
    let variants = this.results.get(document);
    if (variants === undefined) {
      variants = new Map();
      this.results.set(document, variants);
    }
    let result = variants.get(key);
    if (result === undefined) {
      result = new OperationFilter(this, document, operationName, identity).run();
      if (variants.size >= MAX_VARIANTS_PER_DOCUMENT) variants.clear();
      variants.set(key, result);
    }
    return result ?? undefined;
  }

  /** authenticated or not, plus the known scopes held, sorted: equal classes filter equally. */
  private classOf(identity: Identity | undefined): string {
    if (identity === undefined) return '-';
    let authClass = this.classes.get(identity);
    if (authClass === undefined) {
      authClass = `+${[...identity.scopes].filter((scope) => this.knownScopes.has(scope)).sort().join(' ')}`;
      this.classes.set(identity, authClass);
    }
    return authClass;
  }

  typeRequirement(type: GraphQLNamedType): Requirement {
    return this.typeRequirements.get(type.name) ?? NONE;
  }

  /**
   * Everything selecting `parent.field` requires: the field's own directives and its return type's;
   * on an abstract parent, also those of the field and of the type in every possible type.
   */
  fieldRequirement(parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>): Requirement {
    const id = `${parent.name}.${field.name}`;
    let requirement = this.effective.get(id);
    if (requirement === undefined) {
      const parts: Requirement[] = [this.fieldRequirements.get(id) ?? NONE, this.typeRequirement(getNamedType(field.type))];
      if (isAbstractType(parent)) {
        for (const possible of this.schema.getPossibleTypes(parent)) {
          parts.push(this.typeRequirement(possible));
          parts.push(this.fieldRequirements.get(`${possible.name}.${field.name}`) ?? NONE);
          const own = possible.getFields()[field.name];
          if (own) parts.push(this.typeRequirement(getNamedType(own.type)));
        }
      }
      requirement = combine(parts);
      this.effective.set(id, requirement);
    }
    return requirement;
  }

  getSchema(): GraphQLSchema {
    return this.schema;
  }
}

function combine(parts: Requirement[]): Requirement {
  const authenticated = parts.some((part) => part.authenticated);
  const scopes = parts.flatMap((part) => part.scopes);
  return authenticated || scopes.length > 0 ? { authenticated, scopes } : NONE;
}

function satisfies(requirement: Requirement, identity: Identity | undefined): boolean {
  if (requirement === NONE) return true;
  if (requirement.authenticated && identity === undefined) return false;
  return requirement.scopes.every(
    (clause) => clause.length === 0 || clause.some((set) => set.every((scope) => identity?.scopes.has(scope) === true)),
  );
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** The directive names the supergraph's @link imports give the two specs (`as:` renames them). */
function directiveNames(ast: DocumentNode): { authenticated?: string; requiresScopes?: string } {
  const names: { authenticated?: string; requiresScopes?: string } = {};
  for (const definition of ast.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const args = Object.fromEntries((directive.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
      const url = typeof args.url === 'string' ? args.url : '';
      const as = typeof args.as === 'string' ? args.as : undefined;
      if (url.startsWith(AUTHENTICATED_SPEC)) names.authenticated = as ?? 'authenticated';
      if (url.startsWith(REQUIRES_SCOPES_SPEC)) names.requiresScopes = as ?? 'requiresScopes';
    }
  }
  return names;
}

/** A path segment: a response key or `@` (each list item), with whether that position may be null. */
interface Segment {
  key: string;
  nullable: boolean;
}

interface Removal {
  path: readonly Segment[];
  /** Reported as an error (false: a field dropped because all of its selections were). */
  reported: boolean;
  /** A field under a fragment that narrows the type: other runtime types never had it, so no null. */
  narrowed: boolean;
  /** A fragment, not a field: reported, but nothing in the response becomes null for it. */
  fragment: boolean;
}

interface FilteredFragment {
  selectionSet: SelectionSetNode | undefined;
  removals: Removal[];
}

/** One pass over one operation for one authentication class. */
class OperationFilter {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly filteredFragments = new Map<string, FilteredFragment | 'in-progress'>();

  constructor(
    private readonly policy: AuthorizationPolicy,
    private readonly document: DocumentNode,
    private readonly operationName: string | undefined,
    private readonly identity: Identity | undefined,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
  }

  /** null: nothing to remove. */
  run(): OperationAuthorization | null {
    const operation = this.selectOperation();
    if (operation === undefined) return null;
    const schema = this.policy.getSchema();
    const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
    if (!root) return null;

    const removals: Removal[] = [];
    let selectionSet: SelectionSetNode | undefined;
    if (!satisfies(this.policy.typeRequirement(root), this.identity)) {
      for (const selection of operation.selectionSet.selections) {
        if (selection.kind !== Kind.FIELD || selection.name.value.startsWith('__')) continue;
        const definition = root.getFields()[selection.name.value];
        const nullable = definition === undefined || !isNonNullType(definition.type);
        removals.push({ path: [{ key: responseKey(selection), nullable }], reported: true, narrowed: false, fragment: false });
      }
      selectionSet = undefined;
    } else {
      selectionSet = this.filterSelectionSet(operation.selectionSet, root, [], false, removals);
    }
    if (removals.length === 0) return null;

    const empty = selectionSet === undefined;
    const placeholder: SelectionSetNode = {
      kind: Kind.SELECTION_SET,
      selections: [{ kind: Kind.FIELD, alias: { kind: Kind.NAME, value: PLACEHOLDER_ALIAS }, name: { kind: Kind.NAME, value: '__typename' } }],
    };
    const filteredOperation: OperationDefinitionNode = { ...operation, selectionSet: selectionSet ?? placeholder };
    const document = this.assemble(filteredOperation);

    const errors: GraphQLError[] = [];
    const seen = new Set<string>();
    const nullPaths: string[][] = [];
    const seenNull = new Set<string>();
    for (const removal of removals) {
      const path = removal.path.map((segment) => segment.key);
      if (removal.reported) {
        const id = JSON.stringify(path);
        if (!seen.has(id)) {
          seen.add(id);
          errors.push(new GraphQLError('Unauthorized field or type', { path: path.length > 0 ? path : undefined, extensions: { code: 'FORBIDDEN' } }));
        }
      }
      if (removal.fragment || removal.narrowed) continue;
      const target = nullTarget(removal.path);
      const id = JSON.stringify(target);
      if (!seenNull.has(id)) {
        seenNull.add(id);
        nullPaths.push(target);
      }
    }
    const completion = { nullPaths, empty };
    return {
      document,
      errors,
      cacheKey: `auth:${createHash('sha256').update(print(document)).digest('base64url')}`,
      nullPaths,
      empty,
      completeData: (data) => fillUnauthorizedNulls(data, completion),
    };
  }

  private selectOperation(): OperationDefinitionNode | undefined {
    const operations = this.document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (this.operationName === undefined) return operations.length === 1 ? operations[0] : undefined;
    return operations.find((operation) => operation.name?.value === this.operationName);
  }

  /** undefined: every selection was removed. */
  private filterSelectionSet(
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType,
    path: readonly Segment[],
    narrowed: boolean,
    removals: Removal[],
  ): SelectionSetNode | undefined {
    let changed = false;
    const kept: SelectionNode[] = [];
    for (const selection of selectionSet.selections) {
      const filtered = this.filterSelection(selection, parent, path, narrowed, removals);
      if (filtered !== selection) changed = true;
      if (filtered !== undefined) kept.push(filtered);
    }
    if (kept.length === 0) return undefined;
    return changed ? { ...selectionSet, selections: kept } : selectionSet;
  }

  private filterSelection(
    selection: SelectionNode,
    parent: GraphQLCompositeType,
    path: readonly Segment[],
    narrowed: boolean,
    removals: Removal[],
  ): SelectionNode | undefined {
    switch (selection.kind) {
      case Kind.FIELD:
        return this.filterField(selection, parent, path, narrowed, removals);
      case Kind.INLINE_FRAGMENT: {
        const condition = selection.typeCondition ? this.policy.getSchema().getType(selection.typeCondition.name.value) : parent;
        if (!condition || !isCompositeType(condition)) return selection;
        if (!satisfies(this.policy.typeRequirement(condition), this.identity)) {
          removals.push({ path, reported: true, narrowed, fragment: true });
          return undefined;
        }
        const inner = this.filterSelectionSet(selection.selectionSet, condition, path, narrowed || condition !== parent, removals);
        if (inner === undefined) return undefined;
        return inner === selection.selectionSet ? selection : { ...selection, selectionSet: inner };
      }
      case Kind.FRAGMENT_SPREAD: {
        const definition = this.fragments.get(selection.name.value);
        if (!definition) return selection;
        const condition = this.policy.getSchema().getType(definition.typeCondition.name.value);
        if (!condition || !isCompositeType(condition)) return selection;
        if (!satisfies(this.policy.typeRequirement(condition), this.identity)) {
          removals.push({ path, reported: true, narrowed, fragment: true });
          return undefined;
        }
        const filtered = this.filterFragment(definition, condition);
        if (filtered === undefined) return selection;
        const narrowing = narrowed || condition !== parent;
        for (const removal of filtered.removals) {
          removals.push({ ...removal, path: [...path, ...removal.path], narrowed: removal.narrowed || (narrowing && isAtTop(removal)) });
        }
        return filtered.selectionSet === undefined ? undefined : selection;
      }
    }
  }

  private filterField(
    field: FieldNode,
    parent: GraphQLCompositeType,
    path: readonly Segment[],
    narrowed: boolean,
    removals: Removal[],
  ): FieldNode | undefined {
    const name = field.name.value;
    if (name.startsWith('__') || isUnionType(parent)) return field;
    const definition = parent.getFields()[name];
    if (!definition) return field;
    const fieldPath = [...path, { key: responseKey(field), nullable: !isNonNullType(definition.type) }];
    if (!satisfies(this.policy.fieldRequirement(parent, definition), this.identity)) {
      removals.push({ path: fieldPath, reported: true, narrowed, fragment: false });
      return undefined;
    }
    if (!field.selectionSet) return field;
    const named = getNamedType(definition.type);
    if (!isCompositeType(named)) return field;
    const inner = this.filterSelectionSet(field.selectionSet, named, [...fieldPath, ...listSegments(definition.type)], false, removals);
    if (inner === undefined) {
      removals.push({ path: fieldPath, reported: false, narrowed, fragment: false });
      return undefined;
    }
    return inner === field.selectionSet ? field : { ...field, selectionSet: inner };
  }

  /** A fragment's filtering does not depend on where it is spread: done once, paths relative. */
  private filterFragment(definition: FragmentDefinitionNode, condition: GraphQLCompositeType): FilteredFragment | undefined {
    const name = definition.name.value;
    const done = this.filteredFragments.get(name);
    if (done === 'in-progress') return undefined; // a cycle: invalid, validation reports it
    if (done !== undefined) return done;
    this.filteredFragments.set(name, 'in-progress');
    const removals: Removal[] = [];
    const selectionSet = this.filterSelectionSet(definition.selectionSet, condition, [], false, removals);
    const result = { selectionSet, removals };
    this.filteredFragments.set(name, result);
    return result;
  }

  /** The filtered operation plus the (filtered) fragments it still spreads, transitively. */
  private assemble(operation: OperationDefinitionNode): DocumentNode {
    const used = new Set<string>();
    const fragments: FragmentDefinitionNode[] = [];
    const collect = (node: SelectionSetNode): void => {
      visit(node, {
        FragmentSpread: (spread) => {
          const name = spread.name.value;
          if (used.has(name)) return;
          used.add(name);
          const definition = this.fragments.get(name);
          if (!definition) return;
          const filtered = this.filteredFragments.get(name);
          const selectionSet = filtered && filtered !== 'in-progress' ? filtered.selectionSet ?? definition.selectionSet : definition.selectionSet;
          fragments.push(selectionSet === definition.selectionSet ? definition : { ...definition, selectionSet });
          collect(selectionSet);
        },
      });
    };
    collect(operation.selectionSet);

    // Variables only the removed fields used would fail "no unused variables" if the result is validated again.
    const usedVariables = new Set<string>();
    const countVariables = (node: OperationDefinitionNode | FragmentDefinitionNode | SelectionSetNode): void => {
      visit(node, {
        VariableDefinition: () => false,
        Variable: (variable) => {
          usedVariables.add(variable.name.value);
        },
      });
    };
    countVariables(operation);
    for (const fragment of fragments) countVariables(fragment);
    const variableDefinitions = operation.variableDefinitions?.filter((definition) => usedVariables.has(definition.variable.name.value));
    return { kind: Kind.DOCUMENT, definitions: [{ ...operation, variableDefinitions }, ...fragments] };
  }
}

function responseKey(field: FieldNode): string {
  return field.alias?.value ?? field.name.value;
}

/** One `@` segment per list level of a field's type, each with whether its items may be null. */
function listSegments(type: GraphQLOutputType): Segment[] {
  const segments: Segment[] = [];
  let current: GraphQLOutputType = isNonNullType(type) ? type.ofType : type;
  while (isListType(current)) {
    const item = current.ofType as GraphQLOutputType;
    segments.push({ key: '@', nullable: !isNonNullType(item) });
    current = isNonNullType(item) ? item.ofType : item;
  }
  return segments;
}

/** A removal directly in the fragment's own selection set (not under one of its fields). */
function isAtTop(removal: Removal): boolean {
  return removal.path.length === 1;
}

/**
 * Where null lands for a removed field: the field itself when nullable, else the nearest nullable
 * position above it (GraphQL null propagation); [] is `data` itself.
 */
function nullTarget(path: readonly Segment[]): string[] {
  let end = path.length;
  while (end > 0 && !(path[end - 1] as Segment).nullable) end -= 1;
  return path.slice(0, end).map((segment) => segment.key);
}

/**
 * Writes the nulls of `nullPaths` into a response's `data` from the filtered operation, so the
 * client sees every field it asked for (removed ones as null, as Apollo Router answers), and drops
 * the placeholder of an emptied operation. Returns the data to send (null when propagation reaches
 * the root).
 */
export function fillUnauthorizedNulls(
  data: Record<string, unknown> | null | undefined,
  authorization: Pick<OperationAuthorization, 'nullPaths' | 'empty'>,
): Record<string, unknown> | null {
  if (data === null || data === undefined) return data ?? null;
  if (authorization.empty) delete data[PLACEHOLDER_ALIAS];
  for (const path of authorization.nullPaths) {
    if (path.length === 0) return null;
    setNull(data, path, 0);
  }
  return data;
}

function setNull(node: unknown, path: readonly string[], index: number): void {
  if (node === null || typeof node !== 'object') return;
  const key = path[index] as string;
  const last = index === path.length - 1;
  if (key === '@') {
    if (!Array.isArray(node)) return;
    for (let i = 0; i < node.length; i++) {
      if (last) node[i] = null;
      else setNull(node[i], path, index + 1);
    }
    return;
  }
  const object = node as Record<string, unknown>;
  if (last) object[key] = null;
  else setNull(object[key], path, index + 1);
}
