// Stage 4's document limits: the shape of an operation (depth, unique fields, aliases, root fields,
// directives, introspection root fields), measured once per cached document with fragments expanded,
// then compared per request against the limits of the caller's client profile. A refused operation
// never reaches quotas (stage 5) or a subgraph (stage 6).
import {
  getNamedType,
  GraphQLError,
  isObjectType,
  isInterfaceType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { badRequest, GatewayError, type ErrorCode } from '../core/errors.ts';

/** The limits one request is held to (`limits.*`, or `limits.profiles.<profile>.*` over them). */
export interface DocumentLimits {
  max_depth: number;
  max_height: number;
  max_aliases: number;
  max_root_fields: number;
  max_directives_per_field: number;
}

/** What an operation measures, fragments expanded (each spread counts as often as it is used). */
export interface OperationMetrics {
  /** Deepest field nesting; a root field is depth 1. */
  depth: number;
  /** Unique fields (schema coordinates `Type.field`), counted up to the measuring cap + 1. */
  height: number;
  /** Aliased fields, every use of a fragment counted. */
  aliases: number;
  /** Fields at the operation's root, every use of a fragment counted. */
  rootFields: number;
  /** Most directives on one field, inline fragment or fragment spread. */
  directivesPerField: number;
  /** `__schema` / `__type` at the root. */
  introspectionRootFields: number;
  /** Longest `$variable` name the operation declares. */
  longestVariableName: number;
}

/** Introspection root fields one operation may select: the introspection query needs one. */
export const MAX_INTROSPECTION_ROOT_FIELDS = 1;
/** Longest `$variable` name (and, in stage 1, `variables` key and `operationName`). */
export const MAX_NAME_LENGTH = 256;

/** A fragment's measurements relative to where it is spread; the depth of its own fields is 1. */
interface Summary {
  depth: number;
  aliases: number;
  rootFields: number;
  directivesPerField: number;
  introspectionRootFields: number;
  coordinates: Set<string>;
}

/**
 * Measures every operation of a valid document. `heightCap` bounds the unique-field set (no limit
 * in force is above it, so counting further is wasted work an attacker could ask for). Iterative,
 * so no nesting blows the stack; fragment cycles and unknown fragments (which validation has
 * already refused) end in a validation error rather than a loop.
 */
export function measureDocument(schema: GraphQLSchema, document: DocumentNode, heightCap: number): Map<OperationDefinitionNode, OperationMetrics> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const summaries = new Map<string, Summary>();
  for (const name of fragmentOrder(fragments)) {
    const fragment = fragments.get(name) as FragmentDefinitionNode;
    summaries.set(name, summarize(schema, fragment.selectionSet, fragment.typeCondition.name.value, summaries, heightCap));
  }
  const measured = new Map<OperationDefinitionNode, OperationMetrics>();
  for (const operation of operations) {
    const root = schema.getRootType(operation.operation)?.name ?? operation.operation;
    const summary = summarize(schema, operation.selectionSet, root, summaries, heightCap);
    let longestVariableName = 0;
    for (const variable of operation.variableDefinitions ?? []) longestVariableName = Math.max(longestVariableName, variable.variable.name.value.length);
    measured.set(operation, {
      depth: summary.depth,
      height: summary.coordinates.size,
      aliases: summary.aliases,
      rootFields: summary.rootFields,
      directivesPerField: Math.max(summary.directivesPerField, operation.directives?.length ?? 0),
      introspectionRootFields: summary.introspectionRootFields,
      longestVariableName,
    });
  }
  return measured;
}

/** The first limit the operation breaks, as the error stage 4 throws; undefined when it keeps them all. */
export function checkLimits(metrics: OperationMetrics, limits: DocumentLimits): GatewayError | undefined {
  if (metrics.longestVariableName > MAX_NAME_LENGTH) return badRequest(`Variable names may be at most ${MAX_NAME_LENGTH} characters long.`);
  if (metrics.introspectionRootFields > MAX_INTROSPECTION_ROOT_FIELDS) {
    const error = new GraphQLError(
      `An operation may select at most ${MAX_INTROSPECTION_ROOT_FIELDS} introspection root field (__schema or __type); this one selects ${metrics.introspectionRootFields}.`,
    );
    const json = error.toJSON();
    return new GatewayError('GRAPHQL_VALIDATION_FAILED', json.message, { errors: [{ ...json, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
  }
  if (metrics.depth > limits.max_depth) return limitError('MAX_DEPTH_LIMIT', 'nests fields', metrics.depth, 'deep', limits.max_depth, 'max_depth');
  if (metrics.height > limits.max_height) return limitError('MAX_HEIGHT_LIMIT', 'selects', metrics.height, 'unique fields', limits.max_height, 'max_height');
  if (metrics.aliases > limits.max_aliases) return limitError('MAX_ALIASES_LIMIT', 'has', metrics.aliases, 'aliases', limits.max_aliases, 'max_aliases');
  if (metrics.rootFields > limits.max_root_fields) return limitError('MAX_ROOT_FIELDS_LIMIT', 'has', metrics.rootFields, 'root fields', limits.max_root_fields, 'max_root_fields');
  if (metrics.directivesPerField > limits.max_directives_per_field) {
    return limitError('MAX_DIRECTIVES_LIMIT', 'puts', metrics.directivesPerField, 'directives on one field', limits.max_directives_per_field, 'max_directives_per_field');
  }
  return undefined;
}

function limitError(code: ErrorCode, verb: string, measured: number, noun: string, limit: number, key: string): GatewayError {
  // The height is only counted up to the cap: say "more than" rather than a number we did not reach.
  const amount = code === 'MAX_HEIGHT_LIMIT' ? `more than ${limit}` : String(measured);
  return new GatewayError(code, `The operation ${verb} ${amount} ${noun}; the limit is ${limit} (limits.${key}).`, {
    extensions: { limit },
  });
}

/** Fragment names, each after every fragment it spreads (an iterative depth-first post-order). */
function fragmentOrder(fragments: Map<string, FragmentDefinitionNode>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  for (const start of fragments.keys()) {
    if (state.has(start)) continue;
    const stack: Array<{ name: string; spreads: string[]; next: number }> = [{ name: start, spreads: spreadsOf(fragments.get(start) as FragmentDefinitionNode), next: 0 }];
    state.set(start, 'visiting');
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as (typeof stack)[number];
      if (top.next === top.spreads.length) {
        stack.pop();
        state.set(top.name, 'done');
        order.push(top.name);
        continue;
      }
      const name = top.spreads[top.next++] as string;
      const seen = state.get(name);
      if (seen === 'done') continue;
      const fragment = fragments.get(name);
      if (seen === 'visiting' || fragment === undefined) throw invalidFragments(name);
      state.set(name, 'visiting');
      stack.push({ name, spreads: spreadsOf(fragment), next: 0 });
    }
  }
  return order;
}

/** The fragments a fragment spreads directly (inside inline fragments and fields too). */
function spreadsOf(fragment: FragmentDefinitionNode): string[] {
  const names: string[] = [];
  const pending: SelectionSetNode[] = [fragment.selectionSet];
  while (pending.length > 0) {
    for (const selection of (pending.pop() as SelectionSetNode).selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) names.push(selection.name.value);
      else if (selection.selectionSet) pending.push(selection.selectionSet);
    }
  }
  return names;
}

function invalidFragments(name: string): GatewayError {
  const message = `Fragment "${name.slice(0, 100)}" is unknown or spreads itself.`;
  return new GatewayError('GRAPHQL_VALIDATION_FAILED', message, { errors: [{ message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
}

/** One selection set's measurements; the fragments it spreads are already in `summaries`. */
function summarize(schema: GraphQLSchema, root: SelectionSetNode, rootType: string, summaries: Map<string, Summary>, heightCap: number): Summary {
  const summary: Summary = { depth: 0, aliases: 0, rootFields: 0, directivesPerField: 0, introspectionRootFields: 0, coordinates: new Set() };
  // Parallel stacks: a selection set, its parent type's name and the depth of the fields in it.
  const sets: SelectionSetNode[] = [root];
  const types: string[] = [rootType];
  const depths: number[] = [1];
  while (sets.length > 0) {
    const selectionSet = sets.pop() as SelectionSetNode;
    const parent = types.pop() as string;
    const depth = depths.pop() as number;
    for (const selection of selectionSet.selections) {
      const directives = selection.directives?.length ?? 0;
      if (directives > summary.directivesPerField) summary.directivesPerField = directives;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (depth > summary.depth) summary.depth = depth;
        if (selection.alias !== undefined) summary.aliases += 1;
        if (depth === 1) {
          summary.rootFields += 1;
          if (name === '__schema' || name === '__type') summary.introspectionRootFields += 1;
        }
        if (summary.coordinates.size <= heightCap) summary.coordinates.add(`${parent}.${name}`);
        if (selection.selectionSet !== undefined) {
          sets.push(selection.selectionSet);
          types.push(fieldTypeName(schema, parent, name));
          depths.push(depth + 1);
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        sets.push(selection.selectionSet);
        types.push(selection.typeCondition?.name.value ?? parent);
        depths.push(depth);
      } else {
        const fragment = summaries.get(selection.name.value);
        if (fragment === undefined) throw invalidFragments(selection.name.value);
        const deepest = depth - 1 + fragment.depth;
        if (deepest > summary.depth) summary.depth = deepest;
        summary.aliases += fragment.aliases;
        if (fragment.directivesPerField > summary.directivesPerField) summary.directivesPerField = fragment.directivesPerField;
        if (depth === 1) {
          summary.rootFields += fragment.rootFields;
          summary.introspectionRootFields += fragment.introspectionRootFields;
        }
        for (const coordinate of fragment.coordinates) {
          if (summary.coordinates.size > heightCap) break;
          summary.coordinates.add(coordinate);
        }
      }
    }
  }
  return summary;
}

/** The named type of `parent.field` (introspection fields included); the field's name when unknown. */
function fieldTypeName(schema: GraphQLSchema, parent: string, field: string): string {
  if (field === '__schema') return '__Schema';
  if (field === '__type') return '__Type';
  const type = schema.getType(parent);
  if (isObjectType(type) || isInterfaceType(type)) {
    const definition = type.getFields()[field];
    if (definition !== undefined) return getNamedType(definition.type).name;
  }
  return `?${field}`;
}
