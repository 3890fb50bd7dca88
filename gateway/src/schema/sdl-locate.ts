// Where a schema coordinate is written in a subgraph's SDL (its line), for annotations on the
// pull request that changes it. Undefined when it is not written there (a removal, a type the
// subgraph only references).
import { Kind, parse, type DocumentNode } from 'graphql';

export function lineOf(sdl: string, coordinate: string): number | undefined {
  let document: DocumentNode;
  try {
    document = parse(sdl);
  } catch {
    return undefined;
  }
  const match = /^([^.(]+)(?:\.([^.(]+))?(?:\(([^:]+):\))?$/.exec(coordinate);
  if (match === null) return undefined;
  const [, typeName, memberName, argName] = match;
  for (const definition of document.definitions) {
    if (!('name' in definition) || definition.name?.value !== typeName || definition.kind === Kind.DIRECTIVE_DEFINITION) continue;
    if (memberName === undefined) return definition.loc?.startToken.line;
    const members = 'fields' in definition ? definition.fields : 'values' in definition ? definition.values : undefined;
    const member = (members ?? []).find((m) => m.name.value === memberName);
    if (member === undefined) continue;
    if (argName === undefined) return member.loc?.startToken.line;
    const arg = ('arguments' in member ? member.arguments : undefined)?.find((a) => a.name.value === argName);
    return (arg ?? member).loc?.startToken.line;
  }
  return undefined;
}
