import { getNamedType, Kind, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import { CLIENT_ALIAS_PREFIX, REQUIRED_ALIAS_PREFIX, type RequiresArgumentsIndex } from './requires-arguments.ts';

/**
 * The client's operation as Tollgate plans it: every field that some @requires needs with
 * arguments, selected by the client under its own name, gets an alias the planner cannot merge
 * with the @requires' selection (the planner merges by response name, ignoring arguments). The
 * plan correction then gives the field its name back in the fetch. Undefined: nothing to alias
 * (the operation is planned as sent), or the client already uses Tollgate's alias prefixes.
 */
export function aliasClientFields(document: DocumentNode, schema: GraphQLSchema, index: RequiresArgumentsIndex): DocumentNode | undefined {
  const typeInfo = new TypeInfo(schema);
  let aliased = false;
  let clash = false;
  const rewritten = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (node.alias) {
          const alias = node.alias.value;
          if (alias.startsWith(CLIENT_ALIAS_PREFIX) || alias.startsWith(REQUIRED_ALIAS_PREFIX)) clash = true;
          return undefined;
        }
        const parent = typeInfo.getParentType();
        if (!parent || !index.argumentSetsOf(getNamedType(parent).name, node.name.value)) return undefined;
        aliased = true;
        return { ...node, alias: { kind: Kind.NAME, value: `${CLIENT_ALIAS_PREFIX}${node.name.value}` } };
      },
    }),
  );
  return aliased && !clash ? rewritten : undefined;
}
