import {
  Kind,
  parse,
  print,
  stripIgnoredCharacters,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type TypeNode,
  type VariableDefinitionNode,
} from 'graphql';

/** An entity fetch's operation taken apart, to become one aliased field of a batched operation. */
export interface EntityOperation {
  readonly name: string | undefined;
  /** Its variable definitions but `$representations` (the client's variables it uses). */
  readonly variables: readonly VariableDefinitionNode[];
  /** What it selects on `_entities`. */
  readonly selectionSet: SelectionSetNode;
  readonly fragments: readonly FragmentDefinitionNode[];
  /** The operation printed without its name: equal texts ask the same of each representation. */
  readonly text: string;
}

/**
 * Takes apart an entity fetch operation as the planner writes it: one query whose only field is
 * `_entities(representations: $representations)`, unaliased. Anything else: undefined (the fetch
 * is then sent alone).
 */
export function parseEntityOperation(operation: string): EntityOperation | undefined {
  let document: DocumentNode;
  try {
    document = parse(operation, { noLocation: true });
  } catch {
    return undefined;
  }
  const [definition, ...rest] = document.definitions;
  if (definition?.kind !== Kind.OPERATION_DEFINITION || definition.operation !== 'query' || definition.directives?.length) return undefined;
  const fragments: FragmentDefinitionNode[] = [];
  for (const other of rest) {
    if (other.kind !== Kind.FRAGMENT_DEFINITION) return undefined;
    fragments.push(other);
  }
  const [field, ...more] = definition.selectionSet.selections;
  if (more.length > 0 || !isEntitiesField(field)) return undefined;
  const variables = definition.variableDefinitions ?? [];
  if (!variables.some((v) => v.variable.name.value === REPRESENTATIONS)) return undefined;
  const unnamed: OperationDefinitionNode = { ...definition, name: undefined };
  return {
    name: definition.name?.value,
    variables: variables.filter((v) => v.variable.name.value !== REPRESENTATIONS),
    selectionSet: field.selectionSet,
    fragments,
    text: stripIgnoredCharacters(print({ ...document, definitions: [unnamed, ...fragments] })),
  };
}

const REPRESENTATIONS = 'representations';

/** `[_Any!]!`, the type of every representations variable. */
const ANY_LIST: TypeNode = {
  kind: Kind.NON_NULL_TYPE,
  type: { kind: Kind.LIST_TYPE, type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: '_Any' } } } },
};

function isEntitiesField(node: unknown): node is FieldNode & { selectionSet: SelectionSetNode } {
  const field = node as FieldNode | undefined;
  if (field?.kind !== Kind.FIELD || field.name.value !== '_entities' || field.alias || field.directives?.length || !field.selectionSet) return false;
  const [argument, ...others] = field.arguments ?? [];
  return others.length === 0 && argument?.name.value === REPRESENTATIONS && argument.value.kind === Kind.VARIABLE && argument.value.name.value === REPRESENTATIONS;
}

/** Several entity operations as one: part k is the field `_k`, its representations in `variables[k]`. */
export interface CombinedOperation {
  /** `{"query":…,"operationName":…,"variables":` */
  readonly bodyPrefix: string;
  /** Part k's representations variable, as a JSON key: `"r0":`. */
  readonly representationKeys: readonly string[];
  /** The client's variables any part uses (they are the same variables: the client operation's). */
  readonly variableUsages: readonly string[];
}

/** Alias of part k in the batched operation (and in its answer and error paths). */
export const partAlias = (k: number) => `_${k}`;

/**
 * `query($r0:[_Any!]!,$r1:[_Any!]!,$v:T){_0:_entities(representations:$r0){…} _1:_entities(representations:$r1){…}}`
 * with each part's fragments kept once when identical and renamed when two parts' differ. Undefined
 * when two parts declare one client variable differently (never with one client operation).
 */
export function combineOperations(parts: readonly EntityOperation[]): CombinedOperation | undefined {
  const shared = new Map<string, VariableDefinitionNode>();
  for (const part of parts) {
    for (const definition of part.variables) {
      const name = definition.variable.name.value;
      const known = shared.get(name);
      if (known && print(known) !== print(definition)) return undefined;
      shared.set(name, definition);
    }
  }
  const representationNames = parts.map((_, k) => {
    let name = `r${k}`;
    while (shared.has(name)) name = `_${name}`;
    return name;
  });
  const fragments = new Map<string, string>();
  const definitions: FragmentDefinitionNode[] = [];
  const fields: FieldNode[] = parts.map((part, k) => {
    const renames = fragmentRenames(part.fragments, fragments, k);
    const renamed = (node: FragmentDefinitionNode | SelectionSetNode) => (renames.size === 0 ? node : renameSpreads(node, renames));
    for (const fragment of part.fragments) {
      const definition = renamed(fragment) as FragmentDefinitionNode;
      const name = definition.name.value;
      if (fragments.has(name)) continue; // identical to an earlier part's
      fragments.set(name, print(definition));
      definitions.push(definition);
    }
    return {
      kind: Kind.FIELD,
      alias: { kind: Kind.NAME, value: partAlias(k) },
      name: { kind: Kind.NAME, value: '_entities' },
      arguments: [
        {
          kind: Kind.ARGUMENT,
          name: { kind: Kind.NAME, value: REPRESENTATIONS },
          value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: representationNames[k] as string } },
        },
      ],
      selectionSet: renamed(part.selectionSet) as SelectionSetNode,
    };
  });
  const operation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: 'query' as OperationDefinitionNode['operation'],
    name: parts[0]?.name === undefined ? undefined : { kind: Kind.NAME, value: `${parts[0].name}__batch` },
    variableDefinitions: [
      ...representationNames.map((name) => ({ kind: Kind.VARIABLE_DEFINITION, variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: name } }, type: ANY_LIST }) as VariableDefinitionNode),
      ...shared.values(),
    ],
    selectionSet: { kind: Kind.SELECTION_SET, selections: fields },
  };
  const query = stripIgnoredCharacters(print({ kind: Kind.DOCUMENT, definitions: [operation, ...definitions] }));
  return {
    bodyPrefix: `{"query":${JSON.stringify(query)}${operation.name ? `,"operationName":${JSON.stringify(operation.name.value)}` : ''},"variables":`,
    representationKeys: representationNames.map((name) => `${JSON.stringify(name)}:`),
    variableUsages: [...shared.keys()],
  };
}

/**
 * The fragments of part k that must be renamed: those whose name an earlier part used for a
 * different definition, and then those that spread a renamed one (their text changes too), until
 * nothing more changes. The rest are kept, once if an earlier part has the very same definition.
 */
function fragmentRenames(own: readonly FragmentDefinitionNode[], earlier: ReadonlyMap<string, string>, k: number): Map<string, string> {
  const renames = new Map<string, string>();
  const taken = new Set([...earlier.keys(), ...own.map((f) => f.name.value)]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const fragment of own) {
      const name = fragment.name.value;
      if (renames.has(name) || !earlier.has(name)) continue;
      const text = print(renames.size === 0 ? fragment : renameSpreads(fragment, renames));
      if (text === earlier.get(name)) continue;
      let fresh = `${name}_${k}`;
      while (taken.has(fresh)) fresh = `${fresh}_`;
      taken.add(fresh);
      renames.set(name, fresh);
      changed = true;
    }
  }
  return renames;
}

function renameSpreads<T extends FragmentDefinitionNode | SelectionSetNode>(node: T, renames: ReadonlyMap<string, string>): T {
  const rename = (name: { value: string }) => renames.get(name.value);
  return visit(node, {
    FragmentSpread: (spread) => {
      const to = rename(spread.name);
      return to ? { ...spread, name: { ...spread.name, value: to } } : undefined;
    },
    FragmentDefinition: (definition) => {
      const to = rename(definition.name);
      return to ? { ...definition, name: { ...definition.name, value: to } } : undefined;
    },
  });
}
