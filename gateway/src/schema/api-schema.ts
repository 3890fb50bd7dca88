// A supergraph as clients see it, for breaking-change checks: the API schema (join__ and link__
// machinery gone, @inaccessible elements removed; built by federation-internals exactly as the
// executor builds it) and, for each schema coordinate, the subgraphs that define it (read from the
// supergraph's @join__* directives), so a change can name the subgraph responsible.
import { Supergraph } from '@apollo/federation-internals';
import {
  Kind,
  parse,
  type DirectiveNode,
  type DocumentNode,
  type EnumValueDefinitionNode,
  type FieldDefinitionNode,
  type GraphQLSchema,
  type InputValueDefinitionNode,
} from 'graphql';

export interface ApiSchema {
  schema: GraphQLSchema;
  /** Schema coordinate (`Type`, `Type.field`, `Enum.VALUE`) → subgraph names defining it. */
  owners: ReadonlyMap<string, readonly string[]>;
}

export class ApiSchemaError extends Error {
  override name = 'ApiSchemaError';
}

/** Throws ApiSchemaError (one line) for an SDL that is no loadable supergraph. */
export function apiSchemaOf(supergraphSdl: string): ApiSchema {
  let document: DocumentNode;
  let schema: GraphQLSchema;
  try {
    document = parse(supergraphSdl, { noLocation: true });
    schema = Supergraph.build(document).apiSchema().toGraphQLJSSchema();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ApiSchemaError(`not a loadable supergraph SDL: ${message.split('\n')[0]}`);
  }
  return { schema, owners: ownersOf(document) };
}

/** The subgraphs named by the @join__* directives, coordinate by coordinate. */
function ownersOf(document: DocumentNode): Map<string, string[]> {
  const graphNames = new Map<string, string>(); // join__Graph enum value → subgraph name
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const name = stringArgument(value.directives?.find((d) => d.name.value === 'join__graph'), 'name');
      graphNames.set(value.name.value, name ?? value.name.value.toLowerCase());
    }
  }
  const owners = new Map<string, string[]>();
  const graphsOf = (directives: readonly DirectiveNode[] | undefined, directive: string, skipExternal = false) =>
    (directives ?? [])
      .filter((d) => d.name.value === directive)
      .filter((d) => !(skipExternal && booleanArgument(d, 'external')))
      .map((d) => enumArgument(d, 'graph'))
      .flatMap((graph) => (graph === undefined ? [] : [graphNames.get(graph) ?? graph]));
  for (const definition of document.definitions) {
    if (!('name' in definition) || definition.name === undefined || !('directives' in definition)) continue;
    const type = definition.name.value;
    if (type.startsWith('join__') || type.startsWith('link__')) continue;
    const typeOwners = unique(graphsOf(definition.directives, 'join__type'));
    owners.set(type, typeOwners);
    const members: ReadonlyArray<FieldDefinitionNode | InputValueDefinitionNode | EnumValueDefinitionNode> =
      'fields' in definition ? (definition.fields ?? []) : 'values' in definition ? (definition.values ?? []) : [];
    for (const member of members) {
      const own = graphsOf(member.directives, member.kind === Kind.ENUM_VALUE_DEFINITION ? 'join__enumValue' : 'join__field', true);
      owners.set(`${type}.${member.name.value}`, own.length > 0 ? unique(own) : typeOwners);
    }
  }
  return owners;
}

function argument(directive: DirectiveNode | undefined, name: string) {
  return directive?.arguments?.find((a) => a.name.value === name)?.value;
}

function stringArgument(directive: DirectiveNode | undefined, name: string): string | undefined {
  const value = argument(directive, name);
  return value?.kind === Kind.STRING ? value.value : undefined;
}

function enumArgument(directive: DirectiveNode, name: string): string | undefined {
  const value = argument(directive, name);
  return value?.kind === Kind.ENUM ? value.value : undefined;
}

function booleanArgument(directive: DirectiveNode, name: string): boolean {
  const value = argument(directive, name);
  return value?.kind === Kind.BOOLEAN && value.value;
}

function unique(names: string[]): string[] {
  return [...new Set(names)].sort();
}
