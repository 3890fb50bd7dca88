import { parse, print, Kind } from 'graphql';

/**
 * The entity representations a subgraph request carried: its `representations` variable, or, for
 * entity fetches batched into one request, every part's (each `[_Any!]!` variable, in order).
 */
export function sentRepresentations(request: { query: string; variables?: Record<string, unknown> | undefined }): unknown[] {
  const operation = parse(request.query).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operation?.kind !== Kind.OPERATION_DEFINITION) return [];
  return (operation.variableDefinitions ?? [])
    .filter((definition) => print(definition.type) === '[_Any!]!')
    .flatMap((definition) => (request.variables?.[definition.variable.name.value] as unknown[] | undefined) ?? []);
}
