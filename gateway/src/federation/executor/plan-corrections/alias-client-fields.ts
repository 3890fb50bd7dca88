import { getNamedType, GraphQLError, Kind, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type FieldNode, type GraphQLSchema } from 'graphql';
import { CLIENT_ALIAS_PREFIX, RESERVED_ALIAS_PREFIX, type RequiredArguments, type RequiresArgumentsIndex } from './requires-arguments.ts';

/** The client's operation as Tollgate plans it, and the required leaves it collides with. */
export interface AliasedDocument {
  document: DocumentNode;
  /** Leaves required without arguments whose name a client field takes: aliased in this plan. */
  collisions: ReadonlySet<RequiredArguments>;
}

/**
 * Every client field that the planner could merge with a @requires' selection (it merges by
 * response name, ignoring arguments and field names) gets an alias of its own for planning,
 * `__tollgate_client_<response name>`: a field some @requires needs with arguments, and any field
 * answering under a required field's name that is not that very field (`price: id`, `weight: id`,
 * `weight(unit: "g")` where `weight` is required bare). The plan correction gives it its response
 * name back in the fetch. Undefined: nothing to alias (the operation is planned as sent). A
 * client alias with Tollgate's prefix is refused: the corrections could not tell it from theirs.
 */
export function aliasClientFields(document: DocumentNode, schema: GraphQLSchema, index: RequiresArgumentsIndex): AliasedDocument | undefined {
  // First the collisions: once a bare leaf is aliased in the fetches, every client selection of
  // it must be aliased too, to get its name back there.
  const collisions = new Set<RequiredArguments>();
  visitClientFields(document, schema, ({ typeName, fieldName, responseName, field }) => {
    const underRequiredName = index.argumentSetsOf(typeName, responseName);
    if (!underRequiredName || (fieldName === responseName && !field.arguments?.length)) return undefined;
    for (const r of underRequiredName) if (r.onClientCollision) collisions.add(r);
    return undefined;
  });
  let aliased = false;
  const rewritten = visitClientFields(document, schema, ({ typeName, fieldName, responseName, field }) => {
    const named = [...(index.argumentSetsOf(typeName, fieldName) ?? []), ...(index.argumentSetsOf(typeName, responseName) ?? [])];
    if (!named.some((r) => !r.onClientCollision || collisions.has(r))) return undefined;
    aliased = true;
    return { ...field, alias: { kind: Kind.NAME, value: `${CLIENT_ALIAS_PREFIX}${responseName}` } };
  });
  return aliased ? { document: rewritten, collisions } : undefined;
}

interface ClientField {
  typeName: string;
  fieldName: string;
  responseName: string;
  field: FieldNode;
}

/** Visits every field of the document with its parent type; `replace` may return a new field. */
function visitClientFields(document: DocumentNode, schema: GraphQLSchema, replace: (field: ClientField) => FieldNode | undefined): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(field) {
        const fieldName = field.name.value;
        const responseName = field.alias?.value ?? fieldName;
        if (responseName.startsWith(RESERVED_ALIAS_PREFIX)) throw reservedAlias(responseName);
        const parent = typeInfo.getParentType();
        return parent ? replace({ typeName: getNamedType(parent).name, fieldName, responseName, field }) : undefined;
      },
    }),
  );
}

function reservedAlias(alias: string): GraphQLError {
  return new GraphQLError(`The alias "${alias}" is reserved: response names starting with "${RESERVED_ALIAS_PREFIX}" are Tollgate's own`, {
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
  });
}
