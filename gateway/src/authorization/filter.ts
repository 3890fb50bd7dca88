import {
  getNamedType,
  isCompositeType,
  isNonNullType,
  isUnionType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Identity } from '../core/identity.ts';
import { assembleDocument } from './assemble.ts';
import { satisfies, type AuthorizationPolicy } from './policy.ts';
import { listSegments, type Removal, type Segment } from './removals.ts';

/**
 * Removes from an operation every field the caller may not see, as Apollo Router does before
 * planning; a selection set left empty takes its parent field with it, and the rest of the query
 * runs. A field is allowed when the caller meets the requirements of the field, of its return
 * type, and, on an interface, of that field and type in every implementation; a fragment when the
 * caller meets its type condition's.
 */

/** The alias of the `__typename` an operation keeps when every root field was removed. */
export const PLACEHOLDER_ALIAS = '__tollgate_unauthorized';

export interface FilteredOperation {
  /** The operation without the removed fields (and only the fragments and variables it still uses). */
  document: DocumentNode;
  removals: Removal[];
  /** Every root field was removed: `document` selects only the placeholder. */
  empty: boolean;
}

/** undefined: nothing to remove (or no operation to run, which execution reports). */
export function filterOperation(
  policy: AuthorizationPolicy,
  document: DocumentNode,
  operationName: string | undefined,
  identity: Identity | undefined,
): FilteredOperation | undefined {
  return new OperationFilter(policy, document, identity).run(operationName);
}

interface FilteredFragment {
  selectionSet: SelectionSetNode | undefined;
  removals: Removal[];
}

/** One pass over one operation for one caller. */
class OperationFilter {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly filteredFragments = new Map<string, FilteredFragment | 'in-progress'>();

  constructor(
    private readonly policy: AuthorizationPolicy,
    private readonly document: DocumentNode,
    private readonly identity: Identity | undefined,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
  }

  run(operationName: string | undefined): FilteredOperation | undefined {
    const operation = this.selectOperation(operationName);
    if (operation === undefined) return undefined;
    const schema = this.policy.schema;
    const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
    if (!root) return undefined;

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
    if (removals.length === 0) return undefined;

    // An operation must select something: an emptied one keeps a `__typename` the completion drops.
    const placeholder: SelectionSetNode = {
      kind: Kind.SELECTION_SET,
      selections: [{ kind: Kind.FIELD, alias: { kind: Kind.NAME, value: PLACEHOLDER_ALIAS }, name: { kind: Kind.NAME, value: '__typename' } }],
    };
    const filtered: OperationDefinitionNode = { ...operation, selectionSet: selectionSet ?? placeholder };
    return { document: assembleDocument(filtered, (name) => this.filteredFragment(name)), removals, empty: selectionSet === undefined };
  }

  private selectOperation(operationName: string | undefined): OperationDefinitionNode | undefined {
    const operations = this.document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (operationName === undefined) return operations.length === 1 ? operations[0] : undefined;
    return operations.find((operation) => operation.name?.value === operationName);
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
        const condition = selection.typeCondition ? this.policy.schema.getType(selection.typeCondition.name.value) : parent;
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
        const condition = this.policy.schema.getType(definition.typeCondition.name.value);
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

  /** A fragment as the filtered document carries it: filtered when it was spread, else as written. */
  private filteredFragment(name: string): FragmentDefinitionNode | undefined {
    const definition = this.fragments.get(name);
    if (!definition) return undefined;
    const filtered = this.filteredFragments.get(name);
    const selectionSet = filtered && filtered !== 'in-progress' ? filtered.selectionSet ?? definition.selectionSet : definition.selectionSet;
    return selectionSet === definition.selectionSet ? definition : { ...definition, selectionSet };
  }
}

function responseKey(field: FieldNode): string {
  return field.alias?.value ?? field.name.value;
}

/** A removal directly in the fragment's own selection set (not under one of its fields). */
function isAtTop(removal: Removal): boolean {
  return removal.path.length === 1;
}
