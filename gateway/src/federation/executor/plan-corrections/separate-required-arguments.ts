import type { FetchDataRewrite, FetchNode, QueryPlan, QueryPlanSelectionNode } from '@apollo/query-planner';
import {
  getNamedType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { fetchDocument, mapFetches, withOperation } from './map-plan.ts';
import { CLIENT_ALIAS_PREFIX, type RequiredArguments, type Requirement, type RequiresArgumentsIndex } from './requires-arguments.ts';

/**
 * Corrects a plan (of the operation as aliasClientFields rewrote it) so that each argument set
 * of a required field travels under its own name (issue 13, behaviours 1 and 2):
 * - an entity fetch whose @requires need one field with different arguments is split into one
 *   fetch per consistent set (run in parallel at the same path), and each representation reads
 *   its argument set's alias (`__tollgate_required_price_0`), renamed back to the field's name;
 * - the fetch that the planner made select the required field (its one merged copy) selects each
 *   argument set under its alias instead, and the client's aliased field gets its name back.
 * Returns the plan unchanged when none of this applies.
 */
export function separateRequiredArguments(
  plan: QueryPlan,
  index: RequiresArgumentsIndex,
  supergraphSchema: GraphQLSchema,
  collisions: ReadonlySet<RequiredArguments>,
): QueryPlan {
  const needed = new Set<RequiredArguments>();
  const split = mapFetches(plan, (fetch) => (fetch.requires ? splitEntityFetch(fetch, index, collisions, needed) : fetch));
  return mapFetches(split, (fetch) => rewriteSelections(fetch, index, needed, supergraphSchema));
}

/** One group of an entity fetch: the requiring fields that agree on every argument set. */
interface Group {
  fields: Set<FieldNode>;
  /** By where in the representation the argument set goes (`slotOf`). */
  chosen: Map<string, Requirement>;
}

/** Two requirements with one slot need the same field at the same place of the representation. */
function slotOf(r: Requirement): string {
  return [r.entityType, ...r.path, r.required.fieldName].join('\u0000');
}

function splitEntityFetch(
  fetch: FetchNode,
  index: RequiresArgumentsIndex,
  collisions: ReadonlySet<RequiredArguments>,
  needed: Set<RequiredArguments>,
): FetchNode | FetchNode[] {
  const document = fetchDocument(fetch);
  const entities = entitiesSelection(document);
  if (!entities) return fetch;
  const groups: Group[] = [];
  for (const fragment of entities.selections) {
    if (fragment.kind !== Kind.INLINE_FRAGMENT || !fragment.typeCondition) continue;
    const typeName = fragment.typeCondition.name.value;
    for (const selection of fragment.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) continue;
      // A leaf required bare is corrected only in operations whose client fields take its name.
      const requires = index.requiredBy(fetch.serviceName, typeName, selection.name.value)?.filter((r) => !r.required.onClientCollision || collisions.has(r.required));
      if (!requires || requires.length === 0) continue;
      let group = groups.find((g) => requires.every((r) => (g.chosen.get(slotOf(r))?.required ?? r.required) === r.required));
      if (!group) {
        group = { fields: new Set(), chosen: new Map() };
        groups.push(group);
      }
      group.fields.add(selection);
      for (const r of requires) {
        group.chosen.set(slotOf(r), r);
        needed.add(r.required);
      }
    }
  }
  if (groups.length === 0) return fetch;
  const requiringFields = new Set(groups.flatMap((g) => [...g.fields]));
  const all = [...new Set(groups.flatMap((g) => [...g.chosen.values()]))];
  return groups.map((group, i) => {
    // The first part keeps every other field of the fetch; the others only their own.
    const keep = (selection: SelectionNode) =>
      selection.kind !== Kind.FIELD || group.fields.has(selection) || (i === 0 ? !requiringFields.has(selection) : selection.name.value === '__typename');
    const operation = groups.length === 1 ? document : withoutUnusedVariables(filterEntities(document, keep));
    const { requires, renames } = requiresFor(fetch.requires ?? [], group, all);
    const inputRewrites: FetchDataRewrite[] = [...(fetch.inputRewrites ?? []), ...renames];
    const part: FetchNode = { ...withOperation(fetch, operation), requires, inputRewrites };
    if (fetch.variableUsages) part.variableUsages = fetch.variableUsages.filter((name) => usesVariable(operation, name));
    if (groups.length > 1 && fetch.id !== undefined) part.id = `${fetch.id}.${i}`;
    return part;
  });
}

/** Variables a part of a split fetch no longer uses would fail validation in the subgraph. */
function withoutUnusedVariables(document: DocumentNode): DocumentNode {
  return visit(document, {
    OperationDefinition(node) {
      const variableDefinitions = node.variableDefinitions?.filter((d) => usesVariable(document, d.variable.name.value));
      return variableDefinitions?.length === node.variableDefinitions?.length ? undefined : { ...node, variableDefinitions };
    },
  });
}

/** Whether the document uses `$name` anywhere but in its own definition. */
function usesVariable(document: DocumentNode, name: string): boolean {
  let used = false;
  visit(document, {
    VariableDefinition: () => false,
    Variable(node) {
      if (node.name.value === name) used = true;
    },
  });
  return used;
}

/** The `_entities` field's selection set of an entity fetch. */
function entitiesSelection(document: DocumentNode): SelectionSetNode | undefined {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const selection of definition.selectionSet.selections) {
      if (selection.kind === Kind.FIELD && selection.name.value === '_entities') return selection.selectionSet;
    }
  }
  return undefined;
}

function filterEntities(document: DocumentNode, keep: (selection: SelectionNode) => boolean): DocumentNode {
  return visit(document, {
    Field(node) {
      if (node.name.value !== '_entities' || !node.selectionSet) return undefined;
      const fragments = node.selectionSet.selections.flatMap((fragment): SelectionNode[] => {
        if (fragment.kind !== Kind.INLINE_FRAGMENT) return [fragment];
        const selections = fragment.selectionSet.selections.filter(keep);
        return selections.length === 0 ? [] : [{ ...fragment, selectionSet: { ...fragment.selectionSet, selections } }];
      });
      return { ...node, selectionSet: { ...node.selectionSet, selections: fragments } };
    },
  });
}

/**
 * The representation of one group: the planner's merged copy of every required field of the
 * fetch (`all`, every group's) is dropped, and the group's own argument sets are read from their
 * aliases, renamed to the field's name.
 */
function requiresFor(
  requires: readonly QueryPlanSelectionNode[],
  group: Group,
  all: readonly Requirement[],
): { requires: QueryPlanSelectionNode[]; renames: FetchDataRewrite[] } {
  const renames: FetchDataRewrite[] = [];
  const rewritten = requires.map((selection): QueryPlanSelectionNode => {
    if (selection.kind !== 'InlineFragment' || !selection.typeCondition) return selection;
    const typeName = selection.typeCondition;
    let selections = selection.selections;
    for (const r of all) {
      if (r.entityType !== typeName) continue;
      selections = editAt(selections, r.path, (list) => list.filter((s) => s.kind !== 'Field' || s.alias !== undefined || s.name !== r.required.fieldName));
    }
    for (const r of group.chosen.values()) {
      if (r.entityType !== typeName) continue;
      const { alias, fieldName, selectionSet } = r.required;
      selections = editAt(selections, r.path, (list) => [...list, { kind: 'Field', name: alias, selections: selectionSet && planSelections(selectionSet) }]);
      renames.push({ kind: 'KeyRenamer', path: [`... on ${typeName}`, ...r.path, alias], renameKeyTo: fieldName });
    }
    return selections === selection.selections ? selection : { ...selection, selections };
  });
  return { requires: rewritten, renames };
}

/** `selections` with `edit` applied to the selections at `path` (fields, and `... on T` fragments). */
function editAt(
  selections: readonly QueryPlanSelectionNode[],
  path: readonly string[],
  edit: (selections: readonly QueryPlanSelectionNode[]) => QueryPlanSelectionNode[],
): QueryPlanSelectionNode[] {
  const [head, ...rest] = path;
  if (head === undefined) return edit(selections);
  const fragment = head.startsWith('... on ') ? head.slice('... on '.length) : undefined;
  return selections.map((s) => {
    const onPath = fragment ? s.kind === 'InlineFragment' && s.typeCondition === fragment : s.kind === 'Field' && s.alias === undefined && s.name === head;
    if (!onPath || !s.selections) return s;
    return { ...s, selections: editAt(s.selections, rest, edit) } as QueryPlanSelectionNode;
  });
}

function planSelections(selectionSet: SelectionSetNode): QueryPlanSelectionNode[] {
  return selectionSet.selections.flatMap((selection): QueryPlanSelectionNode[] => {
    if (selection.kind === Kind.FIELD) {
      return [{ kind: 'Field', name: selection.name.value, selections: selection.selectionSet && planSelections(selection.selectionSet) }];
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      return [{ kind: 'InlineFragment', typeCondition: selection.typeCondition?.name.value, selections: planSelections(selection.selectionSet) }];
    }
    return [];
  });
}

/**
 * In one fetch: the client's aliased fields get their names back, and the planner's merged copy
 * of a required field becomes one aliased field per argument set the plan's @requires need.
 */
function rewriteSelections(fetch: FetchNode, index: RequiresArgumentsIndex, needed: Set<RequiredArguments>, schema: GraphQLSchema): FetchNode {
  const typeInfo = new TypeInfo(schema);
  let changed = false;
  const replacedAliases = new Set<string>();
  const rewritten = visit(
    fetchDocument(fetch),
    visitWithTypeInfo(typeInfo, {
      SelectionSet(node) {
        const parent = typeInfo.getParentType();
        const typeName = parent && getNamedType(parent).name;
        let edited = false;
        const selections = node.selections.flatMap((selection): SelectionNode[] => {
          if (selection.kind !== Kind.FIELD) return [selection];
          if (selection.alias?.value.startsWith(CLIENT_ALIAS_PREFIX)) {
            // The client's own response name back: its alias, or none when that is the field's name.
            edited = true;
            const responseName = selection.alias.value.slice(CLIENT_ALIAS_PREFIX.length);
            return [{ ...selection, alias: responseName === selection.name.value ? undefined : { kind: Kind.NAME, value: responseName } }];
          }
          const plannerAlias = selection.alias && isPlannerAlias(selection.alias.value, selection.name.value) ? selection.alias.value : undefined;
          if ((selection.alias && !plannerAlias) || !typeName) return [selection];
          const sets = index.argumentSetsOf(typeName, selection.name.value)?.filter((r) => needed.has(r));
          if (!sets || sets.length === 0) return [selection];
          edited = true;
          if (plannerAlias) replacedAliases.add(plannerAlias);
          return sets.map(aliasedCopy);
        });
        if (!edited) return undefined;
        changed = true;
        return { ...node, selections };
      },
    }),
  );
  if (!changed) return fetch;
  const corrected = withOperation(fetch, rewritten);
  // The planner's renaming of an alias it no longer finds would do nothing: drop it.
  if (replacedAliases.size > 0 && fetch.outputRewrites) {
    corrected.outputRewrites = fetch.outputRewrites.filter((rewrite) => !replacedAliases.has(String(rewrite.path[rewrite.path.length - 1])));
  }
  return corrected;
}

/**
 * `price__alias_0`: the planner's own alias for a required field where another member of an
 * abstract type answers under its name; the required copy is Tollgate's to alias then.
 */
function isPlannerAlias(alias: string, fieldName: string): boolean {
  const prefix = `${fieldName}__alias_`;
  return alias.startsWith(prefix) && /^\d+$/.test(alias.slice(prefix.length));
}

function aliasedCopy(r: RequiredArguments): FieldNode {
  return {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: r.alias },
    name: { kind: Kind.NAME, value: r.fieldName },
    arguments: r.argumentNodes,
    directives: [],
    selectionSet: r.selectionSet,
  };
}
