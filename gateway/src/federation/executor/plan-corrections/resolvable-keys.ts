import type { Supergraph } from '@apollo/federation-internals';
import type { FetchNode, QueryPlan, QueryPlanSelectionNode } from '@apollo/query-planner';
import { GraphQLError, Kind, parse, visit, type FieldNode, type SelectionSetNode } from 'graphql';
import { fetchDocument, locateFetches, mapFetches, withOperation } from './map-plan.ts';

interface EntityKeys {
  resolvable: SelectionSetNode[];
  nonResolvable: SelectionSetNode[];
}

/**
 * Keys marked `resolvable: false` (issue 13, behaviour 3). After an @requires, the planner jumps
 * back into the requiring subgraph with the first of its keys whose fields are local there
 * (query-graphs' getLocallySatisfiableKey), resolvable or not; the subgraph cannot find an
 * entity by a non-resolvable key, answers null, and the null spreads up with no error. Tollgate
 * adds a resolvable key's fields to that representation (and to the subgraph's earlier fetch of
 * the same objects, which can select them: they are that subgraph's own key). Built once per
 * supergraph; undefined when no subgraph has both kinds of key on one entity.
 */
export class ResolvableKeys {
  private constructor(private readonly bySubgraphType: ReadonlyMap<string, EntityKeys>) {}

  static build(supergraph: Supergraph): ResolvableKeys | undefined {
    const map = new Map<string, EntityKeys>();
    for (const subgraph of supergraph.subgraphs()) {
      const key = subgraph.metadata().keyDirective();
      for (const type of [...subgraph.schema.objectTypes(), ...subgraph.schema.interfaceTypes()]) {
        const keys: EntityKeys = { resolvable: [], nonResolvable: [] };
        for (const application of type.appliedDirectivesOf(key)) {
          const fields = (parse(`{${String(application.arguments().fields)}}`).definitions[0] as { selectionSet: SelectionSetNode }).selectionSet;
          (application.arguments().resolvable === false ? keys.nonResolvable : keys.resolvable).push(fields);
        }
        if (keys.nonResolvable.length > 0) map.set(`${subgraph.name}\u0000${type.name}`, keys);
      }
    }
    return map.size === 0 ? undefined : new ResolvableKeys(map);
  }

  /** The plan with every entity fetch carrying a resolvable key; throws when no fetch can supply one. */
  correct(plan: QueryPlan): QueryPlan {
    // Only fetches mapFetches can rewrite: a Defer or Subscription runs as planned.
    const located = locateFetches(plan).filter((l) => !l.within);
    const replacements = new Map<FetchNode, FetchNode>();
    const current = (fetch: FetchNode) => replacements.get(fetch) ?? fetch;
    located.forEach(({ fetch, path }, position) => {
      for (const selection of fetch.requires ?? []) {
        if (selection.kind !== 'InlineFragment' || !selection.typeCondition) continue;
        const keys = this.bySubgraphType.get(`${fetch.serviceName}\u0000${selection.typeCondition}`);
        if (!keys || keys.resolvable.some((k) => covers(selection.selections, k))) continue;
        const key = keys.resolvable[0];
        let supplied: { provider: FetchNode; withKey: FetchNode } | undefined;
        for (const earlier of key ? located.slice(0, position).reverse() : []) {
          if (earlier.fetch.serviceName !== fetch.serviceName || !sameObjects(earlier.path, path)) continue;
          const withKey = withKeyFields(current(earlier.fetch), earlier.fetch.requires ? [] : objectPath(path), key!);
          if (withKey) supplied = { provider: earlier.fetch, withKey };
          if (supplied) break;
        }
        if (!key || !supplied) throw noResolvableKey(fetch.serviceName, selection.typeCondition);
        replacements.set(supplied.provider, supplied.withKey);
        replacements.set(fetch, { ...current(fetch), requires: (current(fetch).requires ?? []).map((s) => (s === selection ? { ...s, selections: mergePlanSelections(s.selections, key) } : s)) });
      }
    });
    return replacements.size === 0 ? plan : mapFetches(plan, current);
  }
}

/** A root fetch reaches every path; an entity fetch only the objects at its own path. */
function sameObjects(providerPath: ReadonlyArray<string | number>, path: ReadonlyArray<string | number>): boolean {
  return providerPath.length === 0 || providerPath.join('.') === path.join('.');
}

const objectPath = (path: ReadonlyArray<string | number>) => path.filter((element): element is string => element !== '@' && typeof element === 'string');

/** Whether a representation's selections include every field of the key. */
function covers(selections: readonly QueryPlanSelectionNode[], key: SelectionSetNode): boolean {
  return key.selections.every((k) => {
    if (k.kind !== Kind.FIELD) return false;
    const found = selections.find((s) => s.kind === 'Field' && s.name === k.name.value && s.alias === undefined);
    if (!found || found.kind !== 'Field') return false;
    return !k.selectionSet || covers(found.selections ?? [], k.selectionSet);
  });
}

function mergePlanSelections(selections: readonly QueryPlanSelectionNode[], key: SelectionSetNode): QueryPlanSelectionNode[] {
  const merged = [...selections];
  for (const k of key.selections) {
    if (k.kind !== Kind.FIELD) continue;
    const at = merged.findIndex((s) => s.kind === 'Field' && s.name === k.name.value && s.alias === undefined);
    const existing = merged[at];
    if (existing?.kind === 'Field') {
      if (k.selectionSet) merged[at] = { ...existing, selections: mergePlanSelections(existing.selections ?? [], k.selectionSet) };
    } else {
      merged.push({ kind: 'Field', name: k.name.value, selections: k.selectionSet && mergePlanSelections([], k.selectionSet) });
    }
  }
  return merged;
}

/**
 * The provider fetch selecting the key's fields where the objects are: at `path` (root fetch) or
 * in `_entities`; undefined when its selection does not reach there.
 */
function withKeyFields(fetch: FetchNode, path: string[], key: SelectionSetNode): FetchNode | undefined {
  let reached = false;
  const document = visit(fetchDocument(fetch), {
    OperationDefinition(operation) {
      const selectionSet = addAt(operation.selectionSet, fetch.requires ? ['_entities'] : path, key, Boolean(fetch.requires));
      if (!selectionSet) return undefined;
      reached = true;
      return { ...operation, selectionSet };
    },
  });
  return reached ? withOperation(fetch, document) : undefined;
}

function addAt(selectionSet: SelectionSetNode, path: string[], key: SelectionSetNode, intoFragments: boolean): SelectionSetNode | undefined {
  if (path.length === 0) {
    if (!intoFragments) return mergeFields(selectionSet, key);
    // `_entities { ... on T { … } }`: the key goes into each type's fragment.
    return { ...selectionSet, selections: selectionSet.selections.map((s) => (s.kind === Kind.INLINE_FRAGMENT ? { ...s, selectionSet: mergeFields(s.selectionSet, key) } : s)) };
  }
  const [head, ...rest] = path;
  let reached = false;
  const selections = selectionSet.selections.map((s) => {
    if (s.kind !== Kind.FIELD || (s.alias ?? s.name).value !== head || !s.selectionSet) return s;
    const nested = addAt(s.selectionSet, rest, key, intoFragments);
    if (!nested) return s;
    reached = true;
    return { ...s, selectionSet: nested };
  });
  return reached ? { ...selectionSet, selections } : undefined;
}

function mergeFields(selectionSet: SelectionSetNode, key: SelectionSetNode): SelectionSetNode {
  const selections = [...selectionSet.selections];
  for (const k of key.selections) {
    if (k.kind !== Kind.FIELD) continue;
    const at = selections.findIndex((s) => s.kind === Kind.FIELD && !s.alias && s.name.value === k.name.value);
    const existing = selections[at] as FieldNode | undefined;
    if (!existing) selections.push(k);
    else if (k.selectionSet && existing.selectionSet) selections[at] = { ...existing, selectionSet: mergeFields(existing.selectionSet, k.selectionSet) };
  }
  return { ...selectionSet, selections };
}

function noResolvableKey(subgraph: string, typeName: string): GraphQLError {
  return new GraphQLError(
    `Cannot fetch "${typeName}" from subgraph "${subgraph}": the plan would find it by a key marked resolvable: false, and no fetch can supply a resolvable key`,
    { extensions: { code: 'FIELD_NOT_REACHABLE', field: typeName, http: { status: 400 } } },
  );
}
