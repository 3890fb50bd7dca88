import { getNamedType, GraphQLError, Kind, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import { CLIENT_ALIAS_PREFIX, RESERVED_ALIAS_PREFIX, type RequiresArgumentsIndex } from './requires-arguments.ts';

/**
 * The client's operation as Tollgate plans it: every client field that the planner could merge
 * with a @requires' selection of a field with arguments (the planner merges by response name,
 * ignoring arguments) gets an alias of its own, `__tollgate_client_<response name>`: the field
 * itself when some @requires needs it, and any field the client aliased to such a field's name
 * (`price: name`). The plan correction gives the field its response name back in the fetch.
 * Undefined: nothing to alias (the operation is planned as sent). A client alias with Tollgate's
 * prefix is refused: the corrections could not tell it from their own.
 */
export function aliasClientFields(document: DocumentNode, schema: GraphQLSchema, index: RequiresArgumentsIndex): DocumentNode | undefined {
  const typeInfo = new TypeInfo(schema);
  let aliased = false;
  const rewritten = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const responseName = node.alias?.value ?? node.name.value;
        if (responseName.startsWith(RESERVED_ALIAS_PREFIX)) throw reservedAlias(responseName);
        const parent = typeInfo.getParentType();
        if (!parent) return undefined;
        const typeName = getNamedType(parent).name;
        if (!index.argumentSetsOf(typeName, node.name.value) && !index.argumentSetsOf(typeName, responseName)) return undefined;
        aliased = true;
        return { ...node, alias: { kind: Kind.NAME, value: `${CLIENT_ALIAS_PREFIX}${responseName}` } };
      },
    }),
  );
  return aliased ? rewritten : undefined;
}

function reservedAlias(alias: string): GraphQLError {
  return new GraphQLError(`The alias "${alias}" is reserved: response names starting with "${RESERVED_ALIAS_PREFIX}" are Tollgate's own`, {
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
  });
}
