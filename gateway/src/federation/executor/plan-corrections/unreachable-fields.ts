import { isInterfaceType, Variable, type Operation, type SelectionSet, type Supergraph } from '@apollo/federation-internals';
import type { QueryPlan } from '@apollo/query-planner';
import { GraphQLError, Kind, type DocumentNode, type SelectionSetNode } from 'graphql';
import { fetchDocument, locateFetches } from './map-plan.ts';

/** A field selected only when variables say so: `@include(if: $x)` is `{ variable: 'x', include: true }`. */
export interface SelectionCondition {
  variable: string;
  include: boolean;
}

/** An unreachable field under @skip/@include with variables: refused on the requests that select it. */
export interface ConditionalRefusal {
  coordinate: string;
  when: readonly SelectionCondition[];
}

/**
 * Fields that only @interfaceObject types without a resolvable key define (issue 13,
 * behaviour 4): no subgraph can be entered to fetch them, unless the object they sit on came from
 * that subgraph already. @apollo/query-planner then leaves them out of the plan without a word
 * and the client reads a silent null; Tollgate refuses such an operation, naming the field.
 * Built once per supergraph; undefined when no field is in that position.
 */
export class UnreachableFields {
  private constructor(private readonly candidates: ReadonlySet<string>) {}

  static build(supergraph: Supergraph): UnreachableFields | undefined {
    const onlyUnresolvable = new Set<string>();
    const elsewhere = new Set<string>();
    for (const subgraph of supergraph.subgraphs()) {
      const metadata = subgraph.metadata();
      const key = metadata.keyDirective();
      for (const type of [...subgraph.schema.objectTypes(), ...subgraph.schema.interfaceTypes()]) {
        const interfaceObject = metadata.isInterfaceObjectType(type);
        const resolvable = type.appliedDirectivesOf(key).some((k) => k.arguments().resolvable !== false);
        for (const field of type.fields()) {
          const coordinate = `${type.name}.${field.name}`;
          (interfaceObject && !resolvable ? onlyUnresolvable : elsewhere).add(coordinate);
          // A field of an implementation is reachable through the interface too.
          if (!interfaceObject && 'interfaces' in type) for (const itf of type.interfaces()) elsewhere.add(`${itf.name}.${field.name}`);
        }
      }
    }
    const candidates = new Set([...onlyUnresolvable].filter((coordinate) => !elsewhere.has(coordinate)));
    return candidates.size === 0 ? undefined : new UnreachableFields(candidates);
  }

  /**
   * Throws FIELD_NOT_REACHABLE when the operation selects a candidate field the plan never
   * fetches. A field skipped by a literal @skip/@include is not selected; one that variables
   * decide is returned, to be refused per request (`refusedField`).
   */
  check(operation: Operation, plan: QueryPlan): ConditionalRefusal[] {
    let fetched: Set<string> | undefined;
    const refusals: ConditionalRefusal[] = [];
    const visitSelections = (selectionSet: SelectionSet, path: string, when: readonly SelectionCondition[]): void => {
      for (const selection of selectionSet.selections()) {
        const conditions = conditionsOf(selection.element.appliedDirectives);
        if (conditions === 'skipped') continue;
        const selectedWhen = conditions.length === 0 ? when : [...when, ...conditions];
        if (selection.kind === 'FieldSelection') {
          const field = selection.element;
          const responsePath = path ? `${path}.${field.responseName()}` : field.responseName();
          const coordinate = `${field.definition.parent.name}.${field.name}`;
          if (this.candidates.has(coordinate) && isInterfaceType(field.definition.parent)) {
            fetched ??= fetchedPaths(plan);
            if (!fetched.has(responsePath)) {
              if (selectedWhen.length === 0) throw fieldNotReachable(coordinate);
              refusals.push({ coordinate, when: selectedWhen });
            }
          }
          if (selection.selectionSet) visitSelections(selection.selectionSet, responsePath, selectedWhen);
        } else if (selection.selectionSet) {
          visitSelections(selection.selectionSet, path, selectedWhen);
        }
      }
    };
    visitSelections(operation.expandAllFragments().selectionSet, '', []);
    return refusals;
  }
}

/** 'skipped' for a literal @skip(if: true) / @include(if: false); else the variables that decide. */
function conditionsOf(directives: ReadonlyArray<{ name: string; arguments(): Record<string, unknown> }>): SelectionCondition[] | 'skipped' {
  const conditions: SelectionCondition[] = [];
  for (const directive of directives) {
    if (directive.name !== 'skip' && directive.name !== 'include') continue;
    const include = directive.name === 'include';
    const value = directive.arguments()['if'];
    if (value instanceof Variable) conditions.push({ variable: value.name, include });
    else if (value !== include) return 'skipped';
  }
  return conditions;
}

/** The refusal for this request's variables (coerced, defaults applied), or undefined. */
export function refusedField(refusals: readonly ConditionalRefusal[], variables: Record<string, unknown>): GraphQLError | undefined {
  for (const { coordinate, when } of refusals) {
    if (when.every(({ variable, include }) => variables[variable] === include)) return fieldNotReachable(coordinate);
  }
  return undefined;
}

/** Every response path (`a.note`, list positions left out) some fetch of the plan selects. */
function fetchedPaths(plan: QueryPlan): Set<string> {
  const paths = new Set<string>();
  const add = (selectionSet: SelectionSetNode, prefix: string, fragments: Map<string, SelectionSetNode>): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const path = prefix ? `${prefix}.${(selection.alias ?? selection.name).value}` : (selection.alias ?? selection.name).value;
        paths.add(path);
        if (selection.selectionSet) add(selection.selectionSet, path, fragments);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        add(selection.selectionSet, prefix, fragments);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment) add(fragment, prefix, fragments);
      }
    }
  };
  // Fetches in a Defer or Subscription select fields too: all count.
  for (const { fetch, path } of locateFetches(plan)) {
    const document: DocumentNode = fetchDocument(fetch);
    const fragments = new Map<string, SelectionSetNode>();
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d.selectionSet);
    const base = path.filter((element) => element !== '@').join('.');
    for (const d of document.definitions) {
      if (d.kind !== Kind.OPERATION_DEFINITION) continue;
      // An entity fetch's fields sit under `_entities`, at the Flatten's path.
      const entities = d.selectionSet.selections.find((s) => s.kind === Kind.FIELD && s.name.value === '_entities');
      const root = fetch.requires && entities?.kind === Kind.FIELD && entities.selectionSet ? entities.selectionSet : d.selectionSet;
      add(root, base, fragments);
    }
  }
  return paths;
}

function fieldNotReachable(coordinate: string): GraphQLError {
  return new GraphQLError(
    `Cannot fetch "${coordinate}": only @interfaceObject types without a resolvable key define it, and no subgraph that could resolve it can be reached from where it is selected`,
    { extensions: { code: 'FIELD_NOT_REACHABLE', field: coordinate, http: { status: 400 } } },
  );
}
